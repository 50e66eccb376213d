/**
 * `npm run bench:merge` — how fast libs/csv-merge merges a delta into a devices.csv master.
 * In-process: parse + plan + format (mergeDelta), median of 9 runs after warm-up. As a whole
 * process: `devices-csv merge MASTER DELTA`, median of 5. Writes the "## Merge" section of
 * docs/BENCHMARKS.md. Target (issue 2): < 150 ms in-process for a 100k-line master + 10k delta.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { mergeDelta } from '@app/csv-merge';

import { BENCHMARKS_DOC, writeBenchmarkSection } from './benchmarks-doc';
import { generateMergeInput } from './merge-data';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/devices-csv.js');
const TARGET_MS = 150;
const SIZES = [10_000, 50_000, 100_000];
const RUNS = 9;
const CLI_RUNS = 5;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

interface Row {
  masterLines: number;
  masterBytes: number;
  deltaHosts: number;
  inProcessMs: number;
  minMs: number;
  /** CPU time of the process (all threads, GC included) — less disturbed by other load on the box */
  cpuMs: number;
  cliMs: number;
  patched: number;
  appended: number;
}

async function measure(size: number): Promise<Row> {
  const input = generateMergeInput(size);
  // warm-up (JIT), and a correctness check: the bench must merge something real
  for (let i = 0; i < 3; i++) {
    const plan = mergeDelta(input.master, input.delta);
    if (plan.manualErrors.length > 0) throw new Error(`generated master is invalid: ${plan.manualErrors[0].message}`);
    if (plan.stats.patched + plan.stats.appended !== input.deltaHosts)
      throw new Error('bench merged the wrong number of hosts');
  }
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let stats = mergeDelta(input.master, input.delta).stats;
  for (let i = 0; i < RUNS; i++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    stats = mergeDelta(input.master, input.delta).stats;
    times.push(ms(start));
    const used = process.cpuUsage(cpu);
    cpuTimes.push((used.user + used.system) / 1000);
  }

  const { execa } = await import('execa');
  const dir = mkdtempSync(join(tmpdir(), 'bench-merge-'));
  const cliTimes: number[] = [];
  try {
    const master = join(dir, 'devices.csv');
    const delta = join(dir, 'linbo-docker.devices.csv');
    writeFileSync(master, input.master, 'latin1');
    writeFileSync(delta, input.delta, 'latin1');
    for (let i = 0; i < CLI_RUNS; i++) {
      const start = process.hrtime.bigint();
      const r = await execa('node', [BIN, 'merge', master, delta], { stdout: { file: join(dir, 'out.csv') } });
      cliTimes.push(ms(start));
      if (r.exitCode !== 0) throw new Error(`devices-csv merge exited ${r.exitCode}`);
    }
    if (readFileSync(join(dir, 'out.csv'), 'latin1') !== mergeDelta(input.master, input.delta).master) {
      throw new Error('CLI output differs from the in-process merge');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    masterLines: input.masterLines,
    masterBytes: input.master.length,
    deltaHosts: input.deltaHosts,
    inProcessMs: median(times),
    minMs: Math.min(...times),
    cpuMs: median(cpuTimes),
    cliMs: median(cliTimes),
    patched: stats.patched,
    appended: stats.appended,
  };
}

function section(rows: Row[], load: number[]): string {
  const small = rows[0];
  const big = rows[rows.length - 1];
  const ratio = big.inProcessMs / small.inProcessMs;
  const cpuRatio = big.cpuMs / small.cpuMs;
  const fmt = (n: number) => n.toFixed(1);
  const cpu = cpus();
  return [
    '## Merge',
    '',
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on node ${process.version}, ` +
      `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, load average ${load.map((l) => l.toFixed(1)).join(' / ')} ` +
      'at the start (other work on the machine slows wall-clock figures; CPU time is steadier). ' +
      'Command: `npm run bench:merge` (`bench/merge.ts`, synthetic data from `bench/merge-data.ts`).',
    '',
    'Master: comments every 50th line, blank lines, 5 % CRLF lines, 5 % manual lines with extra columns.',
    'Delta: 10 % of the master size, half of it hosts already in the master (IP changed → patched in place),',
    'half new hosts (appended). In-process = `mergeDelta` (parse + plan + pre-flight validation + format),',
    `median of ${RUNS} runs after 3 warm-up runs; CLI = whole \`devices-csv merge MASTER DELTA\` process`,
    `(node start-up, file read, merge, output written), median of ${CLI_RUNS}.`,
    '',
    '| master lines | delta hosts | patched | appended | in-process median | in-process min | in-process CPU median | CLI process median |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.masterLines.toLocaleString('en')} | ${r.deltaHosts.toLocaleString('en')} | ${r.patched} | ${r.appended} | ` +
        `${fmt(r.inProcessMs)} ms | ${fmt(r.minMs)} ms | ${fmt(r.cpuMs)} ms | ${fmt(r.cliMs)} ms |`,
    ),
    '',
    `Target: < ${TARGET_MS} ms in-process for 100k + 10k — ${big.inProcessMs < TARGET_MS ? 'met' : '**missed**'} ` +
      `(${fmt(big.inProcessMs)} ms wall, ${fmt(big.cpuMs)} ms CPU).`,
    '',
    `Growth ${small.masterLines / 1000}k → ${big.masterLines / 1000}k lines (× ${big.masterLines / small.masterLines}): ` +
      `× ${ratio.toFixed(1)} wall, × ${cpuRatio.toFixed(1)} CPU. The algorithm is linear — one pass per line, every ` +
      'lookup a hash index (lower-cased name in a Map, MAC and IP as numbers in typed-array tables), no scan of ' +
      'other lines per line' +
      (ratio > 11
        ? '; the extra factor over × 10 is memory, not algorithm: the 10k case runs inside the CPU caches and ' +
          `the young generation, the 100k case (${(big.masterBytes / 1e6).toFixed(1)} MB of text) does not. `
        : '. ') +
      'Per 1,000 master lines: ' +
      rows.map((r) => `${fmt(r.inProcessMs / (r.masterLines / 1000))} ms at ${r.masterLines / 1000}k`).join(', ') +
      '.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/apps/devices-csv/src/main.js'))) throw new Error('run `npm run build` first');
  const load = loadavg();
  const rows: Row[] = [];
  for (const size of SIZES) {
    const row = await measure(size);
    rows.push(row);
    console.log(
      `${String(row.masterLines).padStart(7)} lines + ${String(row.deltaHosts).padStart(6)} delta: ` +
        `in-process ${row.inProcessMs.toFixed(1)} ms (min ${row.minMs.toFixed(1)}, CPU ${row.cpuMs.toFixed(1)}), ` +
        `CLI ${row.cliMs.toFixed(1)} ms`,
    );
  }
  const text = section(rows, load);
  // BENCH_MERGE_NO_WRITE=1: print the section only (measuring while working on the merge)
  if (process.env.BENCH_MERGE_NO_WRITE) console.log(`\n${text}`);
  else {
    writeBenchmarkSection('Merge', text);
    console.log(`\n${text}\nwritten to ${BENCHMARKS_DOC}`);
  }
  if (rows[rows.length - 1].inProcessMs >= TARGET_MS) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
