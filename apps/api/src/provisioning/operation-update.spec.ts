import type { Operation } from '../generated/prisma/client';
import { applyOperationUpdate, asStoredJson } from './operation-update';

const op: Operation = {
  id: '11111111-1111-4111-8111-111111111111',
  type: 'provision_host',
  action: 'create',
  targetHost: 'pc1',
  hostId: '22222222-2222-4222-8222-222222222222',
  school: 'default-school',
  dcId: 'default',
  options: { hostname: 'pc1', dryRun: false },
  status: 'running',
  attempt: 1,
  maxAttempts: 3,
  result: { importRun: 4 },
  error: 'an earlier try failed',
  publishedAt: new Date('2026-01-01T10:00:00.000Z'),
  streamId: '1-0',
  startedAt: new Date('2026-01-01T10:00:01.000Z'),
  completedAt: null,
  createdAt: new Date('2026-01-01T09:59:59.000Z'),
  updatedAt: new Date('2026-01-01T10:00:01.000Z'),
  seq: 1n,
};

describe('applyOperationUpdate: the row a Prisma update with a planned update returns', () => {
  it('counts the attempt from the row, sets the given fields and keeps the others', () => {
    const completedAt = new Date('2026-01-01T10:05:00.000Z');
    const before = Date.now();
    const next = applyOperationUpdate(op, { status: 'completed', attempt: { increment: 1 }, completedAt, error: null });
    expect(next).toMatchObject({ status: 'completed', attempt: 2, completedAt, error: null, result: { importRun: 4 } });
    expect(next.startedAt).toBe(op.startedAt);
    expect(next.result).toBe(op.result);
    expect(next.updatedAt.getTime()).toBeGreaterThanOrEqual(before); // stamped now, like @updatedAt
    expect(op).toMatchObject({ status: 'running', attempt: 1 }); // the row as read is left alone
  });

  it('nulls what a retry clears and replaces the result', () => {
    const next = applyOperationUpdate(op, {
      status: 'retrying',
      publishedAt: null,
      streamId: null,
      completedAt: null,
      result: { verified: false, code: 'X' },
    });
    expect(next).toMatchObject({ attempt: 1, publishedAt: null, streamId: null, completedAt: null });
    expect(next.result).toEqual({ code: 'X', verified: false });
  });
});

describe('asStoredJson: jsonb key order (shorter keys first, then bytewise), nested too', () => {
  it('orders the keys of objects at any depth and keeps arrays in order', () => {
    const value = asStoredJson({ importRun: 7, code: 'X', b: { zz: 1, a: [{ yy: 1, x: 2 }, 3, null] }, é: 1, f: 2 });
    expect(JSON.stringify(value)).toBe(
      '{"b":{"a":[{"x":2,"yy":1},3,null],"zz":1},"f":2,"é":1,"code":"X","importRun":7}',
    );
  });

  it('leaves scalars as they are', () => {
    expect(asStoredJson('text')).toBe('text');
    expect(asStoredJson(3)).toBe(3);
    expect(asStoredJson(true)).toBe(true);
  });
});
