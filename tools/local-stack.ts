/**
 * The pieces that run the whole product on one machine — the built API and DC worker as separate
 * processes against the fake DC of test/fake-dc — shared by `npm run demo` (tools/demo.ts) and
 * `npm run bench:e2e` (bench/e2e.ts).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

import Redis from 'ioredis';
import { Client } from 'pg';

/** The repository root, from dist/tools/*.js and dist/bench/*.js alike. */
export const ROOT = resolve(__dirname, '..', '..');
export const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const WORKER_MAIN = join(ROOT, 'dist', 'apps', 'dc-worker', 'src', 'main.js');
const FAKE_BIN = join(ROOT, 'test', 'fake-dc', 'bin');

/** A free loopback port: `preferred` when it is free, else any. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((res, rej) => {
      const srv = createServer();
      srv.once('error', rej);
      srv.listen(port, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => res(p));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

/** Empties every table and removes the jobs streams: for databases and Redis indexes the caller owns. */
export async function resetStackState(databaseUrl: string, redisUrl: string): Promise<void> {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  try {
    await pg.query('TRUNCATE hosts, operations, rooms, configs, users RESTART IDENTITY CASCADE');
  } finally {
    await pg.end();
  }
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys('linbo:jobs*');
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/**
 * A fake DC in `dir/dc`: the default school's master holding `masterLines` (an admin's own lines),
 * the fake tools' `config` (test/fake-dc/README.md), and the worker variables that point at it.
 */
export function makeFakeDc(
  dir: string,
  masterLines: string[],
  config: Record<string, unknown>,
): Record<string, string> {
  const fakeRoot = join(dir, 'dc');
  const schoolDir = join(fakeRoot, 'etc', 'linuxmuster', 'sophomorix', 'default-school');
  mkdirSync(schoolDir, { recursive: true });
  mkdirSync(join(fakeRoot, 'etc', 'dhcp', 'devices'), { recursive: true });
  writeFileSync(join(schoolDir, 'devices.csv'), masterLines.map((l) => `${l}\n`).join(''));
  writeFileSync(join(fakeRoot, 'config.json'), JSON.stringify(config));
  return {
    FAKE_DC_ROOT: fakeRoot,
    DEVICES_CSV_MASTER: join(schoolDir, 'devices.csv'),
    DEVICES_CSV_DELTA: join(schoolDir, 'linbo-docker.devices.csv'),
    IMPORT_SCRIPT: join(FAKE_BIN, 'linuxmuster-import-devices'),
    SAMBA_TOOL: join(FAKE_BIN, 'samba-tool'),
    MACCT_REPAIR_SCRIPT: join(FAKE_BIN, 'repair_macct.py'),
    DHCP_VERIFY_FILE: join(fakeRoot, 'etc', 'dhcp', 'devices', '{school}.conf'),
    PROVISION_LOCK_FILE: join(dir, 'linbo-provision.lock'),
  };
}

export interface LiveApiOptions {
  port: number;
  databaseUrl: string;
  redisUrl: string;
  internalKey: string;
  adminPassword: string;
  adminUsername?: string;
  /** default production */
  nodeEnv?: 'production' | 'development';
  /** default: random */
  jwtSecret?: string;
}

/**
 * The environment of the built API on 127.0.0.1 with live provisioning (not dry-run), as the demo
 * and the benches start it; `extra` is added last (LOG_LEVEL, OUTBOX_POLL_MS, …).
 */
export function liveApiEnv(o: LiveApiOptions, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: o.nodeEnv ?? 'production',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: o.redisUrl,
    JWT_SECRET: o.jwtSecret ?? randomBytes(24).toString('hex'),
    INTERNAL_API_KEY: o.internalKey,
    ADMIN_USERNAME: o.adminUsername ?? 'admin',
    ADMIN_PASSWORD: o.adminPassword,
    DC_PROVISIONING_ENABLED: 'true',
    DC_PROVISIONING_DRYRUN: 'false',
    ...extra,
  };
}

/** Starts a built app with `node`, its stdout and stderr appended to `logFile`. */
export function startNode(script: string, env: Record<string, string>, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
}

/** A process's JSON log lines (pino); a line cut short by the process stopping is skipped. */
export function jsonLines(file: string): Array<Record<string, unknown>> {
  if (!existsSync(file)) return [];
  const out: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // cut short by a stop or a kill: not ours to judge
    }
  }
  return out;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((res) => {
    const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
    child.kill('SIGTERM');
  });
}

/** Polls `fn` until it returns something other than undefined; the last error is named on timeout. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  ms: number,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
