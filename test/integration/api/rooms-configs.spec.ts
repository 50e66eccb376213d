import { useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

/** Rooms and configs share one shape (DOMAIN.md §7 "same for /configs"): one suite runs for both. */
describe.each([
  ['rooms', 'roomId', 'r100', 'R100', 'r200'],
  ['configs', 'configId', 'win11', 'WIN11', 'win11_pro'],
] as const)('/%s CRUD (DOMAIN.md §6, §7)', (path, hostField, name, otherCase, renamed) => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' });
  let admin: Record<string, string>;
  let op: Record<string, string>;
  let viewer: Record<string, string>;

  beforeEach(async () => {
    admin = await t.authHeader('admin');
    op = await t.authHeader('operator');
    viewer = await t.authHeader('viewer');
  });

  const url = (suffix = '') => `${PREFIX}/${path}${suffix}`;
  const create = async (n: string, headers = op) =>
    (
      await t.http
        .post(url())
        .set(headers)
        .send({ name: n, description: `the ${n}` })
        .expect(201)
    ).body.data;

  it('create, get, list, patch, delete', async () => {
    const created = await create(name);
    expect(created).toMatchObject({ name, description: `the ${name}`, hostCount: 0 });
    const got = await t.http
      .get(url(`/${created.id}`))
      .set(viewer)
      .expect(200);
    expect(got.body.data).toEqual(created);
    await create('zz-last');
    const list = await t.http.get(url('?limit=1')).set(viewer).expect(200);
    expect(list.body).toEqual({ data: [created], pagination: { page: 1, limit: 1, total: 2, pages: 2 } });
    const search = await t.http.get(url('?search=ZZ')).set(viewer).expect(200);
    expect(search.body.data.map((r: { name: string }) => r.name)).toEqual(['zz-last']);
    const wildcard = await t.http.get(url('?search=z_')).set(viewer).expect(200);
    expect(wildcard.body.pagination.total).toBe(0);
    await t.http.get(url('?limit=101')).set(viewer).expect(400);
    const patched = await t.http
      .patch(url(`/${created.id}`))
      .set(op)
      .send({ description: null })
      .expect(200);
    expect(patched.body.data).toMatchObject({ name, description: null });
    const deleted = await t.http
      .delete(url(`/${created.id}`))
      .set(admin)
      .expect(200);
    expect(deleted.body.data).toEqual({ id: created.id, name });
    await t.http
      .get(url(`/${created.id}`))
      .set(viewer)
      .expect(404);
  });

  it('roles: viewer reads only, operator writes, only admin deletes; 401 without a token', async () => {
    await t.http.get(url()).expect(401);
    await t.http.post(url()).set(viewer).send({ name }).expect(403);
    const created = await create(name);
    await t.http
      .patch(url(`/${created.id}`))
      .set(viewer)
      .send({ description: 'x' })
      .expect(403);
    const forbidden = await t.http
      .delete(url(`/${created.id}`))
      .set(op)
      .expect(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    await t.http
      .delete(url(`/${created.id}`))
      .set(admin)
      .expect(200);
  });

  it('404 for an unknown id, 400 for a non-UUID id', async () => {
    await t.http.get(url('/3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d')).set(viewer).expect(404);
    await t.http.patch(url('/3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d')).set(op).send({ name }).expect(404);
    await t.http.delete(url('/3f1c2a52-9a53-4d0b-8f5e-6a8f7d1b2c3d')).set(admin).expect(404);
    const bad = await t.http.get(url('/42')).set(viewer).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('409 DUPLICATE_ENTRY on a name clash, also in another case and on rename', async () => {
    const first = await create(name);
    const dup = await t.http.post(url()).set(op).send({ name }).expect(409);
    expect(dup.body.error).toMatchObject({ code: 'DUPLICATE_ENTRY', details: [{ field: 'name' }] });
    await t.http.post(url()).set(op).send({ name: otherCase }).expect(409);
    const second = await create(renamed);
    await t.http
      .patch(url(`/${second.id}`))
      .set(op)
      .send({ name })
      .expect(409);
    // renaming to itself is not a clash
    await t.http
      .patch(url(`/${first.id}`))
      .set(op)
      .send({ name })
      .expect(200);
  });

  it('delete with hosts → 409 IN_USE, nothing deleted', async () => {
    const group = await create(name);
    await t.http
      .post(`${PREFIX}/hosts`)
      .set(op)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', [hostField]: group.id })
      .expect(201);
    const res = await t.http
      .delete(url(`/${group.id}`))
      .set(admin)
      .expect(409);
    expect(res.body.error.code).toBe('IN_USE');
    expect(res.body.error.message).toContain(name);
    expect(
      (
        await t.http
          .get(url(`/${group.id}`))
          .set(viewer)
          .expect(200)
      ).body.data.hostCount,
    ).toBe(1);
  });

  it('a rename queues an update job for every host using it; a description change queues none', async () => {
    const group = await create(name);
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const res = await t.http
        .post(`${PREFIX}/hosts`)
        .set(op)
        .send({ hostname: `pc0${i}`, macAddress: `00:11:22:33:44:0${i}`, [hostField]: group.id })
        .expect(201);
      ids.push(res.body.data.id);
    }
    await t.http.post(`${PREFIX}/hosts`).set(op).send({ hostname: 'other', macAddress: '00:11:22:33:44:99' });
    // the creates reached the DC (completed, not a dry run)
    await t.prisma.$executeRawUnsafe(
      `UPDATE operations SET status = 'completed', options = options || '{"dryRun": false}'::jsonb`,
    );
    const before = await t.prisma.operation.count();
    await t.http
      .patch(url(`/${group.id}`))
      .set(op)
      .send({ description: 'new text' })
      .expect(200);
    expect(await t.prisma.operation.count()).toBe(before);

    await t.http
      .patch(url(`/${group.id}`))
      .set(op)
      .send({ name: renamed })
      .expect(200);
    const jobs = await t.prisma.operation.findMany({ where: { status: 'pending' }, orderBy: { targetHost: 'asc' } });
    expect(jobs.map((j) => [j.targetHost, j.action])).toEqual([
      ['pc01', 'update'],
      ['pc02', 'update'],
    ]);
    const column = path === 'rooms' ? 'room' : 'config';
    for (const j of jobs) expect((j.options as Record<string, unknown>)[column]).toBe(renamed);
    const host = await t.http.get(`${PREFIX}/hosts/${ids[0]}`).set(viewer).expect(200);
    expect(host.body.data).toMatchObject({ [column]: renamed, provisionStatus: 'pending', provisionOpId: jobs[0].id });
  });
});
