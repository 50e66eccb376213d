import type Redis from 'ioredis';
import { Client } from 'pg';

import { RETRY_AFTER_SECONDS } from '../../../apps/api/src/common/all-exceptions.filter';
import { startTestApp, TEST_DATABASE_URL, TEST_INTERNAL_KEY, TestApp } from './helpers/app';
import {
  API,
  createHost,
  FlakyPostgresProxy,
  FlakyRedisProxy,
  LIVE_ENV,
  patchHost,
  streamEntries,
  testRedis,
  waitFor,
} from './provisioning.fixtures';

const SOME_ID = '6f1c1a52-9a47-4d4e-9a43-3f0b1b2c3d4e';

interface Probe {
  method: 'get' | 'post' | 'patch' | 'delete';
  path: string;
  body?: unknown;
  /** the worker's routes authenticate with the internal key, not a JWT */
  internal?: boolean;
  /** no credentials at all */
  anonymous?: boolean;
}

/** One request of every kind a client sends, each valid enough to reach the database. */
const PROBES: Probe[] = [
  { method: 'post', path: '/auth/login', body: { username: 'test-admin', password: 'whatever-1' }, anonymous: true },
  { method: 'get', path: '/auth/me' },
  { method: 'get', path: '/hosts' },
  { method: 'get', path: `/hosts/${SOME_ID}` },
  { method: 'get', path: '/hosts/by-name/pc01' },
  { method: 'post', path: '/hosts', body: { hostname: 'pc-down', macAddress: '00:16:3E:AA:00:01' } },
  { method: 'patch', path: `/hosts/${SOME_ID}`, body: { ipAddress: '10.0.0.9' } },
  { method: 'delete', path: `/hosts/${SOME_ID}` },
  { method: 'get', path: '/rooms' },
  { method: 'post', path: '/rooms', body: { name: 'r-down' } },
  { method: 'patch', path: `/rooms/${SOME_ID}`, body: { name: 'r-down-2' } },
  { method: 'get', path: '/configs' },
  { method: 'post', path: '/configs', body: { name: 'win-down' } },
  { method: 'delete', path: `/configs/${SOME_ID}` },
  { method: 'get', path: '/operations/provision' },
  { method: 'get', path: `/operations/provision/${SOME_ID}` },
  { method: 'post', path: '/operations/provision', body: { hostname: 'pc01' } },
  { method: 'post', path: `/operations/provision/${SOME_ID}/retry` },
  { method: 'post', path: '/operations/macct-repair', body: { hostname: 'pc01' } },
  { method: 'get', path: '/operations/macct' },
  { method: 'get', path: '/users' },
  { method: 'post', path: '/import/devices', body: { csv: 'r1;pc-imp;win11;00:16:3E:AA:00:02;10.0.0.2;;;;;;1' } },
  { method: 'get', path: '/export/devices' },
  { method: 'get', path: `/internal/operations/${SOME_ID}`, internal: true },
  { method: 'patch', path: `/internal/operations/${SOME_ID}/status`, body: { status: 'running' }, internal: true },
  { method: 'post', path: `/internal/operations/${SOME_ID}/retry`, body: { error: 'lock busy' }, internal: true },
  { method: 'post', path: '/internal/operations/query', body: { ids: [SOME_ID] }, internal: true },
  {
    method: 'patch',
    path: '/internal/operations/status',
    body: { reports: [{ id: SOME_ID, status: 'running' }] },
    internal: true,
  },
];

async function send(t: TestApp, probe: Probe, auth: Record<string, string>) {
  const req = t.http[probe.method](`${API}${probe.path}`);
  if (probe.internal) req.set('X-Internal-Key', TEST_INTERNAL_KEY);
  else if (!probe.anonymous) req.set(auth);
  return probe.body === undefined ? req : req.send(probe.body as object);
}

async function countRows(): Promise<Record<string, number>> {
  const direct = new Client({ connectionString: TEST_DATABASE_URL });
  await direct.connect();
  try {
    const { rows } = await direct.query(
      `SELECT (SELECT count(*) FROM hosts)::int AS hosts, (SELECT count(*) FROM rooms)::int AS rooms,
              (SELECT count(*) FROM configs)::int AS configs, (SELECT count(*) FROM operations)::int AS operations`,
    );
    return rows[0];
  } finally {
    await direct.end();
  }
}

describe('PostgreSQL down: every route answers 503 SERVICE_UNAVAILABLE with Retry-After (one exception filter)', () => {
  const proxy = new FlakyPostgresProxy();
  let t: TestApp;
  beforeAll(async () => {
    await proxy.start();
    t = await startTestApp({ ...LIVE_ENV, DATABASE_URL: proxy.url });
  });
  afterAll(async () => {
    await proxy.start(); // close() needs the database back (a no-op when it is)
    await t?.close();
    await proxy.stop();
  });

  it('answers every probe 503 while the database is away, changes nothing, and serves again once it is back', async () => {
    await t.resetDb();
    const auth = await t.authHeader('admin');
    const before = await countRows();

    await proxy.stop();
    for (const probe of PROBES) {
      const res = await send(t, probe, auth);
      const label = `${probe.method.toUpperCase()} ${probe.path}`;
      expect([label, res.status, res.body.error?.code]).toEqual([label, 503, 'SERVICE_UNAVAILABLE']);
      expect(res.body.error.message).toMatch(/database is unavailable; resend/);
      expect(res.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    }
    // liveness does not need the database; readiness names it
    await t.http.get(`${API}/health`).expect(200);
    const ready = await t.http.get(`${API}/health/ready`).expect(503);
    expect(ready.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(await countRows()).toEqual(before);

    await proxy.start(); // same port: the pool reconnects on demand
    await t.http.get(`${API}/hosts`).set(auth).expect(200);
    await createHost(t, { hostname: 'pc-after' });
  });

  it('bulk internal routes: 503 for the whole request; resent after the outage, the reports are stored', async () => {
    await t.resetDb();
    const [a, b] = [await createHost(t, { hostname: 'pc-down0' }), await createHost(t, { hostname: 'pc-down1' })];
    const reports = [
      { id: a.provisionOpId, status: 'running' },
      { id: b.provisionOpId, status: 'running' },
    ];
    const reportMany = () =>
      t.http.patch(`${API}/internal/operations/status`).set('X-Internal-Key', TEST_INTERNAL_KEY).send({ reports });

    await proxy.stop();
    const down = await reportMany().expect(503);
    expect(down.body.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/resend/) });
    const q = await t.http
      .post(`${API}/internal/operations/query`)
      .set('X-Internal-Key', TEST_INTERNAL_KEY)
      .send({ ids: [a.provisionOpId] })
      .expect(503);
    expect(q.body.error.code).toBe('SERVICE_UNAVAILABLE');
    // read past the proxy: nothing was stored
    const direct = new Client({ connectionString: TEST_DATABASE_URL });
    await direct.connect();
    try {
      const rows = await direct.query('SELECT status FROM operations WHERE id = ANY($1::uuid[])', [
        [a.provisionOpId, b.provisionOpId],
      ]);
      expect(rows.rows.map((r) => r.status)).toEqual(['pending', 'pending']);
    } finally {
      await direct.end();
    }

    await proxy.start(); // same port: the pool reconnects on demand
    const up = await reportMany().expect(200);
    expect(
      up.body.data.map((o: { outcome: string; operation: { status: string } }) => [o.outcome, o.operation.status]),
    ).toEqual([
      ['stored', 'running'],
      ['stored', 'running'],
    ]);
  });
});

describe('Redis down: host changes are accepted (outbox) and published in order once it is back (DOMAIN.md §8)', () => {
  const proxy = new FlakyRedisProxy();
  let t: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    redis = testRedis();
    await proxy.start();
    t = await startTestApp({ ...LIVE_ENV, REDIS_URL: proxy.url });
  });
  afterAll(async () => {
    await t?.close();
    await proxy.stop();
    redis?.disconnect();
  });

  it('create, update, delete and an import while Redis is away: all answered 2xx, every job published exactly once after', async () => {
    await t.resetDb();
    await proxy.stop();
    const a = await createHost(t, { hostname: 'pc-r1', ipAddress: '10.6.0.1' });
    const b = await createHost(t, { hostname: 'pc-r2', ipAddress: '10.6.0.2' });
    await patchHost(t, a.id, { ipAddress: '10.6.0.11' });
    await t.http
      .delete(`${API}/hosts/${b.id}`)
      .set(await t.authHeader('operator'))
      .expect(200);
    const imported = await t.http
      .post(`${API}/import/devices`)
      .set(await t.authHeader('operator'))
      .send({ csv: 'r1;pc-r3;win11;00:16:3E:BB:00:03;10.6.0.3;;;;;;1' })
      .expect(200);
    expect(imported.body.data).toMatchObject({ created: 1, failed: 0, errors: [] });
    const ops = await t.prisma.operation.findMany({ orderBy: { seq: 'asc' } });
    const queued = ops.filter((op) => op.status === 'pending');
    // the update superseded a's create; b's create was superseded by its delete
    expect(queued.map((op) => [op.targetHost, op.action])).toEqual([
      ['pc-r1', 'create'],
      ['pc-r2', 'delete'],
      ['pc-r3', 'create'],
    ]);
    expect(ops.every((op) => op.publishedAt === null)).toBe(true);
    expect(await streamEntries(redis)).toHaveLength(0);

    await proxy.start();
    await waitFor(
      async () => (await t.prisma.operation.count({ where: { status: 'pending', publishedAt: null } })) === 0,
      'the relay to publish the queued jobs after the outage',
      15_000,
    );
    const entries = await streamEntries(redis);
    expect(entries.map((e) => e.fields.operation_id)).toEqual(queued.map((op) => op.id));
  });
});
