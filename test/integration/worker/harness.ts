// Test harness for the DC worker: builds the worker once per test file (swc, into a private
// folder under dist/ so parallel test files and other helpers' builds never collide), then runs
// it as a SEPARATE process against real Redis (DB 3), the fake DC and the fake internal API.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import Redis from 'ioredis';

import { encodeJobPayload, OperationView } from '@app/provisioning';

import { createFakeDc, CreateFakeDcOptions, FakeDc } from '../../fake-dc';
import { REDIS_DB, redisUrl } from '../../setup/services';
import { Truthy, waitFor as pollUntil } from '../../support/wait-for';
import { FAKE_API_KEY, FakeApi } from './fake-api';

export const WORKER_REDIS_URL = redisUrl(REDIS_DB.worker);
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Compiles apps/dc-worker + libs into dist/.worker-test/<id>; returns the entry point. */
export function buildWorker(): { main: string; cleanup: () => void } {
  const out = path.join(ROOT, 'dist', '.worker-test', randomUUID());
  const swc = path.join(ROOT, 'node_modules', '.bin', 'swc');
  const res = spawnSync(swc, ['apps/dc-worker', 'libs', '-d', out, '--config-file', 'swc.build.json', '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`worker build failed: ${res.stderr || res.stdout}`);
  return {
    main: path.join(out, 'apps', 'dc-worker', 'src', 'main.js'),
    cleanup: () => fs.rmSync(out, { recursive: true, force: true }),
  };
}

/** The suite's `waitFor` (support/wait-for.ts) with the worker tier's defaults: 15 s, every 50 ms. */
export function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<Truthy<T>> {
  return pollUntil(probe, what, { timeoutMs, intervalMs: 50 });
}

export interface WorkerProcess {
  child: ChildProcess;
  /** JSON log lines (parsed when possible) */
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
}

export interface WorkerEnvOptions extends CreateFakeDcOptions {
  debounceSec?: number;
  batchSize?: number;
}

/** One test's world: a fake DC, a fake API, a private stream on Redis DB 3 and a lock file. */
/** Environments created by the running test; useWorkerBuild() cleans them up after it. */
const liveEnvs = new Set<WorkerEnv>();

/**
 * The hooks every worker spec file needs: one build of the worker per file (`main`), and every
 * WorkerEnv a test created cleaned up after that test (workers killed, stream, fake API and fake
 * DC removed).
 */
export function useWorkerBuild(): { readonly main: string } {
  let build: ReturnType<typeof buildWorker> | undefined;
  beforeAll(() => {
    build = buildWorker();
  });
  afterAll(() => build?.cleanup());
  afterEach(async () => {
    for (const env of [...liveEnvs]) await env.cleanup();
  });
  return {
    get main(): string {
      if (!build) throw new Error('useWorkerBuild: the worker is built in beforeAll; use main inside a test');
      return build.main;
    },
  };
}

export class WorkerEnv {
  readonly id = randomUUID().slice(0, 8);
  readonly stream = `linbo:jobs:test:${this.id}`;
  /** the test's stand-in for `linbo:jobs`, the stream of before DCs existed */
  readonly legacyStream = `linbo:jobs:test:${this.id}:legacy`;
  readonly group = `dc-workers-${this.id}`;
  readonly dlq = `linbo:jobs:dlq:test:${this.id}`;
  readonly consumer = `worker-${this.id}`;
  readonly tmp: string;
  readonly lockFile: string;
  readonly redis: Redis;
  private readonly workers: WorkerProcess[] = [];

  private constructor(
    readonly main: string,
    readonly dc: FakeDc,
    readonly api: FakeApi,
    private readonly opts: WorkerEnvOptions,
  ) {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-test-'));
    this.lockFile = path.join(this.tmp, 'linbo-provision.lock');
    this.redis = new Redis(WORKER_REDIS_URL, { maxRetriesPerRequest: 2 });
  }

  static async create(main: string, opts: WorkerEnvOptions = {}): Promise<WorkerEnv> {
    const { debounceSec: _d, batchSize: _b, ...dcOpts } = opts;
    const api = new FakeApi();
    await api.start();
    const env = new WorkerEnv(main, createFakeDc(dcOpts), api, opts);
    // the real API republishes a retried operation through its outbox
    api.onRetry = (op) => env.publish(op);
    liveEnvs.add(env);
    return env;
  }

  get deltaPath(): string {
    return path.join(path.dirname(this.dc.masterPath()), 'linbo-docker.devices.csv');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      ...this.dc.env,
      REDIS_URL: WORKER_REDIS_URL,
      API_URL: this.api.url,
      INTERNAL_API_KEY: FAKE_API_KEY,
      CONSUMER_NAME: this.consumer,
      JOBS_STREAM: this.stream,
      LEGACY_JOBS_STREAM: this.legacyStream,
      JOBS_GROUP: this.group,
      JOBS_DLQ_STREAM: this.dlq,
      DEVICES_CSV_MASTER: this.dc.masterPath(),
      IMPORT_SCRIPT: this.dc.bin.importDevices,
      IMPORT_LOG_FILE: this.dc.importLogPath,
      SAMBA_TOOL: this.dc.bin.sambaTool,
      MACCT_REPAIR_SCRIPT: this.dc.bin.repairMacct,
      DHCP_VERIFY_FILE: this.dc.dhcpPath(),
      PROVISION_LOCK_FILE: this.lockFile,
      PROVISION_LOCK_TIMEOUT_SEC: '0.5',
      PROVISION_DEBOUNCE_SEC: String(this.opts.debounceSec ?? 0.2),
      PROVISION_BATCH_SIZE: String(this.opts.batchSize ?? 50),
      READ_BLOCK_MS: '300',
      RETRY_DELAY_SEC: '0.2',
      RETRY_MAX_DELAY_SEC: '2',
      REPORT_RETRY_MAX_DELAY_SEC: '0.3',
      CLAIM_INTERVAL_SEC: '3600',
      SHUTDOWN_TIMEOUT_SEC: '10',
      LOG_LEVEL: 'debug',
      // tests run several workers at once: no metrics server unless a test asks for one
      METRICS_PORT: '0',
      ...extra,
    };
  }

  spawn(extra: Record<string, string> = {}, args: string[] = []): WorkerProcess {
    const child = spawn(process.execPath, [this.main, ...args], {
      env: this.env(extra),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Array<Record<string, unknown>> = [];
    const stderr: string[] = [];
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
    let running = true;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => {
        running = false;
        resolve({ code, signal });
      }),
    );
    const proc: WorkerProcess = {
      child,
      logs,
      stderr,
      exited,
      isRunning: () => running,
      stop: async () => {
        if (running) child.kill('SIGTERM');
        return exited;
      },
    };
    this.workers.push(proc);
    return proc;
  }

  /** XADD the operation's job as the API's relay would (DOMAIN.md §8 payload). */
  async publish(op: OperationView, attempt = op.attempt + 1, stream = this.stream): Promise<string> {
    const fields = encodeJobPayload({
      type: op.type,
      operation_id: op.id,
      action: op.action as never,
      school: op.school,
      attempt,
      ...(op.type === 'macct_repair' ? { host: op.targetHost } : {}),
    });
    return (await this.redis.xadd(stream, '*', ...fields)) as string;
  }

  /** Entries delivered to the group and not yet ACKed. */
  async pending(): Promise<number> {
    try {
      const summary = (await this.redis.xpending(this.stream, this.group)) as [number, ...unknown[]];
      return Number(summary[0]);
    } catch (err) {
      if (/NOGROUP/.test((err as Error).message)) return 0;
      throw err;
    }
  }

  async waitStatus(opId: string, status: string | string[], timeoutMs = 15_000): Promise<OperationView> {
    const wanted = Array.isArray(status) ? status : [status];
    await waitFor(() => wanted.includes(this.api.status(opId)), `operation ${opId} → ${wanted.join('|')}`, timeoutMs);
    return this.api.ops.get(opId)!;
  }

  /** Worker logs as text, for assertion messages. */
  dump(): string {
    return this.workers
      .flatMap((w) => [...w.logs.map((l) => JSON.stringify(l)), ...w.stderr])
      .slice(-80)
      .join('\n');
  }

  async cleanup(): Promise<void> {
    if (!liveEnvs.delete(this)) return; // already cleaned up
    for (const w of this.workers) {
      if (w.isRunning()) w.child.kill('SIGKILL');
      await w.exited;
    }
    await this.redis.del(this.stream, this.dlq, this.legacyStream);
    this.redis.disconnect();
    await this.api.stop();
    this.dc.cleanup();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** A TCP port free right now on 127.0.0.1 (for a worker's METRICS_PORT). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A 15-column devices.csv line as an admin would write it. */
export function manualLine(room: string, host: string, mac: string, ip: string, extra = ''): string {
  return `${room};${host};win10;${mac};${ip};;;;classroom-studentcomputer;;1;;;;${extra}`;
}
