/**
 * `npm run bench:api` — POST /hosts throughput and latency of the real API over HTTP on loopback,
 * with provisioning off and on side by side (on = every create also writes its Operation in the
 * same transaction and the outbox relay XADDs it to Redis, DOMAIN.md §8), plus a 200-row devices.csv
 * import. Database `linbo_bench` (recreated), Redis DB 6 (flushed). Writes the "## API" section of
 * docs/BENCHMARKS.md. Target (issue 3): provisioning costs ≤ 30 % of the throughput.
 */
import 'reflect-metadata';

import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

import Redis from 'ioredis';
import { Client } from 'pg';

import { createApp } from '../apps/api/src/app.factory';
import { AppConfig } from '../apps/api/src/config/app-config';
import { PrismaService } from '../apps/api/src/prisma/prisma.service';
import { benchToken } from './bench-login';
import { writeBenchmarkSection } from './benchmarks-doc';

const ROOT = resolve(__dirname, '../..');
const { ensureDatabase, migrate } = require(join(ROOT, 'scripts/db-migrate.js')) as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void): Promise<number>;
};

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/linbo_bench';
const REDIS_URL = 'redis://127.0.0.1:6379/6';
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
// each mode runs REQUESTS / ROUNDS per round; rounds alternate off/on so load from other processes on
// the machine hits both modes alike (4 pairs: one disturbed pair no longer decides the verdict)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const WARMUP = 100;
const IMPORT_ROWS = 200;
const IMPORT_RUNS = 3;
const TARGET_OVERHEAD = 0.3;

interface Stats {
  mode: 'off' | 'on';
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
  importMs: number[];
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const median = (xs: number[]) => percentile(xs, 50);

function post(agent: Agent, port: number, path: string, token: string, body: string, type = 'application/json') {
  return new Promise<{ status: number; ms: number }>((done, fail) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), Authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

let serial = 0;
function hostBody(): string {
  serial += 1;
  const n = serial;
  const mac = [0x02, 0x42, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, 0x01]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
  // ≤ 15 chars; IPs 10.x.y.z with z in 1..250
  return JSON.stringify({
    hostname: `b${n.toString(36)}`,
    macAddress: mac,
    ipAddress: `10.${(n >> 16) & 0xff}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`,
  });
}

function devicesCsv(rows: number, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i += 1) {
    const n = offset + i;
    const mac = ['02', '43', (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, '02']
      .map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b))
      .join(':');
    lines.push(`r${i % 8};imp${n};win11;${mac};172.16.${Math.floor(n / 250) % 250}.${(n % 250) + 1};;;;;;1;;;;`);
  }
  return lines.join('\n');
}

async function resetDatabase(): Promise<void> {
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  await pg.query('TRUNCATE TABLE hosts, operations, rooms, configs, users CASCADE');
  await pg.end();
}

/** Runs `count` POSTs with `CONCURRENCY` in flight; returns latencies and failures. */
async function load(
  agent: Agent,
  port: number,
  token: string,
  count: number,
): Promise<Omit<Stats, 'mode' | 'importMs'>> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const res = await post(agent, port, '/api/v1/hosts', token, hostBody());
      if (res.status === 201) latencies.push(res.ms);
      else errors += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { requests: count, seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, errors };
}

async function round(mode: 'off' | 'on', count: number, withImport: boolean): Promise<Stats> {
  await resetDatabase();
  const app = await createApp(
    new AppConfig({
      NODE_ENV: 'test',
      DATABASE_URL,
      REDIS_URL,
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'bench-jwt-secret-0123456789',
      INTERNAL_API_KEY: 'bench-internal-key-0123456789',
      LOGIN_RATE_LIMIT: '1000',
      DC_PROVISIONING_ENABLED: mode === 'on' ? 'true' : 'false',
    }),
  );
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    const prisma = app.get(PrismaService);
    const token = await benchToken(prisma, port);
    await load(agent, port, token, WARMUP);
    const measured = await load(agent, port, token, count);
    const importMs: number[] = [];
    if (withImport) {
      for (let i = 0; i < IMPORT_RUNS; i += 1) {
        const res = await post(
          agent,
          port,
          '/api/v1/import/devices',
          token,
          devicesCsv(IMPORT_ROWS, i * IMPORT_ROWS),
          'text/csv',
        );
        if (res.status !== 200) throw new Error(`import answered ${res.status}`);
        importMs.push(res.ms);
      }
      const hosts = await prisma.host.count({ where: { hostname: { startsWith: 'imp' } } });
      if (hosts !== IMPORT_ROWS * IMPORT_RUNS) throw new Error(`import created ${hosts} hosts`);
    }
    if (mode === 'on') {
      // the bench must measure real work: every create wrote its job
      const ops = await prisma.operation.count();
      if (ops < count) throw new Error(`provisioning on but only ${ops} operations for ${count} creates`);
    }
    return { mode, ...measured, importMs };
  } finally {
    agent.destroy();
    await app.close();
  }
}

function merge(rounds: Stats[], mode: 'off' | 'on'): Stats {
  const mine = rounds.filter((r) => r.mode === mode);
  return {
    mode,
    requests: mine.reduce((a, r) => a + r.requests, 0),
    seconds: mine.reduce((a, r) => a + r.seconds, 0),
    latencies: mine.flatMap((r) => r.latencies),
    errors: mine.reduce((a, r) => a + r.errors, 0),
    importMs: mine.flatMap((r) => r.importMs),
  };
}

/** 1 − on/off throughput of each off round and the on round right after it. */
function pairCosts(rounds: Stats[], rps: (s: Stats) => number): number[] {
  const costs: number[] = [];
  for (let i = 0; i + 1 < rounds.length; i += 2) costs.push(1 - rps(rounds[i + 1]) / rps(rounds[i]));
  return costs;
}

function section(off: Stats, on: Stats, redisStreamLength: number, rounds: Stats[]): string {
  const rps = (s: Stats) => s.latencies.length / s.seconds;
  const overhead = 1 - rps(on) / rps(off);
  const row = (s: Stats) =>
    `| ${s.mode} | ${s.requests} | ${CONCURRENCY} | ${rps(s).toFixed(0)} req/s | ${median(s.latencies).toFixed(1)} ms | ` +
    `${percentile(s.latencies, 99).toFixed(1)} ms | ${s.errors} | ${median(s.importMs).toFixed(0)} ms |`;
  const verdict = overhead <= TARGET_OVERHEAD ? 'met' : '**missed**';
  return [
    '## API',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on node ${process.version}, ` +
      `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, PostgreSQL and Redis on the same machine. ` +
      'Command: `npm run bench:api` (`bench/api.ts`).',
    '',
    `The real app (createApp, one process) over HTTP on loopback with keep-alive: ${WARMUP} warm-up requests, then ` +
      `POST /hosts (unique hostname, MAC and IP each) at concurrency ${CONCURRENCY}, ${ROUNDS} rounds per mode ` +
      'alternating off/on after one unmeasured off/on pair (fresh database each round). "on" = `DC_PROVISIONING_ENABLED=true`: the Operation is written ' +
      'in the same transaction (outbox) and the relay XADDs it to `linbo:jobs` ' +
      `(${redisStreamLength} stream entries at the end of the last "on" round). Import = POST /import/devices with ` +
      `${IMPORT_ROWS} new rows (8 rooms, 1 config created on demand), median of ${IMPORT_RUNS}.`,
    '',
    '| provisioning | requests | concurrency | throughput | p50 | p99 | errors | import 200 rows |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row(off),
    row(on),
    '',
    `Per round, in run order: ${rounds.map((r) => `${r.mode} ${rps(r).toFixed(0)}`).join(', ')} req/s; ` +
      `cost per off/on pair: ${pairCosts(rounds, rps)
        .map((c) => `${(c * 100).toFixed(0)} %`)
        .join(', ')}.`,
    '',
    `Provisioning costs ${(overhead * 100).toFixed(1)} % of the throughput — target ≤ ${TARGET_OVERHEAD * 100} %: ${verdict}. ` +
      `Import target < 3 s for ${IMPORT_ROWS} rows: ${median(on.importMs) < 3000 ? 'met' : '**missed**'} with provisioning on.`,
    '',
    'Where the difference goes: with provisioning off a create is BEGIN, the duplicate pre-check, the INSERT ' +
      '(… RETURNING, no re-read) and COMMIT. On inserts the host already pending with the id of its job ' +
      '(`ProvisioningService.pendingMark()`) and adds one statement, the INSERT of the operation: a host inserted ' +
      'in the same transaction has nothing to lock or supersede, so `enqueueHostChange({ inserted: true })` skips ' +
      "the host row lock and both look-ups of the host's operations (updates and deletes still take them, DOMAIN.md §8). " +
      "The rest is the outbox relay's work after the commit (BEGIN, advisory lock, SELECT … FOR UPDATE SKIP " +
      'LOCKED, pipelined XADDs, one UPDATE, COMMIT) on the same 2 cores. `OutboxRelay.wake()` coalesces: an idle ' +
      'relay publishes at once, commits during a pass share one more pass 10 ms after it, so under this load one ' +
      'pass carries many operations instead of one pass per request (before both changes: 297 vs 135 req/s, ' +
      '55 % cost). A run with the relay woken only by its 1 s poll cost about 20 %: the extra INSERT (one more ' +
      'Prisma query, roughly a fifth of the CPU of a create) is most of what is left, the relay about 10 points. ' +
      'The next step, if the target must hold with margin, is one statement for host and operation (a CTE). ' +
      'The figures are noisy on this shared 2-core machine (other suites run beside the bench, see the per-pair ' +
      'costs): with 2 rounds per mode, runs of this code on 2026-11-25 20:26–20:40 UTC gave a cost between 3 % ' +
      'and 33 %, so the bench now alternates 4 measured pairs after an unmeasured one.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL, () => undefined);
  const redis = new Redis(REDIS_URL);
  const rounds: Stats[] = [];
  let streamLength = 0;
  try {
    const perRound = Math.ceil(REQUESTS / ROUNDS);
    // one unmeasured pair first: the process's JIT warms up here, not in the first measured "off" round
    for (const mode of ['off', 'on'] as const) {
      await redis.flushdb();
      await round(mode, perRound, false);
    }
    for (let i = 0; i < ROUNDS; i += 1) {
      for (const mode of ['off', 'on'] as const) {
        await redis.flushdb();
        const r = await round(mode, perRound, i === ROUNDS - 1);
        if (mode === 'on') streamLength = await redis.xlen('linbo:jobs');
        console.log(`${mode}: ${r.requests} requests in ${r.seconds.toFixed(2)} s, ${r.errors} errors`);
        rounds.push(r);
      }
    }
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  const off = merge(rounds, 'off');
  const on = merge(rounds, 'on');
  if (off.errors + on.errors > 0) throw new Error(`${off.errors + on.errors} requests failed`);
  const text = section(off, on, streamLength, rounds);
  writeBenchmarkSection('API', text);
  console.log(text);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
