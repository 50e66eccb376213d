import type { Operation } from '../generated/prisma/client';
import { HOST_ID, OP_ID, operationRow } from './operation-row.fixture';
import { foldReports, LockedRows, settle } from './report-fold';

const OTHER = '44444444-4444-4444-8444-444444444444';
const UNKNOWN = '55555555-5555-4555-8555-555555555555';

function locked(ops: Operation[], provisionOpId: string | null = OP_ID): LockedRows {
  return {
    ops: new Map(ops.map((op) => [op.id, op])),
    hosts: new Map([[HOST_ID, { provisionOpId, provisionStatus: 'pending' }]]),
  };
}

describe('foldReports: the reports of a batch applied in order over the locked rows (DOMAIN.md §8)', () => {
  it('each report sees the one before: running then completed of one operation is one row and one host write', () => {
    const rows = locked([operationRow()]);
    const batch = foldReports(
      [
        { id: OP_ID, status: 'running' },
        { id: OP_ID.toUpperCase(), status: 'completed', result: { verified: true } },
      ],
      rows,
    );
    expect(batch.verdicts.map((v) => [v.id, v.outcome, v.outcome === 'stored' && v.op.status])).toEqual([
      [OP_ID, 'stored', 'running'],
      [OP_ID.toUpperCase(), 'stored', 'completed'],
    ]);
    expect([...batch.operations.values()]).toMatchObject([{ status: 'completed', attempt: 1 }]);
    expect([...batch.hosts]).toMatchObject([[HOST_ID, { provisionStatus: 'synced', provisionError: null }]]);
    expect(batch.changes.map((c) => [c.op.status, c.provisionStatus])).toEqual([
      ['running', 'running'],
      ['completed', 'synced'],
    ]);
    // the rows as read are left alone
    expect(rows.ops.get(OP_ID)!.status).toBe('pending');
    expect(rows.hosts.get(HOST_ID)!.provisionStatus).toBe('pending');
  });

  it('an unknown operation or an illegal move is its own verdict and loses none of the others', () => {
    const done = operationRow({ id: OTHER, status: 'completed', hostId: null });
    const batch = foldReports(
      [
        { id: UNKNOWN, status: 'running' },
        { id: OTHER, status: 'failed' },
        { id: OP_ID, status: 'running' },
      ],
      locked([operationRow(), done]),
    );
    expect(batch.verdicts).toMatchObject([
      { id: UNKNOWN, outcome: 'not_found', message: `operation ${UNKNOWN} not found` },
      { id: OTHER, outcome: 'rejected', refusal: { code: 'INVALID_TRANSITION' } },
      { id: OP_ID, outcome: 'stored', changed: true },
    ]);
    expect([...batch.operations.keys()]).toEqual([OP_ID]);
  });

  it('an idempotent repeat writes nothing; the operation of another host state leaves the host alone', () => {
    const batch = foldReports([{ id: OP_ID, status: 'running' }], locked([operationRow({ status: 'running' })]));
    expect(batch).toMatchObject({ operations: new Map(), hosts: new Map(), changes: [] });
    expect(batch.verdicts).toMatchObject([{ outcome: 'stored', changed: false }]);

    const notMine = foldReports([{ id: OP_ID, status: 'completed' }], locked([operationRow()], OTHER));
    expect(notMine.hosts.size).toBe(0);
    expect(notMine.changes.map((c) => c.provisionStatus)).toEqual(['pending']);
  });
});

describe('settle: the answer shows each operation’s last state as stored, intermediate ones as folded', () => {
  it('replaces the last state by the row read back and keeps the earlier one', () => {
    const batch = foldReports(
      [
        { id: OP_ID, status: 'running' },
        { id: OP_ID, status: 'completed' },
      ],
      locked([operationRow()]),
    );
    const stored = operationRow({ status: 'completed', attempt: 1, error: 'as stored' });
    const { verdicts, changes } = settle(batch, new Map([[OP_ID, stored]]));
    expect(verdicts.map((v) => v.outcome === 'stored' && v.op.error)).toEqual([null, 'as stored']);
    expect(changes[1].op).toBe(stored);
    expect(changes[0].op.status).toBe('running');
  });
});
