// Worker hardening against the real worker process (Redis DB 3, fake DC, fake internal API):
// devices.csv bytes kept exactly (Latin-1 and UTF-8 alike), a `running` report answered for an
// operation cancelled meanwhile, and other schools' files that would block sophomorix (DOMAIN.md §2).
import * as fs from 'node:fs';

import { freePort, manualLine, useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(60_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const utf8 = (s: string) => Buffer.from(s, 'utf8');

describe('devices.csv bytes (DOMAIN.md §9: untouched lines byte for byte)', () => {
  it('a master with Latin-1 bytes (0xE4) and UTF-8 text survives a batch byte for byte; a patched line keeps its comment bytes', async () => {
    const adoptedBefore = manualLine('r200', 'manual01', '00:AA:00:00:00:01', '10.0.200.1', 'Lehrerzimmer M\xe4rz');
    const master = Buffer.concat([
      latin1('# Ger\xe4te der Schule (Latin-1 from an old server)\n'),
      utf8('# Schüler-PCs — UTF-8 ✓\n'),
      latin1(`${adoptedBefore}\n`),
      utf8(`${manualLine('r200', 'manual02', '00:AA:00:00:00:02', '10.0.200.2', 'Büro ✓')}\r\n`),
      latin1('\n# \xff\xfe\xe4\xf6\xfc\xdf end\n'),
    ]);
    expect(master.includes(0xe4)).toBe(true);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(master)).toThrow();
    env = await WorkerEnv.create(build.main);
    fs.writeFileSync(env.dc.masterPath(), master);
    const create = env.api.addProvision('create', {
      hostname: 'pc01',
      macAddress: '00:11:22:33:44:01',
      ipAddress: '10.0.100.1',
    });
    // same name and MAC as the manual line: adopted, its IP patched in place (DOMAIN.md §9 merge rules)
    const adopt = env.api.addProvision('update', {
      hostname: 'manual01',
      macAddress: '00:AA:00:00:00:01',
      ipAddress: '10.0.200.11',
      room: 'r200',
    });
    env.spawn();
    await env.publish(create);
    await env.publish(adopt);
    for (const op of [create, adopt]) {
      const done = await env.waitStatus(op.id, ['completed', 'failed']);
      expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    }

    const after = fs.readFileSync(env.dc.masterPath());
    const adoptedAfter = manualLine('r200', 'manual01', '00:AA:00:00:00:01', '10.0.200.11', 'Lehrerzimmer M\xe4rz');
    const expected = Buffer.concat([
      latin1(master.toString('latin1').replace(adoptedBefore, adoptedAfter)),
      latin1('r100;pc01;win10;00:11:22:33:44:01;10.0.100.1;;;;classroom-studentcomputer;;1;;;;\n'),
    ]);
    expect(after.equals(expected)).toBe(true);
    expect(fs.readFileSync(`${env.dc.masterPath()}.bak.1`).equals(master)).toBe(true);
    expect(env.dc.importRuns()).toHaveLength(1);
  });
});

describe('a running report for an operation cancelled meanwhile (DOMAIN.md §8)', () => {
  it('the 200 carrying `cancelled` is not taken as running: the job is ACKed and not run; the rest of the batch is', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const stale = env.api.addProvision('create', {
      hostname: 'pc50',
      macAddress: '00:11:22:33:44:50',
      ipAddress: '10.0.100.50',
    });
    const live = env.api.addProvision('create', {
      hostname: 'pc51',
      macAddress: '00:11:22:33:44:51',
      ipAddress: '10.0.100.51',
    });
    env.api.cancelBeforeRunning.add(stale.id);
    const w = env.spawn();
    await env.publish(stale);
    await env.publish(live);
    await env.waitStatus(live.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'both entries ACKed');

    expect(env.api.status(stale.id)).toBe('cancelled');
    const reports = env.api.reports.filter((r) => r.id === stale.id);
    // exactly the running report, answered like the real API (200, no change) — nothing after it
    expect(reports.map((r) => [r.body.status, r.answered, r.from, r.to])).toEqual([
      ['running', 200, 'cancelled', 'cancelled'],
    ]);
    const master = env.dc.readMaster();
    expect(master).not.toContain('pc50');
    expect(master).toContain(';pc51;');
    expect(env.dc.computer('PC50$')).toBeUndefined();
    expect(w.logs.some((l) => l.operationId === stale.id && l.msg === 'job skipped')).toBe(true);
  });
});

describe("other schools' devices files (DOMAIN.md §2: sophomorix reads all of them)", () => {
  const schoolFile = (bad: string) =>
    `# school north\n${manualLine('r1', 'n01', '00:BB:00:00:00:01', '10.1.0.1')}\n${bad}\n`;

  it('a bad line in another school blocks the batch: failed CSV_MANUAL_LINE_INVALID naming that file and line, no import; after the fix the retry syncs', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    env.dc.writeMaster(
      schoolFile('r1;n02;win10;00:BB:00:00:00:02;10.1.0.2;;;;classroom-studentcomputer;;;;;;'),
      'north',
    );
    const northBefore = fs.readFileSync(env.dc.masterPath('north'));
    const op = env.api.addProvision('create', {
      hostname: 'pc60',
      macAddress: '00:11:22:33:44:60',
      ipAddress: '10.0.100.60',
    });
    env.spawn();
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^CSV_MANUAL_LINE_INVALID: another school's devices file blocks the import/);
    expect(done.error).toContain(`${env.dc.masterPath('north')}:3: `);
    expect(done.error).toMatch(/pxe/i);
    expect(env.dc.importRuns()).toHaveLength(0);
    expect(env.dc.readMaster()).toBe('# devices\n');
    expect(fs.existsSync(env.deltaPath)).toBe(false);
    expect(fs.readFileSync(env.dc.masterPath('north')).equals(northBefore)).toBe(true);
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');

    env.dc.writeMaster(schoolFile(manualLine('r1', 'n02', '00:BB:00:00:00:02', '10.1.0.2')), 'north');
    await env.publish(env.api.retry(op.id));
    const retried = await env.waitStatus(op.id, ['completed', 'failed']);
    expect({ status: retried.status, error: retried.error }).toEqual({ status: 'completed', error: null });
    expect(env.dc.importRuns()).toHaveLength(1);
  });

  it("a MAC already used in another school's file (sophomorix keeps one MAC table) fails only that job, naming the file; the rest of the batch syncs", async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    env.dc.writeMaster(schoolFile(manualLine('r1', 'n02', '00:11:22:33:44:61', '10.1.0.2')), 'north');
    const clash = env.api.addProvision('create', {
      hostname: 'pc61',
      macAddress: '00:11:22:33:44:61',
      ipAddress: '10.0.100.61',
    });
    const fine = env.api.addProvision('create', {
      hostname: 'pc62',
      macAddress: '00:11:22:33:44:62',
      ipAddress: '10.0.100.62',
    });
    env.spawn();
    await env.publish(clash);
    await env.publish(fine);
    const done = await env.waitStatus(clash.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^CSV_CONFLICT: MAC 00:11:22:33:44:61 of pc61 is already used by host n02 in /);
    expect(done.error).toContain(`${env.dc.masterPath('north')}:3 `);
    const other = await env.waitStatus(fine.id, ['completed', 'failed']);
    expect({ status: other.status, error: other.error }).toEqual({ status: 'completed', error: null });
    expect(env.dc.importRuns()).toHaveLength(1);
    const master = env.dc.readMaster();
    expect(master).toContain(';pc62;');
    expect(master).not.toContain(';pc61;');
  });
});

describe('Prometheus metrics (METRICS_PORT, issue 5)', () => {
  /** One sample's value from the text format, e.g. value(text, 'linbo_worker_batches_total', {outcome: 'completed'}). */
  function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
    for (const line of text.split('\n')) {
      const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
    }
    return undefined;
  }

  it('after a batch /metrics shows the batch, the import duration, the jobs and the stream gauges; /health answers; closed on SIGTERM', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const ops = [70, 71].map((n) =>
      env!.api.addProvision('create', {
        hostname: `pc${n}`,
        macAddress: `00:11:22:33:44:${n}`,
        ipAddress: `10.0.100.${n}`,
      }),
    );
    const w = env.spawn({ METRICS_PORT: String(port) });
    for (const op of ops) await env.publish(op);
    for (const op of ops) await env.waitStatus(op.id, 'completed');

    const health = await waitFor(
      async () => (await fetch(`${base}/health`)).json() as Promise<{ status: string }>,
      '/health',
    );
    expect(health.status).toBe('ok');
    // the counters move after the status reports are stored: scrape until the batch is counted
    const text = await waitFor(async () => {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const body = await res.text();
      return sample(body, 'linbo_worker_batches_total', { school: 'default-school', outcome: 'completed' }) === 1
        ? body
        : null;
    }, 'batch counted in /metrics');
    expect(sample(text, 'linbo_worker_import_duration_seconds_count', { school: 'default-school' })).toBe(1);
    expect(sample(text, 'linbo_worker_import_duration_seconds_sum', { school: 'default-school' })).toBeGreaterThan(0);
    expect(sample(text, 'linbo_worker_batch_size_sum')).toBe(2);
    expect(sample(text, 'linbo_worker_jobs_total', { status: 'completed' })).toBe(2);
    expect(sample(text, 'linbo_worker_verify_failures_total')).toBe(0);
    expect(sample(text, 'linbo_worker_stream_pending')).toBe(0);
    expect(sample(text, 'linbo_worker_stream_lag')).toBe(0);
    expect(sample(text, 'linbo_worker_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await fetch(`${base}/nothing`)).status).toBe(404);

    await w.stop();
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  });

  it('API down: each hand-back waits longer (jittered doubling), logged and counted; all syncs once it is back', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const port = await freePort();
    const op = env.api.addProvision('create', {
      hostname: 'pc73',
      macAddress: '00:11:22:33:44:73',
      ipAddress: '10.0.100.73',
    });
    env.api.down = true;
    const w = env.spawn({ METRICS_PORT: String(port) });
    await env.publish(op);
    const backOffs = () => w.logs.filter((l) => l.msg === 'jobs handed back after a transient failure; backing off');
    await waitFor(() => backOffs().length >= 3, 'three hand-backs');
    const [first, second, third] = backOffs();
    expect(first).toMatchObject({ reason: 'api_unavailable', count: 1 });
    // RETRY_DELAY_SEC 0.2 doubled per hand-back in a row, each 75–100 % of its step
    const delays = [first, second, third].map((l) => Number(l.retryInMs));
    expect(delays[0]).toBeGreaterThanOrEqual(150);
    expect(delays[0]).toBeLessThanOrEqual(200);
    expect(delays[1]).toBeGreaterThanOrEqual(300);
    expect(delays[2]).toBeGreaterThanOrEqual(600);
    // the next try comes no sooner than the delay said
    const tries = w.logs
      .filter((l) => /API unavailable/.test(String(l.msg)))
      .map((l) => new Date(String(l.time)).getTime());
    expect(tries[2] - tries[1]).toBeGreaterThanOrEqual(delays[1] - 20);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(sample(text, 'linbo_worker_hand_backs_total', { reason: 'api_unavailable' })).toBeGreaterThanOrEqual(3);
    env.api.down = false;
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('a failing import counts a failed batch and verify failures', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n', release: '7.3' });
    env.dc.setConfig({ failNext: 1 });
    const port = await freePort();
    const op = env.api.addProvision('create', {
      hostname: 'pc72',
      macAddress: '00:11:22:33:44:72',
      ipAddress: '10.0.100.72',
    });
    env.spawn({ METRICS_PORT: String(port) });
    await env.publish(op);
    expect((await env.waitStatus(op.id, ['completed', 'failed'])).status).toBe('failed');
    const text = await waitFor(async () => {
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return sample(body, 'linbo_worker_batches_total', { school: 'default-school', outcome: 'failed' }) === 1
        ? body
        : null;
    }, 'failed batch counted in /metrics');
    expect(sample(text, 'linbo_worker_verify_failures_total')).toBe(1);
    expect(sample(text, 'linbo_worker_jobs_total', { status: 'failed' })).toBe(1);
  });
});
