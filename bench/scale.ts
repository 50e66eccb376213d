/**
 * `npm run bench:scale` — GET /hosts, POST /hosts, import and export of the real API (createApp, one
 * process, HTTP on loopback) at 100,000 hosts in 100 rooms (issue 13 "Scale"; without schools yet).
 * Database `linbo_bench_scale` (override: BENCH_SCALE_DATABASE_URL), Redis DB 7 (BENCH_SCALE_REDIS_URL).
 * Writes the "## Scale" section of docs/BENCHMARKS.md with the figures and EXPLAIN of the hot queries.
 */
import 'reflect-metadata';

import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';

import { Client } from 'pg';

import { createApp } from '../apps/api/src/app.factory';
import { AppConfig } from '../apps/api/src/config/app-config';
import { PrismaService } from '../apps/api/src/prisma/prisma.service';
import { benchToken } from './bench-login';
import { writeBenchmarkSection } from './benchmarks-doc';
import { measureFanout } from './scale-fanout';
import { seedHosts } from './seed-hosts';

const ROOT = resolve(__dirname, '../..');
const { ensureDatabase, migrate } = require(join(ROOT, 'scripts/db-migrate.js')) as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void): Promise<number>;
};

const DATABASE_URL = process.env.BENCH_SCALE_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/linbo_bench_scale';
const REDIS_URL = process.env.BENCH_SCALE_REDIS_URL ?? 'redis://127.0.0.1:6379/7';
const HOSTS = Number(process.env.BENCH_SCALE_HOSTS ?? 100_000);
const ROOMS = 100;
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 40);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function call(agent: Agent, port: number, method: string, path: string, token: string, body?: string, type?: string) {
  return new Promise<{ status: number; ms: number; bytes: number }>((done, fail) => {
    const started = process.hrtime.bigint();
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    const req = request({ agent, host: '127.0.0.1', port, path, method, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () =>
        done({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6, bytes }),
      );
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** 100 rooms × HOSTS/100 hosts, one config, a mix of statuses and DHCP hosts, in one SQL statement. */
async function seed(pg: Client, hosts: number): Promise<void> {
  await pg.query('TRUNCATE TABLE hosts, operations, rooms, configs, users CASCADE');
  await seedHosts(pg, { hosts, rooms: ROOMS, statuses: ['synced', 'pending', 'failed', 'synced'] });
}

function importCsv(rows: number, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < rows; i += 1) {
    const n = offset + i;
    const mac = ['02', '44', (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, '03']
      .map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b))
      .join(':');
    lines.push(
      `r${String((i % ROOMS) + 1).padStart(3, '0')};imp${n};win11;${mac};172.16.${Math.floor(n / 250) % 250}.${(n % 250) + 1};;;;;;1;;;;`,
    );
  }
  return lines.join('\n');
}

interface Row {
  name: string;
  p50: number;
  p95: number;
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL, () => undefined);
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  await seed(pg, HOSTS);
  const app = await createApp(
    new AppConfig({
      NODE_ENV: 'test',
      DATABASE_URL,
      REDIS_URL,
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'bench-jwt-secret-0123456789',
      INTERNAL_API_KEY: 'bench-internal-key-0123456789',
      LOGIN_RATE_LIMIT: '1000',
    }),
  );
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    const prisma = app.get(PrismaService);
    const token = await benchToken(prisma, port);
    const room = (await pg.query<{ id: string }>(`SELECT id FROM rooms WHERE name = 'r042'`)).rows[0].id;
    const deep = Math.floor(HOSTS / 20);
    const variants: Array<[string, string]> = [
      ['first page (hostname)', ''],
      ['sort=hostname&order=desc', 'sort=hostname&order=desc'],
      ['sort=ipAddress', 'sort=ipAddress'],
      ['sort=ipAddress&order=desc', 'sort=ipAddress&order=desc'],
      ['sort=createdAt&order=desc', 'sort=createdAt&order=desc'],
      ['sort=updatedAt', 'sort=updatedAt'],
      ['search, one hit (s042-pc0123)', 'search=s042-pc0123'],
      ['search, 1,000 hits (s042-)', 'search=s042-'],
      ['search by MAC (02:00:a4)', 'search=02:00:a4'],
      ['filter roomId', `roomId=${room}`],
      ['filter provisionStatus=failed', 'provisionStatus=failed'],
      ['roomId + sort=ipAddress&order=desc', `roomId=${room}&sort=ipAddress&order=desc`],
      [`deep page ${deep} (last)`, `page=${deep}&limit=20`],
      [`deep page ${deep} sort=ipAddress`, `page=${deep}&limit=20&sort=ipAddress`],
    ];
    for (const [name, qs] of variants) {
      const ms: number[] = [];
      for (let i = 0; i < SAMPLES + 3; i += 1) {
        const res = await call(agent, port, 'GET', `/api/v1/hosts?${qs}`, token);
        if (res.status !== 200) throw new Error(`GET /hosts?${qs} answered ${res.status}`);
        if (i >= 3) ms.push(res.ms);
      }
      rows.push({ name: `GET /hosts ${name}`, p50: pct(ms, 50), p95: pct(ms, 95) });
      console.log(rows[rows.length - 1]);
    }
    let serial = 0;
    const postMs: number[] = [];
    for (let i = 0; i < SAMPLES * 5; i += 1) {
      serial += 1;
      const mac = ['02', '45', '00', (serial >> 8) & 0xff, serial & 0xff, '01']
        .map((b) => (typeof b === 'number' ? b.toString(16).padStart(2, '0') : b))
        .join(':');
      const body = JSON.stringify({
        hostname: `post${serial}`,
        macAddress: mac,
        ipAddress: `192.168.${Math.floor(serial / 250) % 250}.${(serial % 250) + 1}`,
      });
      const res = await call(agent, port, 'POST', '/api/v1/hosts', token, body, 'application/json');
      if (res.status !== 201) throw new Error(`POST /hosts answered ${res.status}`);
      postMs.push(res.ms);
    }
    rows.push({ name: `POST /hosts at ${HOSTS} hosts`, p50: pct(postMs, 50), p95: pct(postMs, 95) });
    const imp = await call(agent, port, 'POST', '/api/v1/import/devices', token, importCsv(5000, 0), 'text/csv');
    if (imp.status !== 200) throw new Error(`import answered ${imp.status}`);
    notes.push(`5,000-line import (all new): ${imp.ms.toFixed(0)} ms`);
    const reMs: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const re = await call(agent, port, 'POST', '/api/v1/import/devices', token, importCsv(1000, 0), 'text/csv');
      if (re.status !== 200) throw new Error(`re-import answered ${re.status}`);
      reMs.push(re.ms);
    }
    notes.push(`re-import of 1,000 unchanged lines: median ${pct(reMs, 50).toFixed(0)} ms of 5`);
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    const exp = await call(agent, port, 'GET', '/api/v1/export/devices', token);
    clearInterval(sampler);
    notes.push(
      `export of ${HOSTS + 5000 + SAMPLES * 5} lines (${(exp.bytes / 1e6).toFixed(1)} MB): ${exp.ms.toFixed(0)} ms, ` +
        `RSS of the process ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB ` +
        '(API and bench client in one process)',
    );
    const config = app.get(AppConfig);
    const second = await createApp(config);
    await second.listen(0, '127.0.0.1');
    try {
      const secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as { port: number }).port}`;
      const fan = await measureFanout([`http://127.0.0.1:${port}`, secondUrl], token);
      notes.push(
        `WebSocket fan-out, ${fan.subscribers} subscribers on 2 replicas (half each), ${fan.events} hosts created ` +
          `through replica 1: ${fan.deliveries} of ${fan.subscribers * fan.events} deliveries, p50 ${fan.p50.toFixed(1)} ms, ` +
          `p95 ${fan.p95.toFixed(1)} ms, max ${fan.max.toFixed(1)} ms from the start of the POST (target p95 ≤ 250 ms)`,
      );
    } finally {
      await second.close();
    }
    const explain: string[] = [];
    for (const [label, sql] of [
      ['deep page, hostname', 'SELECT hostname FROM hosts ORDER BY hostname OFFSET 99980 LIMIT 20'],
      ['IP sort desc', 'SELECT hostname FROM hosts ORDER BY (ip_address::inet) DESC, hostname DESC OFFSET 0 LIMIT 20'],
      [
        'one-hit search',
        "SELECT count(*) FROM hosts WHERE hostname LIKE '%s042-pc0123%' OR mac_address LIKE '%S042-PC0123%' OR ip_address LIKE '%s042-pc0123%'",
      ],
    ] as const) {
      const plan = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`);
      explain.push(`${label}:`, '```', ...plan.rows.map((r) => r['QUERY PLAN']), '```');
    }
    const text = [
      '## Scale',
      '',
      `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on node ${process.version}, ` +
        `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'} (shared with other work). Command: \`npm run bench:scale\` ` +
        `(\`bench/scale.ts\`): ${HOSTS} hosts in ${ROOMS} rooms seeded by SQL, the real app over HTTP, ${SAMPLES} ` +
        'sequential requests per GET variant after 3 warm-up requests, provisioning off.',
      '',
      '| request | p50 | p95 |',
      '|---|---:|---:|',
      ...rows.map((r) => `| ${r.name} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms |`),
      '',
      ...notes.map((n) => `- ${n}`),
      '',
      'EXPLAIN ANALYZE of the hot queries:',
      '',
      ...explain,
      '',
    ].join('\n');
    writeBenchmarkSection('Scale', text);
    console.log(text);
  } finally {
    agent.destroy();
    await app.close();
    await pg.end();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
