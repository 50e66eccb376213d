import { HOST_ID, OP_ID, operationRow } from './operation-row.fixture';
import { countsAttempt, hostChangeBy, planReport, planUserRetry, planWorkerRetry } from './status-rules';

const NOW = new Date('2026-01-01T11:00:00.000Z');
const newer = operationRow({ id: '33333333-3333-4333-8333-333333333333', seq: 2n, targetHost: 'pc1' });

describe('planReport: a worker status report (DOMAIN.md §8)', () => {
  it('pending → running starts and counts a try', () => {
    expect(planReport(operationRow(), { status: 'running' }, NOW)).toEqual({
      kind: 'write',
      update: { status: 'running', attempt: { increment: 1 }, startedAt: NOW },
    });
  });

  it('running → completed ends the try, clears the error and stores the result; the try is not counted twice', () => {
    const op = operationRow({ status: 'running', attempt: 1, error: 'earlier' });
    expect(planReport(op, { status: 'completed', result: { verified: true } }, NOW)).toEqual({
      kind: 'write',
      update: { status: 'completed', completedAt: NOW, result: { verified: true }, error: null },
    });
  });

  it('a failure without a message gets one; a try that was never reported running is counted at its end', () => {
    const plan = planReport(operationRow(), { status: 'failed', error: '  ' }, NOW);
    expect(plan).toMatchObject({ kind: 'write', update: { status: 'failed', attempt: { increment: 1 } } });
    expect(plan.kind === 'write' && plan.update.error).toMatch(/without a message/);
  });

  it('a repeat, or a late running after a terminal status, keeps the row', () => {
    expect(planReport(operationRow({ status: 'running' }), { status: 'running' })).toEqual({ kind: 'keep' });
    for (const status of ['completed', 'failed', 'cancelled'] as const) {
      expect(planReport(operationRow({ status }), { status: 'running' })).toEqual({ kind: 'keep' });
    }
  });

  it('any other illegal move is refused with 409 INVALID_TRANSITION naming both ends', () => {
    expect(planReport(operationRow({ status: 'completed' }), { status: 'failed' })).toEqual({
      kind: 'refuse',
      refusal: {
        status: 409,
        code: 'INVALID_TRANSITION',
        message: `operation ${OP_ID} cannot move from completed to failed`,
        details: { from: 'completed', to: 'failed' },
      },
    });
  });

  it('failed → retrying is bounded and publishes again', () => {
    expect(planReport(operationRow({ status: 'failed', attempt: 1 }), { status: 'retrying' })).toEqual({
      kind: 'write',
      update: { status: 'retrying', publishedAt: null, streamId: null, completedAt: null },
    });
    expect(planReport(operationRow({ status: 'failed', attempt: 3 }), { status: 'retrying' })).toMatchObject({
      kind: 'refuse',
      refusal: { code: 'RETRY_LIMIT_REACHED' },
    });
  });
});

describe('countsAttempt: a try is counted exactly once (DOMAIN.md §8)', () => {
  it('counts the start of a try, or its end when the start was never reported', () => {
    expect(countsAttempt('pending', 'running')).toBe(true);
    expect(countsAttempt('retrying', 'running')).toBe(true);
    expect(countsAttempt('pending', 'failed')).toBe(true);
    expect(countsAttempt('retrying', 'completed')).toBe(true);
    expect(countsAttempt('running', 'completed')).toBe(false);
    expect(countsAttempt('running', 'failed')).toBe(false);
    expect(countsAttempt('pending', 'cancelled')).toBe(false);
  });
});

describe('planUserRetry: only the latest failed change with tries left (DOMAIN.md §8)', () => {
  const failed = operationRow({ status: 'failed', attempt: 1 });

  it('a failed operation goes to retrying and is published again', () => {
    expect(planUserRetry(failed, 'provision_host', null)).toEqual({
      kind: 'write',
      update: { status: 'retrying', publishedAt: null, streamId: null, completedAt: null },
    });
  });

  it.each([
    ['another type', failed, 'macct_repair', null, 404, 'NOT_FOUND'],
    ['a pending operation', operationRow(), 'provision_host', null, 409, 'RETRY_NOT_ALLOWED'],
    [
      'no tries left',
      operationRow({ status: 'failed', attempt: 3 }),
      'provision_host',
      null,
      409,
      'RETRY_LIMIT_REACHED',
    ],
    ['a superseded one', failed, 'provision_host', newer, 409, 'RETRY_NOT_ALLOWED'],
  ] as const)('refuses %s', (_name, op, type, next, status, code) => {
    expect(planUserRetry(op, type, next)).toMatchObject({ kind: 'refuse', refusal: { status, code } });
  });

  it('a newer provisioning operation does not block a machine-account repair', () => {
    const repair = operationRow({ type: 'macct_repair', status: 'failed', attempt: 1 });
    expect(planUserRetry(repair, 'macct_repair', newer).kind).toBe('write');
  });
});

describe('planWorkerRetry: bounded retries, then the dead-letter stream (DOMAIN.md §8)', () => {
  it('with tries left: retrying, the try counted if it was never reported running', () => {
    expect(planWorkerRetry(operationRow(), null, 'lock busy', NOW)).toEqual({
      kind: 'write',
      update: {
        status: 'retrying',
        attempt: { increment: 1 },
        error: 'lock busy',
        publishedAt: null,
        streamId: null,
        completedAt: null,
      },
      outcome: { retried: true, attempt: 1 },
    });
    const running = planWorkerRetry(operationRow({ status: 'running', attempt: 1, error: 'old' }), null, undefined);
    expect(running).toMatchObject({ outcome: { retried: true, attempt: 1 }, update: { error: 'old' } });
    expect(running.kind === 'write' && running.update.attempt).toBeUndefined();
  });

  it('past the bound: failed as dead-lettered, keeping the result, and the job goes to the DLQ first', () => {
    const op = operationRow({ status: 'running', attempt: 3, result: { importRun: 2 } });
    expect(planWorkerRetry(op, null, 'API down', NOW)).toEqual({
      kind: 'write',
      update: {
        status: 'failed',
        error: 'gave up after 3 attempts: API down',
        completedAt: NOW,
        result: { importRun: 2, code: 'DEAD_LETTERED', deadLettered: true },
      },
      outcome: { retried: false, deadLettered: true, attempt: 3 },
      deadLetter: { tries: 3, reason: 'gave up after 3 attempts: API down' },
    });
  });

  it('a repeat answers the same outcome and keeps the row', () => {
    expect(planWorkerRetry(operationRow({ status: 'retrying', attempt: 2 }), null, 'x')).toEqual({
      kind: 'keep',
      outcome: { retried: true, attempt: 2 },
    });
    const dead = operationRow({ status: 'failed', attempt: 3, result: { deadLettered: true } });
    expect(planWorkerRetry(dead, null, 'x')).toEqual({
      kind: 'keep',
      outcome: { retried: false, deadLettered: true, attempt: 3 },
    });
  });

  it('a newer change of the host cancels this one instead; a finished operation is refused', () => {
    expect(planWorkerRetry(operationRow({ status: 'running' }), newer, 'x', NOW)).toEqual({
      kind: 'write',
      update: { status: 'cancelled', completedAt: NOW, error: `superseded by operation ${newer.id}; not retried` },
      outcome: { retried: false, superseded: true, supersededBy: newer.id },
    });
    for (const status of ['completed', 'cancelled'] as const) {
      expect(planWorkerRetry(operationRow({ status }), null, 'x')).toMatchObject({
        kind: 'refuse',
        refusal: { status: 409, code: 'RETRY_NOT_ALLOWED' },
      });
    }
  });
});

describe('hostChangeBy: only the host’s current operation moves its provisionStatus (DOMAIN.md §8)', () => {
  const mine = { provisionOpId: OP_ID, provisionStatus: 'pending' as const };

  it('follows the operation, a dry run leaving the host pending, a failure carrying its error', () => {
    expect(hostChangeBy(operationRow({ status: 'completed' }), mine)).toEqual({
      provisionStatus: 'synced',
      provisionError: null,
    });
    const dry = operationRow({ status: 'completed', options: { hostname: 'pc1', dryRun: true } });
    expect(hostChangeBy(dry, mine)).toEqual({ provisionStatus: 'pending', provisionError: null });
    expect(hostChangeBy(operationRow({ status: 'failed', error: 'boom' }), mine)).toEqual({
      provisionStatus: 'failed',
      provisionError: 'boom',
    });
  });

  it('another operation of the host, or a cancelled one, changes nothing', () => {
    expect(hostChangeBy(operationRow({ status: 'completed' }), { ...mine, provisionOpId: HOST_ID })).toBeUndefined();
    expect(hostChangeBy(operationRow({ status: 'cancelled' }), mine)).toBeUndefined();
  });
});
