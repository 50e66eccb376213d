/**
 * `npm run bench:scale` — GET /hosts, POST /hosts, import, re-import, export and WebSocket fan-out of
 * the built API at 100 schools × 1,000 hosts (issue 13 "Scale"): two API processes (replicas) on one
 * database and Redis, the bench a separate client over HTTP on loopback, so the API's RSS is its own.
 *
 * Two phases, each seeded by SQL and with freshly started replicas: "small" (1 school × 1,000 hosts,
 * the baseline of POST /hosts and of the re-import) and "full" (SCALE_SCHOOLS × SCALE_HOSTS_PER_SCHOOL,
 * default 100 × 1,000). Short mode for trying things: SCALE_SCHOOLS=5; docs/BENCHMARKS.md is written
 * only at the full size (or with SCALE_WRITE=1).
 * Database `linbo_bench_scale[_$LINBO_TEST_NS]` (override: BENCH_SCALE_DATABASE_URL), Redis DB 7 on
 * $LINBO_TEST_REDIS_PORT or 6379 (BENCH_SCALE_REDIS_URL).
 */
import 'reflect-metadata';

import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from 'pg';

import type { ListHostsQueryDto } from '../apps/api/src/hosts/dto/host.dto';
import { countQuery, hostsNamedQuery, listWindow, pageQuery } from '../apps/api/src/hosts/host-list.query';
import { DEEP_PAGE_OFFSET } from '../apps/api/src/hosts/hosts.service';
import { API_MAIN, freePort, liveApiEnv, ROOT, startNode, stopProcess, waitFor } from '../tools/local-stack';
import { writeBenchmarkSection } from './benchmarks-doc';
import { measureFanout } from './scale-fanout';
import { seedHosts } from './seed-hosts';

const { ensureDatabase, migrate } = require(join(ROOT, 'scripts/db-migrate.js')) as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void): Promise<number>;
};

const NS = process.env.LINBO_TEST_NS ? `_${process.env.LINBO_TEST_NS}` : '';
const DATABASE_URL =
  process.env.BENCH_SCALE_DATABASE_URL ?? `postgresql://postgres@127.0.0.1:5432/linbo_bench_scale${NS}`;
const REDIS_URL =
  process.env.BENCH_SCALE_REDIS_URL ?? `redis://127.0.0.1:${process.env.LINBO_TEST_REDIS_PORT ?? 6379}/7`;
const SCHOOLS = Number(process.env.SCALE_SCHOOLS ?? 100);
const PER_SCHOOL = Number(process.env.SCALE_HOSTS_PER_SCHOOL ?? 1000);
const ROOMS_PER_SCHOOL = 10;
const DCS = 4;
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 40);
const FULL = SCHOOLS === 100 && PER_SCHOOL === 1000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const load = () => loadavg()[0].toFixed(1);
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

function call(agent: Agent, port: number, method: string, path: string, token: string, body?: string, type?: string) {
  return new Promise<{ status: number; ms: number; bytes: number; text: string }>((done, fail) => {
    const started = process.hrtime.bigint();
    const headers: Record<string, string | number> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) Object.assign(headers, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    const req = request({ agent, host: '127.0.0.1', port, path, method, headers }, (res) => {
      let bytes = 0;
      const keep: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        // an export body is counted, not kept (the bench's own memory is not the API's)
        if (bytes < 1_000_000) keep.push(c);
      });
      res.on('end', () =>
        done({
          status: res.statusCode ?? 0,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          bytes,
          text: Buffer.concat(keep).toString(),
        }),
      );
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** Resident set size of a process now (Linux /proc). */
function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Empties the host tables and every school and DC but the defaults, then seeds `schools` × `perSchool`. */
async function seed(pg: Client, schools: number, perSchool: number): Promise<void> {
  await pg.query('TRUNCATE TABLE hosts, operations, rooms, configs, users, worker_keys CASCADE');
  await pg.query(`DELETE FROM schools WHERE name <> 'default-school'`);
  await pg.query(`DELETE FROM dcs WHERE id <> 'default'`);
  await seedHosts(pg, {
    hosts: schools * perSchool,
    rooms: schools * ROOMS_PER_SCHOOL,
    statuses: ['synced', 'pending', 'failed', 'synced'],
    schools,
    dcs: DCS,
  });
}

const hex = (b: number) => b.toString(16).padStart(2, '0');

/** `rows` new devices.csv lines of school s000's rooms (imp<n>, MAC 02:44:…, IP 172.16.…). */
function importCsv(rows: number): string {
  const lines: string[] = [];
  for (let n = 0; n < rows; n += 1) {
    const mac = ['02', '44', hex((n >> 16) & 0xff), hex((n >> 8) & 0xff), hex(n & 0xff), '03'].join(':');
    const room = `r${String((n % ROOMS_PER_SCHOOL) + 1).padStart(3, '0')}`;
    lines.push(`${room};imp${n};win11;${mac};172.16.${Math.floor(n / 250) % 250}.${(n % 250) + 1};;;;;;1;;;;`);
  }
  return lines.join('\n');
}

interface Replica {
  child: ChildProcess;
  port: number;
}

async function startReplicas(dir: string, phase: string): Promise<{ replicas: Replica[]; token: string }> {
  const internalKey = randomBytes(24).toString('hex');
  const password = randomBytes(12).toString('hex');
  const jwtSecret = randomBytes(24).toString('hex');
  const replicas: Replica[] = [];
  // one after the other: the first creates the bootstrap admin
  for (let i = 1; i <= 2; i += 1) {
    const port = await freePort();
    const child = startNode(
      API_MAIN,
      liveApiEnv(
        { port, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, internalKey, adminPassword: password, jwtSecret },
        { LOG_LEVEL: 'warn', LOGIN_RATE_LIMIT: '1000' },
      ),
      join(dir, `api-${phase}-${i}.log`),
    );
    replicas.push({ child, port });
    await waitFor(
      `API replica ${i} to be ready`,
      async () => ((await fetch(`http://127.0.0.1:${port}/api/v1/health/ready`)).ok ? true : undefined),
      60_000,
      100,
    );
  }
  const login = await fetch(`http://127.0.0.1:${replicas[0].port}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  const token = ((await login.json()) as { data: { token: string } }).data.token;
  return { replicas, token };
}

interface Row {
  name: string;
  p50: number;
  p95: number;
  load: string;
  target?: string;
}

interface PhaseFigures {
  hosts: number;
  rows: Row[];
  notes: string[];
  postP95: number;
  reimportMs: number;
  importMs: number;
}

async function sample(
  agent: Agent,
  port: number,
  token: string,
  path: string,
  n: number,
  warm = 3,
): Promise<{ p50: number; p95: number; load: string }> {
  const l = load();
  const ms: number[] = [];
  for (let i = 0; i < n + warm; i += 1) {
    const res = await call(agent, port, 'GET', path, token);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${res.text.slice(0, 200)}`);
    if (i >= warm) ms.push(res.ms);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95), load: l };
}

/** POST /hosts into a room of `schoolName` (the school's first room), `count` sequential requests. */
async function postHosts(agent: Agent, port: number, token: string, roomId: string, count: number, tag: string) {
  const l = load();
  const ms: number[] = [];
  for (let serial = 1; serial <= count; serial += 1) {
    const mac = ['02', '45', tag === 'small' ? '00' : '01', hex((serial >> 8) & 0xff), hex(serial & 0xff), '01'].join(
      ':',
    );
    const body = JSON.stringify({
      hostname: `post${tag[0]}${serial}`,
      macAddress: mac,
      ipAddress: `192.168.${Math.floor(serial / 250) % 250}.${(serial % 250) + 1}`,
      roomId,
    });
    const res = await call(agent, port, 'POST', '/api/v1/hosts', token, body, 'application/json');
    if (res.status !== 201) throw new Error(`POST /hosts answered ${res.status}: ${res.text.slice(0, 200)}`);
    ms.push(res.ms);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95), load: l };
}

/** Peak RSS of `pid` while `run` runs, sampled every 5 ms. */
async function rssPeakDuring<T>(pid: number, run: () => Promise<T>): Promise<{ before: number; peak: number; out: T }> {
  const before = rssOf(pid);
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 5);
  try {
    const out = await run();
    return { before, peak: Math.max(peak, rssOf(pid)), out };
  } finally {
    clearInterval(timer);
  }
}

async function importFile(agent: Agent, port: number, token: string, school: string, csv: string) {
  const res = await call(agent, port, 'POST', `/api/v1/import/devices?school=${school}`, token, csv, 'text/csv');
  if (res.status !== 200) throw new Error(`import answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { ms: res.ms, summary: (JSON.parse(res.text) as { data: Record<string, number> }).data };
}

/** Re-import of one school's own export (1,000 lines, every one unchanged): median of 5. */
async function reimport(agent: Agent, port: number, token: string, school: string) {
  const exp = await call(agent, port, 'GET', `/api/v1/export/devices?school=${school}`, token);
  const ms: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const r = await importFile(agent, port, token, school, exp.text);
    if (r.summary.skipped !== PER_SCHOOL || r.summary.created + r.summary.updated + r.summary.failed !== 0) {
      throw new Error(`re-import of ${school} did not skip every line: ${JSON.stringify(r.summary)}`);
    }
    ms.push(r.ms);
  }
  return pct(ms, 50);
}

async function runPhase(pg: Client, dir: string, phase: 'small' | 'full', schools: number): Promise<PhaseFigures> {
  const hosts = schools * PER_SCHOOL;
  const seedStart = Date.now();
  await seed(pg, schools, PER_SCHOOL);
  console.log(`[${phase}] seeded ${hosts} hosts in ${Date.now() - seedStart} ms (load ${load()})`);
  const { replicas, token } = await startReplicas(dir, phase);
  const [r1, r2] = replicas;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const rows: Row[] = [];
  const notes: string[] = [];
  const push = (row: Row) => {
    rows.push(row);
    console.log(`[${phase}]`, row);
  };
  try {
    const school = schools > 42 ? 's042' : `s${String(schools - 1).padStart(3, '0')}`;
    const room = (
      await pg.query<{ id: string }>(
        `SELECT r.id FROM rooms r JOIN schools s ON s.id = r.school_id WHERE s.name = $1 AND r.name = 'r004'`,
        [school],
      )
    ).rows[0].id;
    if (phase === 'full') {
      const deep = Math.floor(hosts / 20);
      const oneHit = `${school}-pc0123`;
      const variants: Array<[string, string]> = [
        ['first page (sort=hostname)', ''],
        ['sort=hostname&order=desc', 'sort=hostname&order=desc'],
        ['sort=ipAddress', 'sort=ipAddress'],
        ['sort=ipAddress&order=desc', 'sort=ipAddress&order=desc'],
        ['sort=createdAt', 'sort=createdAt'],
        ['sort=createdAt&order=desc', 'sort=createdAt&order=desc'],
        ['sort=updatedAt', 'sort=updatedAt'],
        ['sort=updatedAt&order=desc', 'sort=updatedAt&order=desc'],
        [`search, one hit (${oneHit})`, `search=${oneHit}`],
        [`search, 1,000 hits (${school}-)`, `search=${school}-`],
        ['search by MAC (02:00:a4)', 'search=02:00:a4'],
        [`filter school=${school}`, `school=${school}`],
        [`school=${school}&sort=ipAddress&order=desc`, `school=${school}&sort=ipAddress&order=desc`],
        [`school=${school}&sort=updatedAt`, `school=${school}&sort=updatedAt`],
        ['filter roomId', `roomId=${room}`],
        ['roomId + sort=ipAddress&order=desc', `roomId=${room}&sort=ipAddress&order=desc`],
        ['filter provisionStatus=failed', 'provisionStatus=failed'],
        [`school=${school}&search=pc01 (10 hits)`, `school=${school}&search=pc01`],
        [`deep page ${deep} (last)`, `page=${deep}&limit=20`],
        [`deep page ${deep / 2} (the middle, the most rows to skip)`, `page=${deep / 2}&limit=20`],
        [`deep page ${deep / 2} sort=ipAddress&order=desc`, `page=${deep / 2}&limit=20&sort=ipAddress&order=desc`],
        [`deep page ${deep} sort=ipAddress`, `page=${deep}&limit=20&sort=ipAddress`],
        [`deep page ${deep} sort=updatedAt&order=desc`, `page=${deep}&limit=20&sort=updatedAt&order=desc`],
        [`school=${school} last page (50)`, `school=${school}&page=50&limit=20`],
      ];
      for (const [name, qs] of variants) {
        push({
          name: `GET /hosts ${name}`,
          ...(await sample(agent, r1.port, token, `/api/v1/hosts?${qs}`, SAMPLES)),
          target: '≤ 50 ms',
        });
      }
    } else {
      push({
        name: 'GET /hosts first page (sort=hostname)',
        ...(await sample(agent, r1.port, token, '/api/v1/hosts', SAMPLES)),
      });
    }

    // before the POSTs, which add hosts to this school
    const reLoad = load();
    const reimportMs = await reimport(agent, r1.port, token, school);
    push({
      name: `re-import of ${school}'s export (1,000 unchanged lines), median of 5`,
      p50: reimportMs,
      p95: NaN,
      load: reLoad,
    });

    const post = await postHosts(agent, r1.port, token, room, SAMPLES * 5, phase);
    push({ name: `POST /hosts (room of ${school})`, ...post });

    const impLoad = load();
    const imp = await importFile(agent, r1.port, token, 's000', importCsv(5000));
    if (imp.summary.created !== 5000) throw new Error(`5,000-line import: ${JSON.stringify(imp.summary)}`);
    notes.push(
      `[${hosts} hosts] 5,000-line import into s000 (all new, ${imp.summary.jobsQueued} jobs queued): ` +
        `${imp.ms.toFixed(0)} ms (load ${impLoad})`,
    );

    const one = await rssPeakDuring(r1.child.pid as number, () =>
      call(agent, r1.port, 'GET', `/api/v1/export/devices?school=${school}`, token),
    );
    notes.push(
      `[${hosts} hosts] GET /export/devices?school=${school} (${one.out.bytes} bytes): ${one.out.ms.toFixed(0)} ms, ` +
        `API RSS ${mib(one.before)} before, peak ${mib(one.peak)} (load ${load()})`,
    );
    // three times in a row: a streamed export's RSS levels off (garbage not yet collected), one
    // that holds the file grows again with each copy
    const allRuns: string[] = [];
    let allBytes = 0;
    for (let i = 0; i < 3; i += 1) {
      const all = await rssPeakDuring(r1.child.pid as number, () =>
        call(agent, r1.port, 'GET', '/api/v1/export/hosts', token),
      );
      allBytes = all.out.bytes;
      allRuns.push(`${all.out.ms.toFixed(0)} ms, RSS ${mib(all.before)} → peak ${mib(all.peak)}`);
    }
    notes.push(
      `[${hosts} hosts] GET /export/hosts, all schools (${(allBytes / 1e6).toFixed(1)} MB), three in a row: ` +
        `${allRuns.join('; ')} (load ${load()})`,
    );
    const big = await rssPeakDuring(r1.child.pid as number, () =>
      call(agent, r1.port, 'GET', `/api/v1/export/devices?school=s000`, token),
    );
    notes.push(
      `[${hosts} hosts] GET /export/devices?school=s000 (${PER_SCHOOL + 5000} lines, ${(big.out.bytes / 1e6).toFixed(1)} MB): ` +
        `${big.out.ms.toFixed(0)} ms, API RSS ${mib(big.before)} before, peak ${mib(big.peak)}`,
    );

    if (phase === 'full') {
      const fanLoad = load();
      const fan = await measureFanout([`http://127.0.0.1:${r1.port}`, `http://127.0.0.1:${r2.port}`], token);
      notes.push(
        `WebSocket fan-out, ${fan.subscribers} subscribers on 2 API processes (half each), ${fan.events} hosts created ` +
          `through replica 1: ${fan.deliveries} of ${fan.subscribers * fan.events} deliveries, p50 ${fan.p50.toFixed(1)} ms, ` +
          `p95 ${fan.p95.toFixed(1)} ms, max ${fan.max.toFixed(1)} ms from the start of the POST (target p95 ≤ 250 ms; load ${fanLoad})`,
      );
      if (fan.deliveries !== fan.subscribers * fan.events) throw new Error('fan-out lost deliveries');
    }
    return { hosts, rows, notes, postP95: post.p95, reimportMs, importMs: imp.ms };
  } finally {
    agent.destroy();
    await Promise.all(replicas.map((r) => stopProcess(r.child)));
  }
}

/**
 * The lines of a plan that say what grows with what: the scans and sorts with their actual rows,
 * heap fetches, the top node's buffers and the execution time; nodes run once per returned row (the
 * page's 20 rows joined to their room, config and school) are left out, long literal lists shortened.
 */
export function summarisePlan(lines: string[]): string[] {
  const keep = /Scan|Sort|Limit|Aggregate|Heap Fetches|Rows Removed|Index Cond|Filter|Execution Time|Planning Time/;
  let joinDepth = Infinity;
  const out: string[] = [];
  lines.forEach((line, i) => {
    const depth = line.search(/\S/);
    // the page's join to hosts/schools/rooms/configs: a probe per row returned, same at any table size
    if (/->/.test(line) && /loops=\d\d+\)/.test(line)) {
      joinDepth = depth;
      return;
    }
    if (depth > joinDepth) return;
    joinDepth = Infinity;
    if (i === 1 && /Buffers/.test(line)) out.push(line);
    else if (keep.test(line)) out.push(line.replace(/'\{[^}]{60,}\}'/g, (m) => `'{…${m.split(',').length} values…}'`));
  });
  return out;
}

/** EXPLAIN (ANALYZE, BUFFERS) of the API's own list SQL (host-list.query.ts) and of the re-import look-up. */
async function explainHotQueries(pg: Client): Promise<string[]> {
  const school = SCHOOLS > 42 ? 's042' : `s${String(SCHOOLS - 1).padStart(3, '0')}`;
  const schoolRow = (
    await pg.query<{ id: string; dc_id: string }>('SELECT id, dc_id FROM schools WHERE name = $1', [school])
  ).rows[0];
  const q = (over: Partial<ListHostsQueryDto>) =>
    ({ page: 1, limit: 20, sort: 'hostname', order: 'asc', ...over }) as ListHostsQueryDto;
  const deep = Math.floor((SCHOOLS * PER_SCHOOL) / 20);
  const out: string[] = [];
  const explain = async (label: string, text: string, values: unknown[]) => {
    const plan = await pg.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, values);
    out.push(`${label}:`, '```', ...summarisePlan(plan.rows.map((r) => r['QUERY PLAN'])), '```');
  };
  const lists: Array<[string, Partial<ListHostsQueryDto>]> = [
    ['page 1, sort=hostname', {}],
    ['page 1, sort=ipAddress&order=desc', { sort: 'ipAddress', order: 'desc' }],
    ['page 1, sort=createdAt&order=desc', { sort: 'createdAt', order: 'desc' }],
    ['page 1, sort=updatedAt', { sort: 'updatedAt' }],
    [`page ${deep} (last), sort=hostname`, { page: deep }],
    [
      `page ${Math.floor(deep / 2)} (the middle: the deepest skip), sort=ipAddress`,
      { page: Math.floor(deep / 2), sort: 'ipAddress' },
    ],
    [`school=${school}&sort=ipAddress&order=desc`, { school, sort: 'ipAddress', order: 'desc' }],
    [`one-hit search ${school}-pc0123`, { search: `${school}-pc0123` }],
  ];
  const total = (await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM hosts')).rows[0].n;
  for (const [label, over] of lists) {
    // a deep page as HostsService.list reads it: counted first, then from the nearer end
    const query = q(over);
    const deepPage = (query.page - 1) * query.limit >= DEEP_PAGE_OFFSET;
    const page = pageQuery(query, deepPage ? (listWindow(query, total) ?? undefined) : undefined);
    await explain(`GET /hosts ${label}: the page`, page.text, page.values);
  }
  for (const [label, over] of [
    ['every host', {}],
    [`one-hit search ${school}-pc0123`, { search: `${school}-pc0123` }],
  ] as const) {
    const count = countQuery(q(over));
    await explain(`GET /hosts ${label}: the total`, count.text, count.values);
  }
  // ImportService.hostsNamedIn's look-up (hostsNamedQuery) for the 1,000 lines of one school's export
  const file = await pg.query<{ hostname: string; mac_address: string; ip_address: string | null }>(
    'SELECT hostname, mac_address, ip_address FROM hosts WHERE school_id = $1',
    [schoolRow.id],
  );
  const named = hostsNamedQuery(
    file.rows.map((r) => r.hostname),
    file.rows.map((r) => r.mac_address),
    file.rows.map((r) => r.ip_address).filter((ip): ip is string => ip !== null),
    { id: schoolRow.id, dcId: schoolRow.dc_id },
  );
  await explain(
    `re-import look-up of ${school}'s ${file.rows.length} lines (hostsNamedQuery)`,
    named.text,
    named.values,
  );
  return out;
}

async function main(): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL, () => undefined);
  const pg = new Client({ connectionString: DATABASE_URL });
  await pg.connect();
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const started = new Date();
  const loadStart = loadavg();
  try {
    const small = await runPhase(pg, dir, 'small', 1);
    const full = await runPhase(pg, dir, 'full', SCHOOLS);
    const explain = await explainHotQueries(pg);
    const loadEnd = loadavg();
    const ratio = full.postP95 / small.postP95;
    const table = (f: PhaseFigures) =>
      f.rows.map(
        (r) =>
          `| ${r.name} | ${r.p50.toFixed(1)} ms | ${Number.isNaN(r.p95) ? '–' : `${r.p95.toFixed(1)} ms`} | ${r.target ?? ''} | ${r.load} |`,
      );
    const text = [
      '## Scale',
      '',
      `Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on node ${process.version}, ` +
        `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'} shared with other agents' work; load average ` +
        `${loadStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${loadEnd.map((x) => x.toFixed(2)).join(' ')} at the end ` +
        '(the 1-minute load at the start of each row in the last column). ' +
        `Command: \`npm run bench:scale\` (\`bench/scale.ts\`): ${SCHOOLS} schools × ${PER_SCHOOL} hosts ` +
        `(${ROOMS_PER_SCHOOL} rooms each, ${DCS} DCs) seeded by SQL; two API processes (the built \`dist\`, ` +
        'provisioning on as deployed, no worker) on one PostgreSQL and Redis; the bench is a third process ' +
        `sending sequential HTTP requests on loopback, ${SAMPLES} per GET variant after 3 warm-up requests. ` +
        'What grows with what, and the fixes behind these figures: [SCALE.md](SCALE.md).',
      '',
      `### ${full.hosts} hosts`,
      '',
      '| request | p50 | p95 | target | load |',
      '|---|---:|---:|---|---:|',
      ...table(full),
      '',
      `### ${small.hosts} hosts (1 school; the baseline)`,
      '',
      '| request | p50 | p95 | target | load |',
      '|---|---:|---:|---|---:|',
      ...table(small),
      '',
      `- POST /hosts p95 at ${full.hosts} hosts / at ${small.hosts}: ${ratio.toFixed(2)}× (target ≤ 1.5×)`,
      `- re-import of 1,000 unchanged lines: ${small.reimportMs.toFixed(0)} ms at ${small.hosts} hosts, ` +
        `${full.reimportMs.toFixed(0)} ms at ${full.hosts} hosts`,
      ...[...small.notes, ...full.notes].map((n) => `- ${n}`),
      '',
      'EXPLAIN (ANALYZE, BUFFERS) of the hot queries, at the full size after the run — the list SQL is ' +
        "the API's own (`pageQuery`/`countQuery` of `apps/api/src/hosts/host-list.query.ts`):",
      '',
      ...explain,
      '',
    ].join('\n');
    console.log(text);
    if (FULL || process.env.SCALE_WRITE === '1') writeBenchmarkSection('Scale', text);
    else console.log('(short mode: docs/BENCHMARKS.md not written)');
  } finally {
    await pg.end();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
