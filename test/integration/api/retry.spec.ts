import { OutboxRelay } from '../../../apps/api/src/provisioning/outbox.relay';
import { useTestApp } from './helpers/app';
import {
  API,
  createHost,
  deadLetters,
  jobs,
  LIVE_ENV,
  patchHost,
  report,
  useTestRedis,
  waitFor,
  workerRetry,
} from './provisioning.fixtures';

describe('retries and the dead-letter stream (DOMAIN.md §8)', () => {
  const t = useTestApp(LIVE_ENV);
  const redis = useTestRedis();

  const op = (id: string) => t.prisma.operation.findUniqueOrThrow({ where: { id } });
  const host = (id: string) => t.prisma.host.findUniqueOrThrow({ where: { id } });
  /** POST /operations/provision/:id/retry as operator, expecting `status`. */
  const userRetry = async (id: string, status: number) =>
    t.http
      .post(`${API}/operations/provision/${id}/retry`)
      .set(await t.authHeader('operator'))
      .expect(status);
  const attemptsPublished = async (id: string) =>
    (await jobs(redis)).filter((j) => j.operation_id === id).map((j) => j.attempt);

  it('retry → retrying → … → past the bound: DLQ entry, a clear error, and no further retry', async () => {
    const h = await createHost(t, { hostname: 'pc-retry' });
    const id = h.provisionOpId;
    await waitFor(async () => (await attemptsPublished(id)).length === 1, 'first publish');

    // try 1 fails for good (e.g. import error): the user retries after fixing the cause
    await report(t, id, { status: 'running' }).expect(200);
    await report(t, id, { status: 'failed', error: 'IMPORT_FAILED: ERROR: bad line' }).expect(200);
    const retried = await userRetry(id, 200);
    expect(retried.body.data).toMatchObject({ id, status: 'retrying', attempt: 1 });
    expect(await host(h.id)).toMatchObject({ provisionStatus: 'pending', provisionError: null });
    await waitFor(async () => (await attemptsPublished(id)).length === 2, 'republish through the outbox');

    // try 2 hits a transient failure: the worker asks for a retry
    await report(t, id, { status: 'running' }).expect(200);
    const second = await workerRetry(t, id, { error: 'LOCK_TIMEOUT: lock busy' }).expect(200);
    expect(second.body.data).toEqual({ retried: true, attempt: 2 });
    expect(await op(id)).toMatchObject({ status: 'retrying', attempt: 2, error: 'LOCK_TIMEOUT: lock busy' });
    await waitFor(async () => (await attemptsPublished(id)).length === 3, 'second republish');

    // try 3 fails the same way: past the bound
    await report(t, id, { status: 'running' }).expect(200);
    const last = await workerRetry(t, id, { error: 'LOCK_TIMEOUT: lock busy' }).expect(200);
    expect(last.body.data).toEqual({ retried: false, deadLettered: true, attempt: 3 });
    expect(await attemptsPublished(id)).toEqual([1, 2, 3]);

    const row = await op(id);
    expect(row).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: 'gave up after 3 attempts: LOCK_TIMEOUT: lock busy',
      result: { code: 'DEAD_LETTERED', deadLettered: true },
    });
    expect(row.completedAt).not.toBeNull();
    expect(await host(h.id)).toMatchObject({
      provisionStatus: 'failed',
      provisionError: 'gave up after 3 attempts: LOCK_TIMEOUT: lock busy',
    });
    const dlq = await deadLetters(redis);
    expect(dlq).toHaveLength(1);
    expect(dlq[0].fields).toMatchObject({
      type: 'provision_host',
      operation_id: id,
      action: 'create',
      attempt: '3',
      reason: 'gave up after 3 attempts: LOCK_TIMEOUT: lock busy',
      source: 'api',
    });

    // the worker repeating the call (lost response) changes nothing and dead-letters nothing twice
    const repeat = await workerRetry(t, id, { error: 'LOCK_TIMEOUT: lock busy' }).expect(200);
    expect(repeat.body.data).toEqual({ retried: false, deadLettered: true, attempt: 3 });
    expect(await deadLetters(redis)).toHaveLength(1);

    const refused = await userRetry(id, 409);
    expect(refused.body.error.code).toBe('RETRY_LIMIT_REACHED');
    expect(refused.body.error.message).toMatch(/3 of 3 attempts.*POST \/operations\/provision/);
  });

  it('only failed operations can be retried by a user (409 RETRY_NOT_ALLOWED)', async () => {
    const h = await createHost(t, { hostname: 'pc-notfail' });
    const pending = await userRetry(h.provisionOpId, 409);
    expect(pending.body.error.code).toBe('RETRY_NOT_ALLOWED');
    await report(t, h.provisionOpId, { status: 'completed' }).expect(200);
    const done = await userRetry(h.provisionOpId, 409);
    expect(done.body.error.code).toBe('RETRY_NOT_ALLOWED');
    expect((await workerRetry(t, h.provisionOpId).expect(409)).body.error.code).toBe('RETRY_NOT_ALLOWED');
    await userRetry('00000000-0000-4000-8000-000000000000', 404);
  });

  it('a repeated worker retry while the operation is retrying publishes it once', async () => {
    const h = await createHost(t, { hostname: 'pc-twice' });
    const id = h.provisionOpId;
    // the worker reports `running` only after it read the job: let the relay publish it first
    await waitFor(async () => (await attemptsPublished(id)).length === 1, 'first publish');
    await report(t, id, { status: 'running' }).expect(200);
    await workerRetry(t, id, { error: 'API down' }).expect(200);
    const again = await workerRetry(t, id, { error: 'API down' }).expect(200);
    expect(again.body.data).toEqual({ retried: true, attempt: 1 });
    await waitFor(async () => (await op(id)).publishedAt !== null, 'republish');
    // a full relay pass after the republish: nothing else is left to publish
    expect(await t.app.get(OutboxRelay).publishPending()).toBe(0);
    expect(await attemptsPublished(id)).toEqual([1, 2]);
  });

  it('a failed → retrying status report is a bounded retry that is published again', async () => {
    const h = await createHost(t, { hostname: 'pc-patch' });
    const id = h.provisionOpId;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await report(t, id, { status: 'running' }).expect(200);
      await report(t, id, { status: 'failed', error: `try ${attempt}` }).expect(200);
      if (attempt < 3) {
        const res = await report(t, id, { status: 'retrying' }).expect(200);
        expect(res.body.data).toMatchObject({ status: 'retrying', attempt, publishedAt: null });
        await waitFor(async () => (await attemptsPublished(id)).length === attempt + 1, 'republish');
      }
    }
    const refused = await report(t, id, { status: 'retrying' }).expect(409);
    expect(refused.body.error.code).toBe('RETRY_LIMIT_REACHED');
    expect(await op(id)).toMatchObject({ status: 'failed', attempt: 3, error: 'try 3' });
  });

  it('a try that ended without a running report is still counted once', async () => {
    const h = await createHost(t, { hostname: 'pc-count' });
    const res = await workerRetry(t, h.provisionOpId, { error: 'worker crashed' }).expect(200);
    expect(res.body.data).toEqual({ retried: true, attempt: 1 });
  });

  it('a superseded operation is never retried: 409 for the user, cancelled for the worker', async () => {
    const h = await createHost(t, { hostname: 'pc-stale' });
    const first = h.provisionOpId;
    await report(t, first, { status: 'running' }).expect(200);
    await report(t, first, { status: 'failed', error: 'VERIFY_FAILED' }).expect(200);
    const patched = await patchHost(t, h.id, { ipAddress: '10.4.0.1' });
    const refused = await userRetry(first, 409);
    expect(refused.body.error.code).toBe('RETRY_NOT_ALLOWED');
    expect(refused.body.error.message).toContain(patched.provisionOpId);

    // the newer op is running when the worker's transient failure comes in, then another change lands
    const second = patched.provisionOpId;
    await report(t, second, { status: 'running' }).expect(200);
    const third = (await patchHost(t, h.id, { ipAddress: '10.4.0.2' })).provisionOpId;
    const res = await workerRetry(t, second, { error: 'LOCK_TIMEOUT' }).expect(200);
    expect(res.body.data).toEqual({ retried: false, superseded: true, supersededBy: third });
    expect(await op(second)).toMatchObject({ status: 'cancelled' });
    expect(await host(h.id)).toMatchObject({ provisionStatus: 'pending', provisionOpId: third });
  });

  it('a delete that failed is not retried once the name was re-created', async () => {
    const h = await createHost(t, { hostname: 'pc-again' });
    await report(t, h.provisionOpId, { status: 'completed' }).expect(200);
    await t.http.delete(`${API}/hosts/${h.id}`).set(await t.authHeader('operator'));
    const del = await t.prisma.operation.findFirstOrThrow({ where: { action: 'delete', targetHost: 'pc-again' } });
    await report(t, del.id, { status: 'failed', error: 'NOT_OWNED' }).expect(200);
    await createHost(t, { hostname: 'pc-again' });
    const refused = await userRetry(del.id, 409);
    expect(refused.body.error.code).toBe('RETRY_NOT_ALLOWED');
  });
});
