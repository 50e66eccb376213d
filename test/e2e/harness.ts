/**
 * End-to-end harness (issue 5 item 2): the built API and the built DC worker as SEPARATE
 * processes, wired like `tools/demo.ts` does it, against a fake DC (test/fake-dc) in a temporary
 * folder, on real PostgreSQL (database `linbo_test_e2e`) and real Redis (DB index 4).
 *
 * One spec file = one environment: `useE2e(options)` registers the hooks that build (when
 * stale), reset the database and Redis DB, create the fake DC and start both processes; tests
 * get the running `E2eEnv`. A failing test prints the tails of both logs and keeps the temp dir.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

import Redis from 'ioredis';
import { Client } from 'pg';

import { DEFAULT_JOBS_STREAM, JOBS_GROUP, OperationView } from '@app/provisioning';

// the host as the API's routes answer it: the API's own type
import type { HostView } from '../../apps/api/src/hosts/host.view';
import { createFakeDc, FakeDc, FakeDcConfig } from '../fake-dc';
import { pgUrl, REDIS_DB, redisUrl } from '../setup/services';
import { StopWaiting, Truthy, waitFor, WaitOptions } from '../support/wait-for';
import { ApiClient } from './support/api-client';
import { DcProbe } from './support/dc-probe';
import { freePort, ManagedProcess } from './support/processes';
import { WsRecorder } from './support/ws-recorder';

export * from '../support/wait-for';
export * from './support/api-client';
export * from './support/dc-probe';
export * from './support/processes';
export * from './support/ws-recorder';
export type { OperationView } from '@app/provisioning';

export const ROOT = resolve(__dirname, '..', '..');
export const DATABASE_URL = process.env.E2E_DATABASE_URL ?? pgUrl('linbo_test_e2e');
/** DB index 4 is the e2e suite's (common rules: isolation between helpers) */
export const REDIS_URL = process.env.E2E_REDIS_URL ?? redisUrl(REDIS_DB.e2e);
export const ADMIN = { username: 'e2e-admin', password: 'e2e-admin-password-0123' };
export const DOMAIN = 'linuxmuster.lan';
export const SCHOOL = 'default-school';
const CONSUMER_NAME = 'e2e-worker';
const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'dc-worker', 'src', 'main.js');
/** any number; held by the running spec file so e2e files never share the database concurrently */
const SUITE_LOCK_KEY = 7_270_736_905;

const { migrate, ensureDatabase } = require(join(ROOT, 'scripts', 'db-migrate.js')) as {
  migrate: (url: string, log?: (m: string) => void) => Promise<number>;
  ensureDatabase: (url: string) => Promise<void>;
};
const run = promisify(execFile);

export type { HostView };

export interface E2eOptions {
  /** the default school's devices.csv before the API and worker start (the admin's own lines) */
  master?: string;
  /** fake DC knobs written to its config.json (release, delayMs, failNext, …); release defaults to 7.3 */
  fakeDc?: Partial<FakeDcConfig>;
  /** worker env on top of the defaults (e.g. PROVISION_BATCH_SIZE, PROVISION_DEBOUNCE_SEC) */
  worker?: Record<string, string>;
  /** API env on top of the defaults */
  api?: Record<string, string>;
}

/**
 * The running system of one spec file. Holds the processes, an admin-logged-in REST client, the
 * fake DC and a probe that looks at it through samba-tool and the DHCP file.
 */
export class E2eEnv {
  readonly api: ApiClient;
  readonly probe: DcProbe;
  private readonly sockets: WsRecorder[] = [];
  private readonly roomIds = new Map<string, string>();
  private readonly configIds = new Map<string, string>();

  private constructor(
    readonly dir: string,
    readonly fakeDc: FakeDc,
    readonly port: number,
    readonly apiProc: ManagedProcess,
    readonly workerProc: ManagedProcess,
    private readonly suiteLock: Client,
  ) {
    this.api = new ApiClient(this.apiBase);
    this.probe = new DcProbe(fakeDc.root, fakeDc.bin.sambaTool, DOMAIN, SCHOOL);
  }

  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api/v1`;
  }

  get masterPath(): string {
    return this.fakeDc.masterPath();
  }

  get deltaPath(): string {
    return join(dirname(this.masterPath), 'linbo-docker.devices.csv');
  }

  static async start(options: E2eOptions = {}): Promise<E2eEnv> {
    const suiteLock = await acquireSuiteLock();
    try {
      await ensureBuilt();
      await resetState();
      const dir = mkdtempSync(join(tmpdir(), 'linbo-e2e-'));
      const fakeDc = createFakeDc({
        release: '7.3',
        domain: DOMAIN,
        delayMs: 0,
        ...(options.fakeDc ?? {}),
        master: options.master ?? '',
      });

      const port = await freePort();
      const internalKey = randomBytes(24).toString('hex');
      const apiBase = `http://127.0.0.1:${port}/api/v1`;
      const apiProc = new ManagedProcess(
        'API',
        API_MAIN,
        apiEnv(port, { internalKey, jwtSecret: randomBytes(24).toString('hex') }, options.api),
        join(dir, 'api.log'),
        ROOT,
      );
      const workerProc = new ManagedProcess(
        'DC worker',
        WORKER_MAIN,
        {
          ...workerEnv(fakeDc, { apiBase, internalKey, lockFile: join(dir, 'linbo-provision.lock') }),
          // a fixed name: a restarted worker must find its own pending entries (DOMAIN.md §9 step 1)
          CONSUMER_NAME,
          SCHOOL,
          DEVICES_CSV_MASTER: fakeDc.masterPath(),
          DEVICES_CSV_DELTA: join(dirname(fakeDc.masterPath()), 'linbo-docker.devices.csv'),
          ...(options.worker ?? {}),
        },
        join(dir, 'worker.log'),
        ROOT,
      );
      const env = new E2eEnv(dir, fakeDc, port, apiProc, workerProc, suiteLock);
      try {
        await env.startApi();
        await env.startWorker();
      } catch (err) {
        await env.stop({ keepDir: true }).catch(() => undefined);
        throw err;
      }
      return env;
    } catch (err) {
      await suiteLock.end().catch(() => undefined);
      throw err;
    }
  }

  // ---- processes -------------------------------------------------------------------------

  /** Starts the API, waits for /health/ready and logs in as the bootstrap admin. */
  async startApi(): Promise<void> {
    this.apiProc.start();
    await this.waitFor(
      'the API to answer GET /health/ready with 200',
      async () => {
        if (!this.apiProc.running) {
          throw new StopWaiting(`the API exited: ${JSON.stringify(this.apiProc.exits.at(-1))}\n${this.logTails(25)}`);
        }
        return (await this.api.request('GET', '/health/ready')).status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await this.api.login(ADMIN.username, ADMIN.password);
  }

  /** Starts the worker and waits until it reads the jobs stream as consumer `e2e-worker`. */
  async startWorker(): Promise<void> {
    this.workerProc.start();
    await this.waitFor(
      `the worker to join group ${JOBS_GROUP} on ${DEFAULT_JOBS_STREAM}`,
      async () => {
        if (!this.workerProc.running) {
          throw new StopWaiting(
            `the worker exited: ${JSON.stringify(this.workerProc.exits.at(-1))}\n${this.logTails(25)}`,
          );
        }
        return withRedis(async (redis) => {
          const consumers = (await redis.xinfo('CONSUMERS', DEFAULT_JOBS_STREAM, JOBS_GROUP)) as unknown[][];
          return consumers.some((c) => c[1] === CONSUMER_NAME);
        });
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  }

  async restartApi(): Promise<void> {
    for (const socket of this.sockets) await socket.close();
    await this.apiProc.stop();
    await this.startApi();
  }

  /** Tears everything down; the temp dir (logs, fake DC) is kept when `keepDir` is set. */
  async stop({ keepDir = false } = {}): Promise<void> {
    try {
      for (const socket of this.sockets) await socket.close();
      await this.workerProc.stop();
      await this.apiProc.stop();
      if (keepDir) {
        process.stderr.write(`e2e: logs and fake DC kept in ${this.dir} and ${this.fakeDc.root}\n`);
      } else {
        rmSync(this.dir, { recursive: true, force: true });
        this.fakeDc.cleanup();
      }
    } finally {
      await this.suiteLock.end().catch(() => undefined);
    }
  }

  /** The last lines of both process logs, for failure messages. */
  logTails(lines = 40): string {
    return [
      `----- ${this.apiProc.name} log (${this.apiProc.logFile}), last ${lines} lines -----`,
      this.apiProc.tail(lines),
      `----- ${this.workerProc.name} log (${this.workerProc.logFile}), last ${lines} lines -----`,
      this.workerProc.tail(lines),
    ].join('\n');
  }

  /** `waitFor` (20 s by default) whose timeout message ends with the log tails of both processes. */
  waitFor<T>(what: string, probe: () => Promise<T> | T, options: WaitOptions = {}): Promise<Truthy<T>> {
    return waitFor(probe, what, { timeoutMs: 20_000, intervalMs: 100, context: () => this.logTails(25), ...options });
  }

  /** A WebSocket subscriber as the admin, closed by `stop()`/`restartApi()`. */
  async subscribe(): Promise<WsRecorder> {
    const token = this.api.bearerToken;
    if (!token) throw new Error('not logged in');
    const socket = await WsRecorder.connect(`ws://127.0.0.1:${this.port}/ws?token=${encodeURIComponent(token)}`);
    this.sockets.push(socket);
    return socket;
  }

  // ---- the DC ----------------------------------------------------------------------------

  masterText(): string {
    return readFileSync(this.masterPath, 'utf8');
  }

  /** How many times the worker ran linuxmuster-import-devices so far. */
  importRunCount(): number {
    return this.fakeDc.importRuns().length;
  }

  /**
   * Pids of fake `linuxmuster-import-devices` runs of THIS fake DC that are running right now
   * (Linux /proc: command line names the tool, environment names our FAKE_DC_ROOT).
   */
  runningImports(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (!cmdline.includes(this.fakeDc.bin.importDevices)) continue;
        const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
        if (environ.includes(`FAKE_DC_ROOT=${this.fakeDc.root}`)) pids.push(Number(entry));
      } catch {
        // the process ended while we looked
      }
    }
    return pids;
  }

  setFakeDc(knobs: Partial<FakeDcConfig>): void {
    this.fakeDc.setConfig(knobs);
  }

  // ---- REST shortcuts --------------------------------------------------------------------

  async roomId(name: string): Promise<string> {
    const known = this.roomIds.get(name);
    if (known) return known;
    const existing = (await this.api.list<{ id: string; name: string }>('/rooms')).find((r) => r.name === name);
    const id = existing?.id ?? (await this.api.post<{ id: string }>('/rooms', { name })).id;
    this.roomIds.set(name, id);
    return id;
  }

  async configId(name: string): Promise<string> {
    const known = this.configIds.get(name);
    if (known) return known;
    const existing = (await this.api.list<{ id: string; name: string }>('/configs')).find((c) => c.name === name);
    const id = existing?.id ?? (await this.api.post<{ id: string }>('/configs', { name })).id;
    this.configIds.set(name, id);
    return id;
  }

  /** POST /hosts with a room and a config (created on first use). */
  async createHost(host: {
    hostname: string;
    macAddress: string;
    ipAddress: string | null;
    room?: string;
    config?: string;
    role?: string;
  }): Promise<HostView> {
    const { room = 'r100', config = 'win11', ...rest } = host;
    return this.api.post<HostView>('/hosts', {
      ...rest,
      roomId: await this.roomId(room),
      configId: await this.configId(config),
    });
  }

  host(id: string): Promise<HostView> {
    return this.api.get<HostView>(`/hosts/${id}`);
  }

  hosts(): Promise<HostView[]> {
    return this.api.list<HostView>('/hosts');
  }

  operation(id: string): Promise<OperationView> {
    return this.api.get<OperationView>(`/operations/provision/${id}`);
  }

  /** Polls GET /hosts/:id until its provisionStatus is `status`; a different terminal status fails fast. */
  async waitForHostStatus(id: string, status: 'synced' | 'failed', timeoutMs = 30_000): Promise<HostView> {
    const other = status === 'synced' ? 'failed' : 'synced';
    return this.waitFor(
      `host ${id} to become ${status}`,
      async () => {
        const host = await this.host(id);
        if (host.provisionStatus === other) {
          throw new StopWaiting(`host ${host.hostname} became ${other}: ${host.provisionError ?? ''}`);
        }
        return host.provisionStatus === status ? host : undefined;
      },
      { timeoutMs, intervalMs: 150 },
    );
  }

  /** Polls GET /operations/provision/:id until its status is one of `statuses`. */
  waitForOperation(id: string, statuses: string[], timeoutMs = 30_000): Promise<OperationView> {
    return this.waitFor(
      `operation ${id} to reach ${statuses.join('|')}`,
      async () => {
        const op = await this.operation(id);
        return statuses.includes(op.status) ? op : undefined;
      },
      { timeoutMs, intervalMs: 150 },
    );
  }

  /** Polls the host list until every host has left pending/running; returns them. */
  waitForAllTerminal(expectedCount: number, timeoutMs = 60_000): Promise<HostView[]> {
    return this.waitFor(
      `${expectedCount} hosts to reach synced or failed`,
      async () => {
        const hosts = await this.hosts();
        const done = hosts.filter((h) => h.provisionStatus === 'synced' || h.provisionStatus === 'failed');
        return hosts.length === expectedCount && done.length === expectedCount ? hosts : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }
}

// ---- the spec-file lifecycle -------------------------------------------------------------

export interface E2eHandle {
  /** the running environment (available inside tests) */
  readonly env: E2eEnv;
  /** `it` that appends the API and worker log tails to a failure */
  test(name: string, fn: (env: E2eEnv) => Promise<void>, timeoutMs?: number): void;
}

/**
 * Registers beforeAll/afterAll for one spec file. The environment is started once per file
 * (start-up of both processes costs a few seconds) and the tests of a file share it.
 */
export function useE2e(options: E2eOptions = {}, startTimeoutMs = 180_000): E2eHandle {
  let current: E2eEnv | undefined;
  let failed = false;
  beforeAll(async () => {
    current = await E2eEnv.start(options);
  }, startTimeoutMs);
  afterAll(async () => {
    await current?.stop({ keepDir: failed || process.env.E2E_KEEP === '1' });
  }, 60_000);
  const envOf = (): E2eEnv => {
    if (!current) throw new Error('the e2e environment did not start (see the beforeAll error)');
    return current;
  };
  return {
    get env(): E2eEnv {
      return envOf();
    },
    test(name, fn, timeoutMs = 60_000) {
      it(
        name,
        async () => {
          const env = envOf();
          try {
            await fn(env);
          } catch (err) {
            failed = true;
            if (err instanceof Error && !err.message.includes('----- API log')) {
              err.message = `${err.message}\n${env.logTails(40)}`;
            }
            throw err;
          }
        },
        timeoutMs,
      );
    },
  };
}

// ---- shared infrastructure ---------------------------------------------------------------

/** The environment of a built API process of the suite (replicas share `jwtSecret`). */
export function apiEnv(
  port: number,
  keys: { internalKey: string; jwtSecret: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL,
    REDIS_URL,
    JWT_SECRET: keys.jwtSecret,
    INTERNAL_API_KEY: keys.internalKey,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    DC_PROVISIONING_ENABLED: 'true',
    DC_PROVISIONING_DRYRUN: 'false',
    OUTBOX_POLL_MS: '100',
    // the suite logs in again after every API restart
    LOGIN_RATE_LIMIT: '1000',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** The environment of a built worker on `fakeDc`'s tools; files and DC_ID are the caller's. */
export function workerEnv(
  fakeDc: FakeDc,
  opts: { apiBase: string; internalKey: string; lockFile: string },
): Record<string, string> {
  return {
    ...fakeDc.env,
    REDIS_URL,
    API_URL: opts.apiBase,
    INTERNAL_API_KEY: opts.internalKey,
    IMPORT_SCRIPT: fakeDc.bin.importDevices,
    IMPORT_TIMEOUT_SEC: '60',
    SAMBA_TOOL: fakeDc.bin.sambaTool,
    MACCT_REPAIR_SCRIPT: fakeDc.bin.repairMacct,
    PROVISION_LOCK_FILE: opts.lockFile,
    LINBO_DOMAIN: DOMAIN,
    DHCP_VERIFY_FILE: join(dirname(fakeDc.dhcpPath(SCHOOL)), '{school}.conf'),
    PROVISION_BATCH_SIZE: '50',
    PROVISION_DEBOUNCE_SEC: '0.3',
    LOG_LEVEL: 'info',
  };
}

/**
 * e2e files share one database and one Redis DB, so they must not run at the same time even if
 * Jest runs several workers: each file holds a PostgreSQL advisory lock for its whole life (the
 * lock dies with the connection if the Jest worker crashes).
 */
export async function acquireSuiteLock(): Promise<Client> {
  await ensureDatabase(DATABASE_URL);
  const client = new Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [SUITE_LOCK_KEY]);
  return client;
}

/** Runs `npm run build` when dist is missing or older than any source the two apps are built from. */
export async function ensureBuilt(): Promise<void> {
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(API_MAIN) && existsSync(WORKER_MAIN)) return;
  const builtAt = Math.min(mtimeOr(API_MAIN, 0), mtimeOr(WORKER_MAIN, 0));
  const newestSource = Math.max(
    newestMtime(join(ROOT, 'apps')),
    newestMtime(join(ROOT, 'libs')),
    mtimeOr(join(ROOT, 'prisma', 'schema.prisma'), 0),
  );
  if (builtAt > 0 && builtAt >= newestSource) return;
  try {
    await run('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  for (const main of [API_MAIN, WORKER_MAIN]) {
    if (!existsSync(main)) throw new Error(`npm run build did not produce ${main}`);
  }
}

function mtimeOr(path: string, fallback: number): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return fallback;
  }
}

/** Newest mtime of the .ts sources below `dir` (specs and the generated Prisma client excluded). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'generated') continue;
      newest = Math.max(newest, newestMtime(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      newest = Math.max(newest, mtimeOr(path, 0));
    }
  }
  return newest;
}

/** Migrates `linbo_test_e2e`, empties every table and Redis DB 4 (never another index). */
export async function resetState(): Promise<void> {
  await migrate(DATABASE_URL, () => undefined);
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
    );
    if (rows.length > 0) {
      await pg.query(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`);
      // the rows migration 20261203080000_schools_and_dcs seeds: the default DC and default-school
      await pg.query(`INSERT INTO "dcs" ("id") VALUES ('default')`);
      await pg.query(
        `INSERT INTO "schools" ("id", "name", "dc_id") VALUES ('00000000-0000-4000-8000-000000000001', 'default-school', 'default')`,
      );
    }
  } finally {
    await pg.end();
  }
  await withRedis(async (redis) => {
    const db = Number(new URL(REDIS_URL).pathname.replace('/', '') || '0');
    if (db === 0) throw new Error(`refusing to FLUSHDB Redis DB 0 (${REDIS_URL}); the e2e suite owns DB 4`);
    await redis.flushdb();
  });
}

/** A short-lived Redis connection on the suite's DB. */
export async function withRedis<T>(fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** `00:16:3E:<prefix>:<hi>:<lo>` — distinct MACs for generated hosts. */
export function macFor(n: number, prefix = 0x10): string {
  return ['00', '16', '3E', prefix, (n >> 8) & 0xff, n & 0xff]
    .map((p) => (typeof p === 'number' ? p.toString(16).padStart(2, '0') : p).toUpperCase())
    .join(':');
}

/** The data lines of a devices.csv text whose hostname (column 1) is `hostname`, case-insensitively. */
export function linesOf(text: string, hostname: string): string[] {
  return text.split('\n').filter((l) => !l.startsWith('#') && l.split(';')[1]?.toLowerCase() === hostname);
}

/**
 * DOMAIN.md §9: every line we do not own is kept byte for byte and in order. Removes the lines of
 * `ownHostnames` from `current` and compares what is left with the original manual text.
 */
export function manualLinesOf(current: string, ownHostnames: Iterable<string>): string {
  const own = new Set([...ownHostnames].map((h) => h.toLowerCase()));
  return current
    .split('\n')
    .filter((l) => l.startsWith('#') || !own.has((l.split(';')[1] ?? '').toLowerCase()))
    .join('\n');
}
