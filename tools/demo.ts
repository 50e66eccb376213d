/**
 * `npm run demo`: the whole product on this machine in one command (issue 5).
 *
 * Migrates a demo database, starts the built API and DC worker as separate processes against a
 * fake DC in a temporary folder, creates rooms, configs and hosts through the REST API plus one
 * devices.csv import, shows progress from the WebSocket while they provision, and prints a summary.
 * `--exit` stops everything after the summary (used by CI); otherwise it keeps running until Ctrl-C.
 */
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Redis from 'ioredis';
import WebSocket from 'ws';

import {
  API_MAIN,
  freePort,
  liveApiEnv,
  makeFakeDc,
  resetStackState,
  ROOT,
  startNode,
  stopProcess,
  waitFor,
  WORKER_MAIN,
} from './local-stack';

const DEFAULT_DB = 'postgresql://postgres@127.0.0.1:5432/linbo_demo';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379/5';
const { migrate, ensureDatabase } = require(join(ROOT, 'scripts', 'db-migrate.js')) as {
  migrate: (url: string, log?: (m: string) => void) => Promise<number>;
  ensureDatabase: (url: string) => Promise<void>;
};

const args = new Set(process.argv.slice(2));
const exitAfterSummary = args.has('--exit');
const hostCount = Number(process.env.DEMO_HOSTS ?? 30);
const importCount = Number(process.env.DEMO_IMPORT_HOSTS ?? 10);
const timeoutSec = Number(process.env.DEMO_TIMEOUT_SEC ?? 180);

const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DB;
const redisUrl = process.env.REDIS_URL ?? DEFAULT_REDIS;
const children: ChildProcess[] = [];

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function preflight(): Promise<void> {
  const problems: string[] = [];
  try {
    await ensureDatabase(databaseUrl);
  } catch (err) {
    problems.push(`PostgreSQL at ${redact(databaseUrl)} is not reachable (${(err as Error).message})`);
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    problems.push(`Redis at ${redact(redisUrl)} is not reachable (${(err as Error).message})`);
  } finally {
    redis.disconnect();
  }
  if (problems.length === 0) return;
  say('The demo needs PostgreSQL and Redis:');
  for (const p of problems) say(`  - ${p}`);
  say('');
  say('Start them as local services, e.g. on Debian/Ubuntu:');
  say('  pg_ctlcluster $(ls /etc/postgresql) main start     # or: systemctl start postgresql');
  say('  redis-server --daemonize yes --port 6379            # or: systemctl start redis-server');
  say('or with Docker (cp .env.example .env first, then):');
  say('  docker compose up -d postgres redis');
  say('  export DATABASE_URL=postgresql://linbo:<POSTGRES_PASSWORD>@127.0.0.1:5432/linbo_demo');
  say('  export REDIS_URL=redis://:<REDIS_PASSWORD>@127.0.0.1:6379/5');
  say('Then run `npm run demo` again. DATABASE_URL and REDIS_URL override the defaults');
  say(`(${DEFAULT_DB} and ${DEFAULT_REDIS}).`);
  process.exit(1);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Starts from a clean slate: the demo owns its database and its Redis keys. */
async function resetState(): Promise<void> {
  await migrate(databaseUrl, () => undefined);
  await resetStackState(databaseUrl, redisUrl);
}

function start(name: string, script: string, env: Record<string, string>, logFile: string): ChildProcess {
  const child = startNode(script, env, logFile);
  child.on('exit', (code, signal) => {
    if (!stopping) say(`!! ${name} exited (${signal ?? code}); see ${logFile}`);
  });
  children.push(child);
  return child;
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(children.map((c) => stopProcess(c, 10_000)));
}

/** The demo reads a few well-known fields of the API's JSON answers. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped JSON from our own API
type Json = any;

interface Api {
  (method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: Json }>;
}

function apiClient(base: string, token?: string): Api {
  return async (method, path, body, contentType = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* text body */
    }
    return { status: res.status, body: parsed };
  };
}

function mac(n: number, prefix = 0x10): string {
  return [
    '00',
    '16',
    '3E',
    prefix.toString(16).padStart(2, '0'),
    (n >> 8).toString(16).padStart(2, '0'),
    (n & 0xff).toString(16).padStart(2, '0'),
  ]
    .join(':')
    .toUpperCase();
}

async function main(): Promise<void> {
  say('linbo-provisioning demo');
  say('=======================');
  await preflight();
  await resetState();

  const dir = mkdtempSync(join(tmpdir(), 'linbo-demo-'));
  // a master with an admin's own lines: they must come through untouched
  const fakeDc = makeFakeDc(
    dir,
    [
      '# devices.csv of the demo school — the lines below were written by hand',
      'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
      'r000;r000-printer;nopxe;00:50:56:00:00:02;10.0.0.20;;;;printer;;0;;;;',
    ],
    { release: '7.3', delayMs: 1000 },
  );
  const port = await freePort(Number(process.env.PORT ?? 3000));
  const apiBase = `http://127.0.0.1:${port}/api/v1`;
  const internalKey = randomBytes(24).toString('hex');
  const adminPassword = process.env.DEMO_ADMIN_PASSWORD ?? 'demo-admin-password';

  start(
    'API',
    API_MAIN,
    liveApiEnv(
      { port, databaseUrl, redisUrl, internalKey, adminPassword, nodeEnv: 'development' },
      { OUTBOX_POLL_MS: '200', LOG_LEVEL: 'info' },
    ),
    join(dir, 'api.log'),
  );
  const anon = apiClient(apiBase);
  await waitFor(
    'the API to be ready',
    async () => ((await anon('GET', '/health/ready')).status === 200 ? true : undefined),
    30_000,
  );
  say(`Web console at http://127.0.0.1:${port}/ (admin / ${adminPassword}): open it to watch the hosts live.`);

  start(
    'DC worker',
    WORKER_MAIN,
    {
      ...fakeDc,
      REDIS_URL: redisUrl,
      API_URL: apiBase,
      INTERNAL_API_KEY: internalKey,
      CONSUMER_NAME: 'demo-worker',
      PROVISION_DEBOUNCE_SEC: '1',
      PROVISION_BATCH_SIZE: '50',
      LINBO_DOMAIN: 'linuxmuster.lan',
      LOG_LEVEL: 'info',
    },
    join(dir, 'worker.log'),
  );

  const login = await anon('POST', '/auth/login', { username: 'admin', password: adminPassword });
  if (login.status !== 200 && login.status !== 201) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  const token: string = login.body.data.token;
  const api = apiClient(apiBase, token);

  // live progress from the WebSocket
  const wsUrl = `ws://127.0.0.1:${port}/ws?token=${token}`;
  const finalStatus = new Map<string, string>();
  let jobEvents = 0;
  const ws = new WebSocket(wsUrl);
  ws.on('message', (raw) => {
    const msg = JSON.parse(String(raw)) as {
      type: string;
      data: { hostname?: string; provisionStatus?: string | null };
    };
    if (msg.type.startsWith('provision.job.')) {
      jobEvents += 1;
      if (msg.data.hostname && msg.data.provisionStatus) finalStatus.set(msg.data.hostname, msg.data.provisionStatus);
    }
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });

  say(`API on ${apiBase} — creating rooms, configs and ${hostCount} hosts, importing ${importCount} more…`);
  const rooms: string[] = [];
  for (const name of ['r101', 'r102', 'r103']) {
    const r = await api('POST', '/rooms', { name, description: `demo room ${name}` });
    if (r.status >= 300) throw new Error(`POST /rooms: ${JSON.stringify(r.body)}`);
    rooms.push(r.body.data.id);
  }
  const configs: string[] = [];
  for (const name of ['win11', 'ubuntu']) {
    const c = await api('POST', '/configs', { name });
    if (c.status >= 300) throw new Error(`POST /configs: ${JSON.stringify(c.body)}`);
    configs.push(c.body.data.id);
  }
  const created: string[] = [];
  for (let i = 1; i <= hostCount; i++) {
    const room = 101 + ((i - 1) % 3);
    const hostname = `r${room}-pc${String(i).padStart(2, '0')}`;
    const res = await api('POST', '/hosts', {
      hostname,
      macAddress: mac(i),
      ipAddress: i % 10 === 0 ? null : `10.0.${room}.${i}`,
      roomId: rooms[(i - 1) % 3],
      configId: configs[i % 2],
    });
    if (res.status >= 300) throw new Error(`POST /hosts ${hostname}: ${JSON.stringify(res.body)}`);
    created.push(hostname);
  }
  const csv = Array.from({ length: importCount }, (_, k) => {
    const n = k + 1;
    return `r104;r104-nb${String(n).padStart(2, '0')};ubuntu;${mac(n, 0x20)};10.0.104.${n};;;;;;1;;;;imported`;
  }).join('\n');
  const imp = await api('POST', '/import/devices', csv, 'text/csv');
  if (imp.status >= 300) throw new Error(`POST /import/devices: ${JSON.stringify(imp.body)}`);
  say(`import: ${JSON.stringify(imp.body.data)}`);
  const expected = hostCount + importCount;

  const started = Date.now();
  let lastLine = '';
  const summary = await waitFor(
    'all hosts to finish provisioning',
    async () => {
      const res = await api('GET', '/hosts?limit=100');
      const hosts: Array<{ hostname: string; provisionStatus: string | null; provisionError: string | null }> =
        res.body.data;
      const count = (s: string) => hosts.filter((h) => h.provisionStatus === s).length;
      const line = `  ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s  synced ${count('synced')}/${expected}  failed ${count('failed')}  running ${count('running')}  pending ${count('pending')}  (${jobEvents} live events)`;
      if (line !== lastLine) say(line);
      lastLine = line;
      return count('synced') + count('failed') >= expected ? hosts : undefined;
    },
    timeoutSec * 1000,
  );

  const calls = readFileSync(join(fakeDc.FAKE_DC_ROOT, 'calls.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { tool: string });
  const importRuns = calls.filter((c) => c.tool === 'linuxmuster-import-devices').length;
  const failed = summary.filter((h) => h.provisionStatus === 'failed');
  say('');
  say('Summary');
  say('-------');
  say(`hosts synced:        ${summary.filter((h) => h.provisionStatus === 'synced').length}`);
  say(`hosts failed:        ${failed.length}${failed.map((h) => `\n  ${h.hostname}: ${h.provisionError}`).join('')}`);
  say(`import runs:         ${importRuns} (for ${expected} hosts)`);
  say(`WebSocket events:    ${jobEvents} provision.job.* messages`);
  say(`devices.csv:         ${fakeDc.DEVICES_CSV_MASTER}`);
  say(`delta file:          ${fakeDc.DEVICES_CSV_DELTA}`);
  say(`fake DC state:       ${join(fakeDc.FAKE_DC_ROOT, 'state.json')}`);
  say(`logs:                ${join(dir, 'api.log')}, ${join(dir, 'worker.log')}`);
  say('');
  const consoleUrl = `http://127.0.0.1:${port}/`;
  const consoleServed = await fetch(consoleUrl)
    .then(async (res) => res.ok && (await res.text()).includes('<div id="root">'))
    .catch(() => false);
  say(
    consoleServed
      ? `Web console:         ${consoleUrl}   (login: admin / ${adminPassword})`
      : `Web console:         not built (dist/web/index.html missing: npm run build:web)`,
  );
  say(`API:                 ${apiBase}   (login: admin / ${adminPassword})`);
  say(`OpenAPI UI:          http://127.0.0.1:${port}/api/docs`);
  say(`WebSocket:           ${`ws://127.0.0.1:${port}/ws?token=<jwt>`}`);
  ws.close();
  if (exitAfterSummary) {
    await stopAll();
    process.exit(failed.length === 0 && importRuns > 0 ? 0 : 1);
  }
  say('');
  say('The API and the worker keep running. Press Ctrl-C to stop them.');
  await new Promise<void>((res) => process.once('SIGINT', () => res()));
  await stopAll();
}

process.once('SIGTERM', () => void stopAll().then(() => process.exit(143)));
main().catch(async (err: Error) => {
  say(`demo failed: ${err.message}`);
  await stopAll();
  process.exit(1);
});
