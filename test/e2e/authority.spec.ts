/**
 * A school authority end to end (DOMAIN.md §6, docs/OPERATIONS.md "School authority"): two API
 * replicas on one database and one Redis, two DCs each with its own fake DC and its own worker
 * (its own key, its own stream), three schools — `default-school` and `nord` on DC `default`,
 * `sued` on DC `site-b`. Hosts are written through both replicas.
 *
 * What must hold: every job is published once, to its DC's stream only; each worker imports only
 * its own schools (`-s S`, `S/S.devices.csv`, the `S-` prefix in AD and DNS) and never sees the
 * other DC's hosts; every WebSocket subscriber, whichever replica it is connected to, sees every
 * job's events once; a host moved to another DC's school leaves the first DC and lands on the second.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { Client } from 'pg';

import { jobsStreamOf } from '@app/provisioning';

import { createFakeDc, FakeDc } from '../fake-dc';
import {
  acquireSuiteLock,
  ADMIN,
  ApiClient,
  apiEnv,
  DATABASE_URL,
  DOMAIN,
  ensureBuilt,
  freePort,
  HostView,
  linesOf,
  ManagedProcess,
  resetState,
  ROOT,
  waitFor,
  withRedis,
  workerEnv,
  WsRecorder,
} from './harness';

const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'dc-worker', 'src', 'main.js');
const JWT_SECRET = randomBytes(24).toString('hex');

interface Site {
  dcId: string;
  /** the worker's own key (POST /dcs/:id/keys) */
  key: string;
  dc: FakeDc;
  worker: ManagedProcess;
  schools: string[];
}

interface Replica {
  port: number;
  proc: ManagedProcess;
  api: ApiClient;
}

/** The hosts of the test: `pc01`/`pc02` in every school; sued reuses default-school's MACs and IPs (other DC). */
const HOSTS: Array<{ school: string; hostname: string; mac: string; ip: string }> = [
  { school: 'default-school', hostname: 'pc01', mac: '00:16:3E:A0:00:01', ip: '10.0.100.1' },
  { school: 'default-school', hostname: 'pc02', mac: '00:16:3E:A0:00:02', ip: '10.0.100.2' },
  { school: 'nord', hostname: 'pc01', mac: '00:16:3E:B0:00:01', ip: '10.0.101.1' },
  { school: 'nord', hostname: 'pc02', mac: '00:16:3E:B0:00:02', ip: '10.0.101.2' },
  { school: 'sued', hostname: 'pc01', mac: '00:16:3E:A0:00:01', ip: '10.0.100.1' },
  { school: 'sued', hostname: 'pc02', mac: '00:16:3E:A0:00:02', ip: '10.0.100.2' },
];

const dir = mkdtempSync(join(tmpdir(), 'linbo-authority-'));
let suiteLock: Client | undefined;
const replicas: Replica[] = [];
const sites: Site[] = [];
const sockets: WsRecorder[] = [];
const roomIds = new Map<string, string>();
let configId = '';
let failed = false;

function startReplica(name: string, port: number, internalKey: string): ManagedProcess {
  const proc = new ManagedProcess(
    name,
    API_MAIN,
    // replicas behind one balancer share the signing secret (a token works on either); both relays
    // poll often, so they race for the same rows
    apiEnv(port, { internalKey, jwtSecret: JWT_SECRET }, { OUTBOX_POLL_MS: '50' }),
    join(dir, `${name}.log`),
    ROOT,
  );
  proc.start();
  return proc;
}

function workerFor(dcId: string, dc: FakeDc, key: string, apiBase: string): ManagedProcess {
  return new ManagedProcess(
    `worker-${dcId}`,
    WORKER_MAIN,
    {
      ...workerEnv(dc, { apiBase, internalKey: key, lockFile: join(dc.root, 'linbo-provision.lock') }),
      DC_ID: dcId,
      CONSUMER_NAME: `authority-${dcId}`,
      // the real layout, one folder per school: the worker picks each batch's file by its school
      SOPHOMORIX_DIR: dirname(dirname(dc.masterPath())),
    },
    join(dir, `worker-${dcId}.log`),
    ROOT,
  );
}

function logTails(lines = 30): string {
  return [...replicas.map((r) => r.proc), ...sites.map((s) => s.worker)]
    .map((p) => `----- ${p.name} (${p.logFile}) -----\n${p.tail(lines)}`)
    .join('\n');
}

function wait<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 30_000) {
  return waitFor(probe, what, { timeoutMs, intervalMs: 150, context: () => logTails() });
}

/** Runs a test body; a failure gets every process's log tail and keeps the temp dirs. */
function test(name: string, fn: () => Promise<void>, timeoutMs = 90_000): void {
  it(
    name,
    async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        if (err instanceof Error) err.message = `${err.message}\n${logTails()}`;
        throw err;
      }
    },
    timeoutMs,
  );
}

const dcName = (school: string, hostname: string) => (school === 'default-school' ? hostname : `${school}-${hostname}`);

beforeAll(async () => {
  suiteLock = await acquireSuiteLock();
  await ensureBuilt();
  await resetState();
  const sharedKey = randomBytes(24).toString('hex');
  for (const name of ['api-1', 'api-2']) {
    const port = await freePort();
    const proc = startReplica(name, port, sharedKey);
    replicas.push({ port, proc, api: new ApiClient(`http://127.0.0.1:${port}/api/v1`) });
  }
  for (const r of replicas) {
    await wait(`${r.proc.name} to be ready`, async () => {
      if (!r.proc.running) throw new Error(`${r.proc.name} exited: ${JSON.stringify(r.proc.exits.at(-1))}`);
      return (await r.api.request('GET', '/health/ready')).status === 200;
    });
    await r.api.login(ADMIN.username, ADMIN.password);
  }
  const [one, two] = replicas.map((r) => r.api);

  // the authority's set-up, through both replicas: a second DC, two more schools, a key per DC
  await one.post('/dcs', { id: 'site-b', description: 'the second site' });
  await two.post('/schools', { name: 'nord', dcId: 'default' });
  await one.post('/schools', { name: 'sued', dcId: 'site-b' });
  for (const [dcId, schools] of [
    ['default', ['default-school', 'nord']],
    ['site-b', ['sued']],
  ] as const) {
    const { key } = await two.post<{ key: string }>(`/dcs/${dcId}/keys`);
    const dc = createFakeDc({ release: '7.3', domain: DOMAIN, delayMs: 0, master: '' });
    for (const school of schools) if (school !== 'default-school') dc.writeMaster('', school);
    const worker = workerFor(dcId, dc, key, `http://127.0.0.1:${replicas[sites.length % 2].port}/api/v1`);
    sites.push({ dcId, key, dc, worker, schools: [...schools] });
  }
  for (const s of sites) {
    s.worker.start();
    const stream = jobsStreamOf(s.dcId);
    await wait(`worker ${s.dcId} to read ${stream}`, () =>
      withRedis(async (redis) => {
        if (!s.worker.running) throw new Error(`worker ${s.dcId} exited: ${JSON.stringify(s.worker.exits.at(-1))}`);
        const groups = (await redis.xinfo('GROUPS', stream).catch(() => [])) as unknown[][];
        if (groups.length === 0) return false;
        const consumers = (await redis.xinfo('CONSUMERS', stream, 'dc-workers')) as unknown[][];
        return consumers.some((c) => c[1] === `authority-${s.dcId}`);
      }),
    );
  }
  for (const school of ['default-school', 'nord', 'sued']) {
    roomIds.set(school, (await one.post<{ id: string }>('/rooms', { name: 'r100', school })).id);
  }
  configId = (await two.post<{ id: string }>('/configs', { name: 'win11' })).id;
  // two subscribers on each replica
  for (const r of [...replicas, ...replicas]) {
    const token = r.api.bearerToken ?? '';
    sockets.push(await WsRecorder.connect(`ws://127.0.0.1:${r.port}/ws?token=${encodeURIComponent(token)}`));
  }
}, 180_000);

afterAll(async () => {
  for (const socket of sockets) await socket.close();
  for (const s of sites) await s.worker.stop();
  for (const r of replicas) await r.proc.stop();
  if (failed || process.env.E2E_KEEP === '1') {
    process.stderr.write(`authority e2e: logs kept in ${dir}; fake DCs ${sites.map((s) => s.dc.root).join(' ')}\n`);
  } else {
    rmSync(dir, { recursive: true, force: true });
    for (const s of sites) s.dc.cleanup();
  }
  await suiteLock?.end().catch(() => undefined);
}, 60_000);

/** Every operation in the database: id, school, DC. */
async function operations(): Promise<Array<{ id: string; school: string; dc_id: string; action: string }>> {
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  try {
    return (await pg.query('SELECT id, school, dc_id, action FROM operations ORDER BY seq')).rows;
  } finally {
    await pg.end();
  }
}

/** operation_id of every entry of a DC's stream, in stream order. */
function streamOps(dcId: string): Promise<string[]> {
  return withRedis(async (redis) => {
    const entries = await redis.xrange(jobsStreamOf(dcId), '-', '+');
    return entries.map(([, fields]) => fields[fields.indexOf('operation_id') + 1]);
  });
}

async function waitSynced(api: ApiClient, count: number): Promise<HostView[]> {
  return wait(`${count} hosts synced`, async () => {
    const hosts = await api.list<HostView>('/hosts');
    const failedHost = hosts.find((h) => h.provisionStatus === 'failed');
    if (failedHost) throw new Error(`${failedHost.hostname} failed: ${failedHost.provisionError}`);
    return hosts.length === count && hosts.every((h) => h.provisionStatus === 'synced') ? hosts : undefined;
  });
}

describe('two API replicas, two DCs, three schools', () => {
  test('hosts of every school land on their own DC only, each job published once, every subscriber sees it', async () => {
    // written alternately through both replicas
    for (const [i, h] of HOSTS.entries()) {
      await replicas[i % 2].api.post('/hosts', {
        hostname: h.hostname,
        macAddress: h.mac,
        ipAddress: h.ip,
        roomId: roomIds.get(h.school),
        configId,
      });
    }
    const hosts = await waitSynced(replicas[1].api, HOSTS.length);
    expect(hosts.map((h) => `${h.school}/${h.hostname}`).sort()).toEqual(
      HOSTS.map((h) => `${h.school}/${h.hostname}`).sort(),
    );

    // each DC's files hold exactly its schools' hosts; each import named one of its schools
    for (const s of sites) {
      for (const school of ['default-school', 'nord', 'sued']) {
        const mine = s.schools.includes(school);
        for (const h of HOSTS.filter((x) => x.school === school)) {
          const text = mine ? s.dc.readMaster(school) : '';
          expect({ dc: s.dcId, school, host: h.hostname, lines: linesOf(text, h.hostname).length }).toEqual({
            dc: s.dcId,
            school,
            host: h.hostname,
            lines: mine ? 1 : 0,
          });
          const account = `${dcName(school, h.hostname).toUpperCase()}$`;
          expect({ dc: s.dcId, account, present: s.dc.computer(account) !== undefined }).toEqual({
            dc: s.dcId,
            account,
            present: mine,
          });
          if (mine) expect(s.dc.records(dcName(school, h.hostname), 'A')).toEqual([h.ip]);
        }
      }
      const imported = new Set(s.dc.importRuns().map((r) => r.argv.join(' ')));
      expect([...imported].sort()).toEqual(s.schools.map((school) => `-s ${school}`).sort());
    }

    // every operation published exactly once, to its DC's stream
    const ops = await operations();
    expect(ops).toHaveLength(HOSTS.length);
    for (const s of sites) {
      const published = await streamOps(s.dcId);
      const expected = ops.filter((o) => o.dc_id === s.dcId).map((o) => o.id);
      expect(published.slice().sort()).toEqual(expected.slice().sort());
      expect(new Set(published).size).toBe(published.length);
      expect(ops.filter((o) => o.dc_id === s.dcId).every((o) => s.schools.includes(o.school))).toBe(true);
    }

    // every subscriber, on either replica, sees each job complete once and each host created once
    for (const [i, socket] of sockets.entries()) {
      for (const op of ops) {
        await socket.waitForMessage(`subscriber ${i}: ${op.id} completed`, (m) => {
          const d = m.data as { operationId?: string; status?: string };
          return m.type === 'provision.job.updated' && d.operationId === op.id && d.status === 'completed';
        });
        const completions = socket.jobEvents(op.id).filter((m) => m.data.status === 'completed');
        expect({ subscriber: i, op: op.id, completions: completions.length }).toEqual({
          subscriber: i,
          op: op.id,
          completions: 1,
        });
      }
      expect(socket.ofType('host.created')).toHaveLength(HOSTS.length);
      expect(socket.malformed).toEqual([]);
    }
  });

  test('a host moved to a room of the other DC leaves the first DC and lands on the second', async () => {
    const api = replicas[0].api;
    const hosts = await api.list<HostView>('/hosts?school=nord');
    const moved = hosts.find((h) => h.hostname === 'pc02');
    if (!moved) throw new Error('nord/pc02 is missing');
    const before = sockets.map((s) => s.messages.length);
    // pc03 is free in sued; the MAC and IP of nord/pc02 are free on site-b
    await replicas[1].api.patch(`/hosts/${moved.id}`, { roomId: roomIds.get('sued'), hostname: 'pc03' });
    await wait('the moved host synced in sued', async () => {
      const list = await api.list<HostView>('/hosts?school=sued');
      return list.find((h) => h.hostname === 'pc03' && h.provisionStatus === 'synced');
    });
    const [a, b] = sites;
    await wait('NORD-PC02 gone from DC default', () => a.dc.computer('NORD-PC02$') === undefined);
    expect(linesOf(a.dc.readMaster('nord'), 'pc02')).toEqual([]);
    expect(a.dc.records('nord-pc02', 'A')).toEqual([]);
    expect(linesOf(b.dc.readMaster('sued'), 'pc03')).toHaveLength(1);
    expect(b.dc.computer('SUED-PC03$')).toBeDefined();
    expect(b.dc.records('sued-pc03', 'A')).toEqual(['10.0.101.2']);
    // the delete went to DC default's stream, the create to site-b's
    const ops = (await operations()).slice(HOSTS.length);
    expect(ops.map((o) => [o.action, o.school, o.dc_id])).toEqual([
      ['delete', 'nord', 'default'],
      ['create', 'sued', 'site-b'],
    ]);
    expect(await streamOps('default')).toContain(ops[0].id);
    expect(await streamOps('site-b')).toContain(ops[1].id);
    // both replicas' subscribers saw both jobs finish
    for (const [i, socket] of sockets.entries()) {
      for (const op of ops) {
        await socket.waitForMessage(
          `subscriber ${i}: ${op.action} completed`,
          (m) =>
            (m.data as { operationId?: string }).operationId === op.id &&
            (m.data as { status?: string }).status === 'completed',
        );
      }
      expect(socket.messages.length).toBeGreaterThan(before[i]);
    }
  });

  test("a worker key is refused for the other DC's operations (403), and its reports change nothing", async () => {
    const [, b] = sites;
    const op = (await operations()).find((o) => o.dc_id === 'default');
    if (!op) throw new Error('no operation of DC default');
    const res = await fetch(`http://127.0.0.1:${replicas[0].port}/api/v1/internal/operations/${op.id}/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-internal-key': b.key },
      body: JSON.stringify({ status: 'failed', error: 'cross-talk' }),
    });
    expect(res.status).toBe(403);
    const view = await replicas[1].api.get<{ status: string; error: string | null }>(`/operations/provision/${op.id}`);
    expect(view).toMatchObject({ status: 'completed', error: null });
  });
});
