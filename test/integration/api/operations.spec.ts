/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are read loosely in tests */
import { useTestApp } from './helpers/app';
import { API, createHost, jobs, LIVE_ENV, report, useTestRedis, waitFor } from './provisioning.fixtures';

describe('operations routes (DOMAIN.md §7)', () => {
  const t = useTestApp(LIVE_ENV);
  const redis = useTestRedis();

  const get = async (path: string) => t.http.get(`${API}${path}`).set(await t.authHeader('viewer'));
  const post = async (path: string, body: object) =>
    t.http
      .post(`${API}${path}`)
      .set(await t.authHeader('operator'))
      .send(body);

  describe('GET /operations/provision', () => {
    it('lists newest first with pagination and filters by status and hostname', async () => {
      const a = await createHost(t, { hostname: 'pc-list-a' });
      const b = await createHost(t, { hostname: 'pc-list-b' });
      await report(t, a.provisionOpId, { status: 'completed' }).expect(200);

      const all = await get('/operations/provision?limit=1');
      expect(all.status).toBe(200);
      expect(all.body.pagination).toEqual({ page: 1, limit: 1, total: 2, pages: 2 });
      expect(all.body.data.map((o: any) => o.id)).toEqual([b.provisionOpId]);

      const completed = await get('/operations/provision?status=completed');
      expect(completed.body.data.map((o: any) => o.targetHost)).toEqual(['pc-list-a']);
      const byName = await get('/operations/provision?hostname=PC-LIST-B');
      expect(byName.body.data).toHaveLength(1);
      expect(byName.body.data[0]).toMatchObject({ id: b.provisionOpId, action: 'create', status: 'pending' });
    });

    it('400 for a bad filter or page size', async () => {
      expect((await get('/operations/provision?status=done')).status).toBe(400);
      expect((await get('/operations/provision?limit=101')).status).toBe(400);
      expect((await get('/operations/provision?hostname=bad_name')).status).toBe(400);
      expect((await get('/operations/provision?page=0')).status).toBe(400);
    });
  });

  describe('GET /operations/provision/:id', () => {
    it('shows one operation; 404 for unknown ids and for other types; 400 for a non-UUID', async () => {
      const h = await createHost(t, { hostname: 'pc-one' });
      const res = await get(`/operations/provision/${h.provisionOpId}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: h.provisionOpId, hostId: h.id, options: { hostname: 'pc-one' } });
      expect((await get('/operations/provision/00000000-0000-4000-8000-000000000000')).body.error.code).toBe(
        'NOT_FOUND',
      );
      expect((await get('/operations/provision/1234')).status).toBe(400);
      const repair = await post('/operations/macct-repair', { hostname: 'pc-one' });
      expect((await get(`/operations/provision/${repair.body.data.id}`)).status).toBe(404);
    });
  });

  describe('POST /operations/provision', () => {
    it('re-provisions a synced host as an update, by id or by (any-case) name', async () => {
      const h = await createHost(t, { hostname: 'pc-again', ipAddress: '10.7.0.1' });
      await report(t, h.provisionOpId, { status: 'completed' }).expect(200);

      const byName = await post('/operations/provision', { hostname: 'PC-AGAIN' });
      expect(byName.status).toBe(201);
      expect(byName.body.data).toMatchObject({
        type: 'provision_host',
        action: 'update',
        status: 'pending',
        hostId: h.id,
        options: { hostname: 'pc-again', ipAddress: '10.7.0.1', dryRun: false },
      });
      const host = await t.prisma.host.findUniqueOrThrow({ where: { id: h.id } });
      expect(host).toMatchObject({ provisionStatus: 'pending', provisionOpId: byName.body.data.id });

      const byId = await post('/operations/provision', { hostId: h.id, action: 'create' });
      expect(byId.status).toBe(201);
      expect(byId.body.data.action).toBe('create');
      // the first request was still queued: superseded by the second
      expect((await t.prisma.operation.findUniqueOrThrow({ where: { id: byName.body.data.id } })).status).toBe(
        'cancelled',
      );
      await waitFor(async () => (await jobs(redis)).some((j) => j.operation_id === byId.body.data.id), 'publish');
    });

    it('400 unless exactly one of hostId/hostname, 400 for a delete, 404 for an unknown host; viewer 403', async () => {
      await createHost(t, { hostname: 'pc-val' });
      const neither = await post('/operations/provision', {});
      expect(neither.status).toBe(400);
      expect(neither.body.error.details[0].field).toBe('hostId');
      expect(
        (await post('/operations/provision', { hostname: 'pc-val', hostId: '00000000-0000-4000-8000-000000000000' }))
          .status,
      ).toBe(400);
      const del = await post('/operations/provision', { hostname: 'pc-val', action: 'delete' });
      expect(del.status).toBe(400);
      expect(del.body.error.message).toMatch(/DELETE \/hosts/);
      expect((await post('/operations/provision', { hostname: 'nobody' })).status).toBe(404);
      expect((await post('/operations/provision', { hostId: '00000000-0000-4000-8000-000000000000' })).status).toBe(
        404,
      );
      expect((await post('/operations/provision', { hostId: 'nope' })).status).toBe(400);
      const viewer = await t.http
        .post(`${API}/operations/provision`)
        .set(await t.authHeader('viewer'))
        .send({ hostname: 'pc-val' });
      expect(viewer.status).toBe(403);
    });
  });

  describe('machine-account repair (DOMAIN.md §10)', () => {
    it('queues a macct_repair with action repair, publishes the host in the payload, and never touches provisionStatus', async () => {
      const h = await createHost(t, { hostname: 'pc-macct' });
      await report(t, h.provisionOpId, { status: 'completed' }).expect(200);

      const res = await post('/operations/macct-repair', { hostId: h.id });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        type: 'macct_repair',
        action: 'repair',
        targetHost: 'pc-macct',
        hostId: h.id,
        school: 'default-school', // the host's school (issue 13)
        status: 'pending',
        options: { hostname: 'pc-macct', dryRun: false },
      });
      const id = res.body.data.id;
      const [job] = await waitFor(async () => {
        const found = (await jobs(redis)).filter((j) => j.operation_id === id);
        return found.length === 1 && found;
      }, 'the repair job');
      expect(job).toEqual({
        type: 'macct_repair',
        operation_id: id,
        action: 'repair',
        school: 'default-school',
        attempt: 1,
        host: 'pc-macct',
      });

      const shown = await get(`/operations/macct/${id}`);
      expect(shown.status).toBe(200);
      expect(shown.body.data.id).toBe(id);
      expect((await get(`/operations/macct/${h.provisionOpId}`)).status).toBe(404);
      expect((await get('/operations/macct')).body.data.map((o: any) => o.id)).toEqual([id]);

      await report(t, id, { status: 'running' }).expect(200);
      await report(t, id, { status: 'failed', error: 'MACCT_REPAIR_FAILED: exit 1' }).expect(200);
      const host = await t.prisma.host.findUniqueOrThrow({ where: { id: h.id } });
      expect(host).toMatchObject({ provisionStatus: 'synced', provisionError: null, provisionOpId: h.provisionOpId });

      // a failed repair can be retried on its own route, not on the provisioning one
      expect((await post(`/operations/provision/${id}/retry`, {})).status).toBe(404);
      const retried = await post(`/operations/macct/${id}/retry`, {});
      expect(retried.status).toBe(200);
      expect(retried.body.data).toMatchObject({ id, status: 'retrying', attempt: 1 });
      await waitFor(async () => (await jobs(redis)).filter((j) => j.operation_id === id).length === 2, 'republish');
      expect((await post(`/operations/macct/${h.provisionOpId}/retry`, {})).status).toBe(404);
    });

    it('accepts a name that is not in the database (the account may exist on the DC); unknown hostId is 404', async () => {
      const res = await post('/operations/macct-repair', { hostname: 'Legacy-PC' });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({ targetHost: 'legacy-pc', hostId: null, school: 'default-school' });
      expect((await post('/operations/macct-repair', { hostId: '00000000-0000-4000-8000-000000000000' })).status).toBe(
        404,
      );
      expect((await post('/operations/macct-repair', { hostname: 'bad;name' })).status).toBe(400);
      expect((await post('/operations/macct-repair', { hostname: 'pc', school: 'no school' })).status).toBe(400);
    });
  });
});
