// Crash and outage behaviour: DOMAIN.md §11 scenario 9 (SIGKILL at every step between the delta write
// and the ACK), scenario 15 (API 503 on a report), the provision lock held by another process,
// dead consumers, the delivery limit and a graceful SIGTERM.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

import { manualLine, useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(60_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;
let holder: ChildProcess | undefined;

afterEach(() => killHolder());

const HEADER = '# school devices\n';
const MANUAL = [
  manualLine('r200', 'manual01', '00:AA:00:00:00:01', '10.0.200.1', 'keep'),
  `${manualLine('r200', 'manual02', '00:AA:00:00:00:02', '10.0.200.2')}\r`,
];
const MASTER = `${HEADER}${MANUAL[0]}\n${MANUAL[1]}\n`;

/** flock forks `sleep`, which inherits the lock: end the whole process group. */
function killHolder(): void {
  if (holder?.pid) {
    try {
      process.kill(-holder.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  holder = undefined;
}

function dataLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

describe.each(['after-delta-write', 'after-master-rename', 'during-import', 'before-ack'])(
  'scenario 9: SIGKILL at %s',
  (point) => {
    it('restart → every job reaches exactly one terminal status; master whole, no duplicates, backups intact', async () => {
      env = await WorkerEnv.create(build.main, { master: MASTER, delayMs: point === 'during-import' ? 300 : 0 });
      // a first synced host, so the crashed batch also patches an existing line and rotates a backup
      const first = env.api.addProvision('create', {
        hostname: 'pc90',
        macAddress: '00:11:22:33:44:90',
        ipAddress: '10.0.100.90',
      });
      const warm = env.spawn();
      await env.publish(first);
      await env.waitStatus(first.id, 'completed');
      await warm.stop();
      const warmMaster = env.dc.readMaster();

      const ops = [
        env.api.addProvision('update', {
          hostId: (first.options as { hostId: string }).hostId,
          hostname: 'pc90',
          macAddress: '00:11:22:33:44:90',
          ipAddress: '10.0.100.190',
        }),
        env.api.addProvision('create', { hostname: 'pc91', macAddress: '00:11:22:33:44:91', ipAddress: '10.0.100.91' }),
        env.api.addProvision('create', { hostname: 'pc92', macAddress: '00:11:22:33:44:92', ipAddress: null }),
      ];
      for (const op of ops) await env.publish(op);
      const doomed = env.spawn({ WORKER_FAULT_POINT: point });
      const exit = await doomed.exited;
      expect(exit.signal).toBe('SIGKILL');
      expect(doomed.logs.some((l) => l.faultPoint === point)).toBe(true);
      expect(await env.pending()).toBe(3);
      // the crash hit the intended window
      const crashedMaster = env.dc.readMaster();
      if (point === 'after-delta-write') {
        expect(crashedMaster).toBe(warmMaster);
        expect(fs.readFileSync(env.deltaPath, 'utf8')).toContain(';pc91;');
      } else {
        expect(crashedMaster).toContain(';pc91;');
      }
      // during-import: the orphaned import still finishes (the fake logs a run when it ends)
      const runs = point === 'during-import' || point === 'before-ack' ? 2 : 1;
      await waitFor(() => env!.dc.importRuns().length === runs, `${runs} import runs`);
      // before-ack: reports of a batch run a few at a time, so 1–3 are stored, none ACKed
      const stored = ops.filter((op) => env!.api.status(op.id) === 'completed').length;
      if (point === 'before-ack') expect(stored).toBeGreaterThanOrEqual(1);
      else expect(stored).toBe(0);

      const restarted = Date.now();
      env.spawn();
      for (const op of ops) await env.waitStatus(op.id, 'completed', 20_000);
      expect(Date.now() - restarted).toBeLessThan(10_000);
      await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');

      for (const op of [first, ...ops]) expect(env.api.terminalReports(op.id)).toHaveLength(1);
      const master = env.dc.readMaster();
      expect(master.startsWith(MASTER)).toBe(true);
      const hosts = dataLines(master).map((l) => l.split(';')[1]);
      expect(hosts.sort()).toEqual(['manual01', 'manual02', 'pc90', 'pc91', 'pc92']);
      expect(dataLines(master).find((l) => l.includes(';pc90;'))).toContain(';10.0.100.190;');
      expect(env.dc.records('pc90', 'A')).toEqual(['10.0.100.190']);
      expect(env.dc.computer('PC92')).toBeDefined();
      // every backup is a whole earlier master: header and manual lines intact, no duplicate host
      const dir = env.dc.masterPath().replace(/\/[^/]+$/, '');
      const backups = fs.readdirSync(dir).filter((f) => /^devices\.csv\.bak\.\d+$/.test(f));
      expect(backups.length).toBeGreaterThanOrEqual(1);
      for (const b of backups) {
        const text = fs.readFileSync(`${dir}/${b}`, 'utf8');
        expect(text.startsWith(MASTER)).toBe(true);
        const names = dataLines(text).map((l) => l.split(';')[1]);
        expect(new Set(names).size).toBe(names.length);
      }
      expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    });
  },
);

describe('outages', () => {
  it('scenario 15: API 503 on the status report → retried; the message is not ACKed before the status is stored', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    const op = env.api.addProvision('create', {
      hostname: 'pc15',
      macAddress: '00:11:22:33:44:15',
      ipAddress: '10.0.100.15',
    });
    env.api.failReportsOf.add('completed');
    env.spawn();
    await env.publish(op);
    await waitFor(
      () =>
        env!.api.reports.filter((r) => r.id === op.id && r.body.status === 'completed' && r.answered === 503).length >=
        3,
      'three refused completed reports',
    );
    expect(env.api.status(op.id)).toBe('running');
    expect(await env.pending()).toBe(1);
    expect(env.dc.importRuns()).toHaveLength(1);

    env.api.failReportsOf.clear();
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK after the stored report');
    expect(env.dc.importRuns()).toHaveLength(1);
  });

  it('API down while fetching the snapshot → batch handed back un-ACKed, processed once the API is back', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    const op = env.api.addProvision('create', {
      hostname: 'pc16',
      macAddress: '00:11:22:33:44:16',
      ipAddress: '10.0.100.16',
    });
    env.api.down = true;
    const w = env.spawn();
    await env.publish(op);
    await waitFor(
      () => w.logs.filter((l) => /API unavailable/.test(String(l.msg))).length >= 2,
      'two handed-back tries',
    );
    expect(await env.pending()).toBe(1);
    expect(env.dc.importRuns()).toHaveLength(0);
    env.api.down = false;
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('lock held by another process → jobs stay un-ACKed; processed after the release', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    holder = spawn('flock', ['--exclusive', env.lockFile, 'sleep', '60'], { stdio: 'ignore', detached: true });
    await waitFor(
      () => spawnSync('flock', ['--nonblock', env!.lockFile, 'true']).status === 1,
      'the test process to hold the lock',
    );
    const op = env.api.addProvision('create', {
      hostname: 'pc17',
      macAddress: '00:11:22:33:44:17',
      ipAddress: '10.0.100.17',
    });
    const w = env.spawn();
    await env.publish(op);
    await waitFor(() => w.logs.filter((l) => /lock timeout/.test(String(l.msg))).length >= 2, 'two lock timeouts');
    expect(env.api.status(op.id)).toBe('running');
    expect(await env.pending()).toBe(1);
    expect(env.dc.importRuns()).toHaveLength(0);
    expect(env.dc.readMaster()).toBe(MASTER);

    killHolder();
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
    expect(env.dc.importRuns()).toHaveLength(1);
  });
});

describe('recovery from other consumers and poison messages', () => {
  it('an entry left pending by a dead consumer is claimed (XAUTOCLAIM) and processed', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    const op = env.api.addProvision('create', {
      hostname: 'pc18',
      macAddress: '00:11:22:33:44:18',
      ipAddress: '10.0.100.18',
    });
    await env.redis.xgroup('CREATE', env.stream, env.group, '0', 'MKSTREAM');
    await env.publish(op);
    // a consumer that read the job and died
    await env.redis.xreadgroup('GROUP', env.group, 'dead-worker', 'COUNT', 10, 'STREAMS', env.stream, '>');
    env.spawn({ CLAIM_IDLE_SEC: '1', CLAIM_INTERVAL_SEC: '0.2' });
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('a job past MAX_DELIVERIES is dead-lettered and its operation failed with DEAD_LETTERED', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    const op = env.api.addProvision('create', {
      hostname: 'pc19',
      macAddress: '00:11:22:33:44:19',
      ipAddress: '10.0.100.19',
    });
    await env.redis.xgroup('CREATE', env.stream, env.group, '0', 'MKSTREAM');
    const id = await env.publish(op);
    await env.redis.xreadgroup('GROUP', env.group, 'dead-worker', 'COUNT', 10, 'STREAMS', env.stream, '>');
    env.spawn({ CLAIM_IDLE_SEC: '1', CLAIM_INTERVAL_SEC: '0.2', MAX_DELIVERIES: '1' });
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^DEAD_LETTERED: .*delivered 2 times \(limit 1\)/);
    // the status is reported first, then the entry moves to the dead-letter stream
    await waitFor(async () => (await env!.redis.xlen(env!.dlq)) === 1, 'dead-letter entry');
    const dlq = (await env.redis.xrange(env.dlq, '-', '+')) as Array<[string, string[]]>;
    expect(dlq[0][1]).toEqual(expect.arrayContaining(['operation_id', op.id, 'original_id', id]));
    await waitFor(async () => (await env!.pending()) === 0, 'dead letter ACKed');
    expect(env.dc.importRuns()).toHaveLength(0);
  });

  it('an undecodable payload goes to the dead-letter stream', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    await env.redis.xadd(env.stream, '*', 'type', 'provision_host', 'operation_id', 'not-a-uuid', 'action', 'create');
    env.spawn();
    await waitFor(async () => (await env!.redis.xlen(env!.dlq)) === 1, 'dead letter');
    const [[, fields]] = (await env.redis.xrange(env.dlq, '-', '+')) as Array<[string, string[]]>;
    expect(fields.join(' ')).toMatch(/reason invalid payload: job has no valid operation_id/);
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('SIGTERM during a debounce hands the batch back; the next start processes it', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER, debounceSec: 30 });
    const op = env.api.addProvision('create', {
      hostname: 'pc20',
      macAddress: '00:11:22:33:44:20',
      ipAddress: '10.0.100.20',
    });
    const w = env.spawn();
    await env.publish(op);
    await waitFor(() => w.logs.some((l) => l.msg === 'jobs queued'), 'job read');
    const stopped = Date.now();
    expect(await w.stop()).toEqual({ code: 0, signal: null });
    expect(Date.now() - stopped).toBeLessThan(5_000);
    expect(env.api.status(op.id)).toBe('pending');
    expect(await env.pending()).toBe(1);

    env.spawn({ PROVISION_DEBOUNCE_SEC: '0.1' });
    await env.waitStatus(op.id, 'completed');
  });

  it('SIGTERM while a report is being retried → stops after SHUTDOWN_TIMEOUT_SEC, job un-ACKed, finished by the next start', async () => {
    env = await WorkerEnv.create(build.main, { master: MASTER });
    const op = env.api.addProvision('create', {
      hostname: 'pc21',
      macAddress: '00:11:22:33:44:21',
      ipAddress: '10.0.100.21',
    });
    env.api.failReportsOf.add('completed');
    const w = env.spawn({ SHUTDOWN_TIMEOUT_SEC: '1' });
    await env.publish(op);
    await waitFor(
      () => env!.api.reports.some((r) => r.id === op.id && r.body.status === 'completed'),
      'a refused report',
    );
    const stopped = Date.now();
    const exit = await w.stop();
    expect(Date.now() - stopped).toBeLessThan(5_000);
    expect(exit.signal).toBeNull();
    expect(w.logs.some((l) => /status report abandoned at shutdown/.test(String(l.msg)))).toBe(true);
    expect(await env.pending()).toBe(1);

    env.api.failReportsOf.clear();
    env.spawn();
    await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
    // the replay found devices.csv already merged: one line, and the import ran again to verify
    expect(
      env.dc
        .readMaster()
        .split('\n')
        .filter((l) => l.includes(';pc21;')),
    ).toHaveLength(1);
  });
});
