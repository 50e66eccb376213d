/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are read loosely in tests */
import { useTestApp } from './helpers/app';
import { API, createHost, internalGet, LIVE_ENV, patchHost, report } from './provisioning.fixtures';

describe('internal worker routes (DOMAIN.md §7–8)', () => {
  const t = useTestApp(LIVE_ENV);

  async function queuedOp(hostname: string): Promise<{ host: any; opId: string }> {
    const host = await createHost(t, { hostname });
    return { host, opId: host.provisionOpId };
  }
  const hostStatus = async (id: string) => (await t.prisma.host.findUniqueOrThrow({ where: { id } })).provisionStatus;
  const op = (id: string) => t.prisma.operation.findUniqueOrThrow({ where: { id } });

  describe('X-Internal-Key', () => {
    it('401 UNAUTHORIZED when the key is missing or wrong (any length); a user JWT is not enough', async () => {
      const { opId } = await queuedOp('pc-key');
      const missing = await t.http.get(`${API}/internal/operations/${opId}`).expect(401);
      expect(missing.body.error.code).toBe('UNAUTHORIZED');
      await t.http.get(`${API}/internal/operations/${opId}`).set('X-Internal-Key', 'wrong').expect(401);
      await t.http
        .get(`${API}/internal/operations/${opId}`)
        .set('X-Internal-Key', 'test-internal-key-0123456789-but-longer')
        .expect(401);
      await t.http
        .patch(`${API}/internal/operations/${opId}/status`)
        .set(await t.authHeader('admin'))
        .send({ status: 'running' })
        .expect(401);
      await t.http.post(`${API}/internal/operations/${opId}/retry`).set('X-Internal-Key', 'x').expect(401);
      expect((await op(opId)).status).toBe('pending');
    });

    it('GET /internal/operations/:id returns the OperationView with the options snapshot', async () => {
      const { host, opId } = await queuedOp('pc-view');
      const res = await internalGet(t, opId).expect(200);
      expect(res.body.data).toMatchObject({
        id: opId,
        type: 'provision_host',
        action: 'create',
        targetHost: 'pc-view',
        hostId: host.id,
        school: 'default-school',
        status: 'pending',
        attempt: 0,
        maxAttempts: 3,
        result: null,
        error: null,
        options: { hostname: 'pc-view', macAddress: host.macAddress, dryRun: false },
      });
      expect(new Date(res.body.data.createdAt).toISOString()).toBe(res.body.data.createdAt);
      await internalGet(t, '00000000-0000-4000-8000-000000000000').expect(404);
      const bad = await internalGet(t, 'not-a-uuid').expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');
    });
  });

  describe('PATCH /internal/operations/:id/status', () => {
    it('pending → running → completed: attempt counted once, timestamps set, host synced, result stored', async () => {
      const { host, opId } = await queuedOp('pc-ok');
      const running = await report(t, opId, { status: 'running', attempt: 1 }).expect(200);
      expect(running.body.data).toMatchObject({ status: 'running', attempt: 1, changed: true });
      expect(await hostStatus(host.id)).toBe('running');
      // an idempotent repeat changes nothing (not even the attempt)
      const again = await report(t, opId, { status: 'running' }).expect(200);
      expect(again.body.data).toMatchObject({ status: 'running', attempt: 1, changed: false });

      const done = await report(t, opId, { status: 'completed', result: { importRun: 1 } }).expect(200);
      expect(done.body.data).toMatchObject({ status: 'completed', attempt: 1, result: { importRun: 1 } });
      const row = await op(opId);
      expect(row.startedAt).not.toBeNull();
      expect(row.completedAt).not.toBeNull();
      expect(await hostStatus(host.id)).toBe('synced');
      await report(t, opId, { status: 'completed', result: { importRun: 1 } }).expect(200);
      expect((await op(opId)).attempt).toBe(1);
    });

    it('a late running after a terminal status is acknowledged without change; other illegal moves are 409 INVALID_TRANSITION naming from/to', async () => {
      const { host, opId } = await queuedOp('pc-late');
      await report(t, opId, { status: 'running' }).expect(200);
      await report(t, opId, { status: 'completed' }).expect(200);

      const late = await report(t, opId, { status: 'running' }).expect(200);
      expect(late.body.data).toMatchObject({ status: 'completed', changed: false });
      expect(await hostStatus(host.id)).toBe('synced');

      const rejected = await report(t, opId, { status: 'failed', error: 'late failure' }).expect(409);
      expect(rejected.body.error.code).toBe('INVALID_TRANSITION');
      expect(rejected.body.error.details).toEqual({ from: 'completed', to: 'failed' });
      expect(rejected.body.error.message).toMatch(/completed.*failed/);
      await report(t, opId, { status: 'pending' }).expect(409);
      const row = await op(opId);
      expect(row).toMatchObject({ status: 'completed', error: null, attempt: 1 });
    });

    it('failed: host failed with the error; a cancelled (superseded) operation cannot be completed', async () => {
      const { host, opId } = await queuedOp('pc-err');
      await report(t, opId, { status: 'running' }).expect(200);
      const failed = await report(t, opId, {
        status: 'failed',
        error: 'CSV_CONFLICT: MAC 00:16:3E:00:00:01 already used by host pc07 (devices.csv line 41)',
        result: { code: 'CSV_CONFLICT' },
      }).expect(200);
      expect(failed.body.data.status).toBe('failed');
      const h = await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
      expect(h).toMatchObject({
        provisionStatus: 'failed',
        provisionError: expect.stringMatching(/^CSV_CONFLICT: MAC/),
      });

      const second = await queuedOp('pc-sup');
      await patchHost(t, second.host.id, { ipAddress: '10.3.0.1' });
      expect((await op(second.opId)).status).toBe('cancelled');
      const res = await report(t, second.opId, { status: 'completed' }).expect(409);
      expect(res.body.error.details).toEqual({ from: 'cancelled', to: 'completed' });
    });

    it('only the operation named in host.provisionOpId changes host.provisionStatus', async () => {
      const { host, opId: first } = await queuedOp('pc-owner');
      await report(t, first, { status: 'running' }).expect(200);
      const patched = await patchHost(t, host.id, { ipAddress: '10.3.0.2' });
      const second = patched.provisionOpId;
      expect(second).not.toBe(first);
      expect(await hostStatus(host.id)).toBe('pending');

      // the older, still running op finishes: the host keeps the newer op's status
      await report(t, first, { status: 'completed' }).expect(200);
      expect(await hostStatus(host.id)).toBe('pending');
      await report(t, first, { status: 'failed' }).expect(409);
      expect(await hostStatus(host.id)).toBe('pending');

      await report(t, second, { status: 'running' }).expect(200);
      await report(t, second, { status: 'failed', error: 'VERIFY_FAILED: no A record' }).expect(200);
      const h = await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
      expect(h).toMatchObject({ provisionStatus: 'failed', provisionError: 'VERIFY_FAILED: no A record' });
    });

    it('a failure without a message still gets one; a report after the host was deleted is applied to the operation only', async () => {
      const { host, opId } = await queuedOp('pc-gone');
      await report(t, opId, { status: 'running' }).expect(200);
      await t.http.delete(`${API}/hosts/${host.id}`).set(await t.authHeader('admin'));
      await report(t, opId, { status: 'failed' }).expect(200);
      expect((await op(opId)).error).toMatch(/without a message/);
    });

    it('400 VALIDATION_ERROR for an unknown status or a bad body; 404 for an unknown operation', async () => {
      const { opId } = await queuedOp('pc-bad');
      const bogus = await report(t, opId, { status: 'done' }).expect(400);
      expect(bogus.body.error.code).toBe('VALIDATION_ERROR');
      expect(bogus.body.error.details[0].field).toBe('status');
      await report(t, opId, { status: 'failed', error: 42 }).expect(400);
      await report(t, opId, { status: 'completed', result: 'text' }).expect(400);
      await report(t, opId, { status: 'running', extra: 1 }).expect(400);
      await report(t, '00000000-0000-4000-8000-000000000000', { status: 'running' }).expect(404);
      expect((await op(opId)).status).toBe('pending');
    });
  });
});

describe('dry-run (DC_PROVISIONING_DRYRUN default true)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' }, { reset: false });

  it('a completed dry-run job leaves the host pending (DOMAIN.md §7, §11 scenario 11)', async () => {
    await t.resetDb();
    const host = await createHost(t, { hostname: 'pc-dry' });
    const opId = host.provisionOpId;
    expect((await internalGet(t, opId).expect(200)).body.data.options.dryRun).toBe(true);
    await report(t, opId, { status: 'running' }).expect(200);
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } })).provisionStatus).toBe('pending');
    await report(t, opId, { status: 'completed', result: { dryRun: true, stats: { added: 1 } } }).expect(200);
    const h = await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(h.provisionStatus).toBe('pending');
    expect((await t.prisma.operation.findUniqueOrThrow({ where: { id: opId } })).status).toBe('completed');
  });
});
