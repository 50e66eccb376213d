import { reconnectDelay } from './redis-connections';
import {
  compareStreamIds,
  parseAutoClaimReply,
  parseGroupLag,
  parsePendingRange,
  parsePendingSummary,
  parseReadGroupReply,
} from './stream-replies';

describe('stream reply decoders (RESP2 shapes from ioredis 5)', () => {
  it('XREADGROUP: picks our stream, decodes fields, keeps nil fields of deleted entries as null', () => {
    const reply = [
      ['other', [['9-0', ['x', 'y']]]],
      [
        'linbo:jobs',
        [
          ['1-0', ['type', 'provision_host', 'attempt', '1']],
          ['2-0', null],
        ],
      ],
    ];
    expect(parseReadGroupReply(reply, 'linbo:jobs')).toEqual([
      { id: '1-0', fields: { type: 'provision_host', attempt: '1' } },
      { id: '2-0', fields: null },
    ]);
    expect(parseReadGroupReply(null, 'linbo:jobs')).toEqual([]); // BLOCK timed out
    expect(parseReadGroupReply(reply, 'missing')).toEqual([]);
  });

  it('XAUTOCLAIM: Redis 7 (with deleted ids) and 6.2 (two elements) replies', () => {
    expect(parseAutoClaimReply(['5-0', [['3-0', ['a', 'b']]], ['4-0']])).toEqual({
      cursor: '5-0',
      entries: [{ id: '3-0', fields: { a: 'b' } }],
      deletedIds: ['4-0'],
    });
    expect(parseAutoClaimReply(['0-0', [['3-0', null]]])).toEqual({
      cursor: '0-0',
      entries: [{ id: '3-0', fields: null }],
      deletedIds: [],
    });
    expect(() => parseAutoClaimReply('OK')).toThrow(/XAUTOCLAIM/);
  });

  it('XPENDING range and summary', () => {
    expect(parsePendingRange([['1-0', 'w1', 1200, 3]])).toEqual([
      { id: '1-0', consumer: 'w1', idleMs: 1200, deliveries: 3 },
    ]);
    expect(parsePendingRange(null)).toEqual([]);
    expect(parsePendingSummary([4, '1-0', '9-0', [['w1', '4']]])).toBe(4);
    expect(parsePendingSummary([0, null, null, null])).toBe(0);
  });

  it('XINFO GROUPS lag: the named group only, null when Redis cannot tell', () => {
    const reply = [
      ['name', 'a', 'consumers', 1, 'pending', 0, 'last-delivered-id', '1-0', 'entries-read', 1, 'lag', 0],
      ['name', 'dc-workers', 'consumers', 2, 'pending', 1, 'last-delivered-id', '1-0', 'entries-read', 1, 'lag', 7],
      [
        'name',
        'after-xdel',
        'consumers',
        0,
        'pending',
        0,
        'last-delivered-id',
        '1-0',
        'entries-read',
        null,
        'lag',
        null,
      ],
    ];
    expect(parseGroupLag(reply, 'dc-workers')).toBe(7);
    expect(parseGroupLag(reply, 'a')).toBe(0);
    expect(parseGroupLag(reply, 'after-xdel')).toBeNull();
    expect(parseGroupLag(reply, 'nope')).toBeNull();
    expect(parseGroupLag([['name', 'old-redis', 'pending', 0]], 'old-redis')).toBeNull(); // Redis < 7 has no lag
  });

  it('orders stream ids numerically, not as strings', () => {
    expect(compareStreamIds('10-0', '9-0')).toBe(1);
    expect(compareStreamIds('5-10', '5-9')).toBe(1);
    expect(compareStreamIds('5-1', '5-1')).toBe(0);
    expect(['10-0', '9-5', '9-10'].sort(compareStreamIds)).toEqual(['9-5', '9-10', '10-0']);
  });

  it('reconnect backoff doubles from 100 ms to a 2 s ceiling and never gives up', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(reconnectDelay)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});
