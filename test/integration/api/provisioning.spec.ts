/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are read loosely in tests */
import { OutboxRelay } from '../../../apps/api/src/provisioning/outbox.relay';
import { useTestApp } from './helpers/app';
import {
  API,
  createHost,
  internalGet,
  jobs,
  LIVE_ENV,
  patchHost,
  report,
  streamEntries,
  useTestRedis,
  waitFor,
} from './provisioning.fixtures';

describe('provisioning jobs: transactional outbox and superseding (DOMAIN.md §8)', () => {
  const t = useTestApp(LIVE_ENV);
  const redis = useTestRedis();

  const opsOf = (hostId: string) => t.prisma.operation.findMany({ where: { hostId }, orderBy: { seq: 'asc' } });

  /** What a worker would do with the stream: fetch each operation, skip what is no longer queued. */
  async function actionable(): Promise<any[]> {
    const out: any[] = [];
    for (const entry of await streamEntries(redis)) {
      const res = await internalGet(t, entry.fields.operation_id).expect(200);
      if (res.body.data.status !== 'cancelled') out.push(res.body.data);
    }
    return out;
  }

  it('a create writes one pending operation with the frozen snapshot, marks the host pending and is published once with the slim payload', async () => {
    const host = await createHost(t, { hostname: 'R101-PC01', ipAddress: '10.1.0.11' });
    expect(host.provisionStatus).toBe('pending');

    const [op, ...rest] = await opsOf(host.id);
    expect(rest).toHaveLength(0);
    expect(op).toMatchObject({
      type: 'provision_host',
      action: 'create',
      targetHost: 'r101-pc01',
      school: 'default-school',
      status: 'pending',
      attempt: 0,
      maxAttempts: 3,
    });
    expect(op.options).toEqual({
      hostId: host.id,
      hostname: 'r101-pc01',
      macAddress: host.macAddress,
      ipAddress: '10.1.0.11',
      room: null,
      config: null,
      role: 'classroom-studentcomputer',
      pxeFlag: 0,
      dryRun: false,
    });
    expect(host.provisionOpId).toBe(op.id);

    const [entry] = await waitFor(async () => {
      const e = await streamEntries(redis);
      return e.length === 1 && e;
    }, 'the job on linbo:jobs');
    // DOMAIN.md §8: slim routing data only — the snapshot is fetched from the API
    expect(entry.fields).toEqual({
      type: 'provision_host',
      operation_id: op.id,
      action: 'create',
      school: 'default-school',
      attempt: '1',
    });
    const published = await waitFor(
      () => t.prisma.operation.findFirst({ where: { id: op.id, publishedAt: { not: null } } }),
      'publishedAt',
    );
    expect(published.streamId).toBe(entry.id);
    expect(await t.app.get(OutboxRelay).publishPending()).toBe(0);
    expect(await streamEntries(redis)).toHaveLength(1);
  });

  it('a PATCH that changes nothing on the DC queues nothing', async () => {
    const host = await createHost(t, { hostname: 'pc-same', ipAddress: '10.1.0.12' });
    await patchHost(t, host.id, { ipAddress: '10.1.0.12', role: 'classroom-studentcomputer' });
    expect(await opsOf(host.id)).toHaveLength(1);
  });

  it('two PATCHes while the create is queued: older operations are cancelled and the stream gives the worker only the latest data, still as a create', async () => {
    const host = await createHost(t, { hostname: 'pc-two', ipAddress: '10.1.0.21' });
    await patchHost(t, host.id, { ipAddress: '10.1.0.22' });
    const after = await patchHost(t, host.id, { ipAddress: '10.1.0.23', hostname: 'pc-two-b' });

    const ops = await opsOf(host.id);
    expect(ops.map((o) => o.status)).toEqual(['cancelled', 'cancelled', 'pending']);
    expect(ops[0].error).toBe(`superseded by operation ${ops[1].id}`);
    expect(ops[1].error).toBe(`superseded by operation ${ops[2].id}`);
    // the DC never saw the host: the newest op must create it, and there is nothing to rename
    expect(ops.map((o) => o.action)).toEqual(['create', 'create', 'create']);
    expect(ops[2].options).toMatchObject({ hostname: 'pc-two-b', ipAddress: '10.1.0.23' });
    expect((ops[2].options as any).oldHostname).toBeUndefined();
    expect(after.provisionOpId).toBe(ops[2].id);

    await waitFor(
      async () => (await t.prisma.operation.count({ where: { publishedAt: null, status: 'pending' } })) === 0,
      'relay',
    );
    const work = await actionable();
    expect(work).toHaveLength(1);
    expect(work[0]).toMatchObject({ id: ops[2].id, action: 'create', options: { ipAddress: '10.1.0.23' } });
  });

  it('after the DC has the host, a chain of renames carries the name the DC knows, and a delete freezes the snapshot', async () => {
    const host = await createHost(t, { hostname: 'pc-a', ipAddress: '10.1.0.31' });
    const [create] = await opsOf(host.id);
    await report(t, create.id, { status: 'running' }).expect(200);
    await report(t, create.id, { status: 'completed', result: { imported: true } }).expect(200);
    expect(
      (await t.http.get(`${API}/hosts/${host.id}`).set(await t.authHeader('viewer'))).body.data.provisionStatus,
    ).toBe('synced');

    await patchHost(t, host.id, { hostname: 'pc-b' });
    await patchHost(t, host.id, { hostname: 'pc-c', ipAddress: '10.1.0.32' });
    let ops = await opsOf(host.id);
    expect(ops.map((o) => [o.action, o.status])).toEqual([
      ['create', 'completed'],
      ['update', 'cancelled'],
      ['update', 'pending'],
    ]);
    expect(ops[1].options).toMatchObject({ hostname: 'pc-b', oldHostname: 'pc-a' });
    // the first rename never ran: the DC still knows pc-a
    expect(ops[2].options).toMatchObject({ hostname: 'pc-c', oldHostname: 'pc-a', ipAddress: '10.1.0.32' });

    await t.http
      .delete(`${API}/hosts/${host.id}`)
      .set(await t.authHeader('operator'))
      .expect((r) => {
        expect([200, 204]).toContain(r.status);
      });
    ops = await opsOf(host.id);
    expect(ops.map((o) => [o.action, o.status])).toEqual([
      ['create', 'completed'],
      ['update', 'cancelled'],
      ['update', 'cancelled'],
      ['delete', 'pending'],
    ]);
    expect(ops[3]).toMatchObject({ targetHost: 'pc-c', hostId: host.id });
    expect(ops[3].options).toEqual({
      hostId: host.id,
      hostname: 'pc-c',
      oldHostname: 'pc-a',
      macAddress: host.macAddress,
      ipAddress: '10.1.0.32',
      room: null,
      config: null,
      role: 'classroom-studentcomputer',
      pxeFlag: 0,
      dryRun: false,
    });
    expect(await t.prisma.host.count({ where: { id: host.id } })).toBe(0);

    await waitFor(async () => (await jobs(redis)).some((j) => j.action === 'delete'), 'the delete job');
    const work = await actionable();
    expect(work.map((o) => o.action)).toEqual(['create', 'delete']);
  });

  it('a delete and the re-create of the same name: the queued delete is not superseded, both reach the worker in order', async () => {
    const first = await createHost(t, { hostname: 'pc-again', ipAddress: '10.1.0.41' });
    await report(t, first.provisionOpId, { status: 'running' }).expect(200);
    await report(t, first.provisionOpId, { status: 'completed', result: { imported: true } }).expect(200);
    await t.http
      .delete(`${API}/hosts/${first.id}`)
      .set(await t.authHeader('operator'))
      .expect((r) => {
        expect([200, 204]).toContain(r.status);
      });
    // the new row is inserted with its job in one transaction (no look-ups for a fresh host)
    const second = await createHost(t, { hostname: 'pc-again', ipAddress: '10.1.0.42' });
    expect(second.id).not.toBe(first.id);
    const [del] = await opsOf(first.id).then((ops) => ops.filter((o) => o.action === 'delete'));
    expect(del).toMatchObject({ status: 'pending', targetHost: 'pc-again' });
    const [create, ...more] = await opsOf(second.id);
    expect(more).toHaveLength(0);
    expect(create).toMatchObject({ id: second.provisionOpId, action: 'create', status: 'pending' });
    expect(create.options).toMatchObject({ hostId: second.id, hostname: 'pc-again', ipAddress: '10.1.0.42' });
    expect(create.options).not.toHaveProperty('oldHostname');
    expect(await t.prisma.host.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({
      provisionStatus: 'pending',
      provisionOpId: create.id,
    });

    await waitFor(async () => (await jobs(redis)).some((j) => j.operation_id === create.id), 'the re-create job');
    const work = await actionable();
    expect(work.map((o) => [o.id, o.action])).toEqual([
      [first.provisionOpId, 'create'],
      [del.id, 'delete'],
      [create.id, 'create'],
    ]);
  });

  it('a running operation is not cancelled; the change after it is an update (the stream is ordered)', async () => {
    const host = await createHost(t, { hostname: 'pc-run' });
    const [create] = await opsOf(host.id);
    await report(t, create.id, { status: 'running' }).expect(200);
    await patchHost(t, host.id, { ipAddress: '10.1.0.41' });
    const ops = await opsOf(host.id);
    expect(ops.map((o) => [o.action, o.status])).toEqual([
      ['create', 'running'],
      ['update', 'pending'],
    ]);
  });

  it('a failed create followed by a change is still a create', async () => {
    const host = await createHost(t, { hostname: 'pc-fail' });
    const [create] = await opsOf(host.id);
    await report(t, create.id, { status: 'failed', error: 'IMPORT_FAILED: boom' }).expect(200);
    await patchHost(t, host.id, { ipAddress: '10.1.0.51' });
    const ops = await opsOf(host.id);
    expect(ops.map((o) => [o.action, o.status])).toEqual([
      ['create', 'failed'],
      ['create', 'pending'],
    ]);
  });

  it('concurrent PATCHes of one host leave exactly one queued operation with the last committed data', async () => {
    const host = await createHost(t, { hostname: 'pc-race' });
    const operator = await t.authHeader('operator');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.http
          .patch(`${API}/hosts/${host.id}`)
          .set(operator)
          .send({ ipAddress: `10.1.1.${i + 1}` }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const ops = await opsOf(host.id);
    const queued = ops.filter((o) => o.status === 'pending');
    expect(queued).toHaveLength(1);
    expect(ops).toHaveLength(9);
    const final = await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } });
    expect(final.provisionOpId).toBe(queued[0].id);
    expect((queued[0].options as any).ipAddress).toBe(final.ipAddress);
  });
});

describe('provisioning off (DC_PROVISIONING_ENABLED not true)', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'false' }, { reset: false });

  it('writes no operations, leaves provisionStatus null and refuses job requests with 409 PROVISIONING_DISABLED', async () => {
    await t.resetDb();
    const host = await createHost(t, { hostname: 'pc-off' });
    expect(host.provisionStatus).toBeNull();
    await patchHost(t, host.id, { ipAddress: '10.2.0.1' });
    expect(await t.prisma.operation.count()).toBe(0);

    const operator = await t.authHeader('operator');
    const res = await t.http.post(`${API}/operations/provision`).set(operator).send({ hostId: host.id }).expect(409);
    expect(res.body.error.code).toBe('PROVISIONING_DISABLED');
    const repair = await t.http
      .post(`${API}/operations/macct-repair`)
      .set(operator)
      .send({ hostname: 'pc-off' })
      .expect(409);
    expect(repair.body.error.code).toBe('PROVISIONING_DISABLED');
    expect(await t.prisma.operation.count()).toBe(0);
  });
});
