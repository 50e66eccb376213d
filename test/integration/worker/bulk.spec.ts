// Bulk internal endpoints (docs/BENCHMARKS.md "End to end"): a batch costs the same few API requests
// whatever its size — one query for the snapshots, one bulk `running`, one bulk terminal report
// (API and worker ship together: there is no single-call fallback for an API without them).
import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(90_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

const mac = (n: number) =>
  `00:11:22:33:${((n >> 8) & 255).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`.toUpperCase();

function createOps(e: WorkerEnv, count: number, prefix: string, from: number) {
  return Array.from({ length: count }, (_, i) =>
    e.api.addProvision('create', {
      hostname: `${prefix}${i}`,
      macAddress: mac(from + i),
      ipAddress: `10.0.100.${from + i}`,
    }),
  );
}

function batchSizes(logs: Array<Record<string, unknown>>): number[] {
  return logs.filter((l) => l.msg === 'provision batch opened').map((l) => l.size as number);
}

/** Requests the fake API answered since `since` (an index into its request log), by route. */
function routes(e: WorkerEnv, since: number): string[] {
  return e.api.requests.slice(since).map((r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/g, ':id')} ${r.answered}`);
}

describe('bulk internal endpoints', () => {
  it('a batch makes a bounded number of API requests: 3 for 3 jobs, 9 for 48 and for 100 jobs', async () => {
    // a debounce longer than publishing 100 jobs takes on a loaded machine (a full batch ends it early)
    env = await WorkerEnv.create(build.main, { master: '# devices\n', batchSize: 100, debounceSec: 2 });
    const w = env.spawn();
    await waitFor(() => w.logs.some((l) => l.msg === 'worker started'), 'worker start');
    const perBatch: string[][] = [];
    for (const [count, prefix, from] of [
      [3, 'small', 1],
      [48, 'mid', 4],
      [100, 'large', 52],
    ] as const) {
      const since = env.api.requests.length;
      const ops = createOps(env, count, prefix, from);
      for (const op of ops) await env.publish(op);
      for (const op of ops) await env.waitStatus(op.id, 'completed', 30_000);
      await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
      perBatch.push(routes(env, since).sort());
    }
    const query = 'POST /api/v1/internal/operations/query 200';
    const bulk = 'PATCH /api/v1/internal/operations/status 200';
    // one query; `running` and the terminal report each in one request, split into at most 4
    // parallel requests of at least 12 reports for larger batches (the API applies items one by one)
    expect(perBatch).toEqual([
      [bulk, bulk, query].sort(),
      [...Array(8).fill(bulk), query].sort(),
      [...Array(8).fill(bulk), query].sort(),
    ]);
    expect(batchSizes(w.logs)).toEqual([3, 48, 100]);
    expect(env.dc.importRuns()).toHaveLength(3);
    // each job: exactly running then completed, stored in that order
    const large = [...env.api.ops.values()].filter((op) => op.targetHost.startsWith('large'));
    for (const op of large) {
      expect(env.api.reports.filter((r) => r.id === op.id).map((r) => [r.body.status, r.answered])).toEqual([
        ['running', 200],
        ['completed', 200],
      ]);
    }
  });

  it('superseded and finished jobs ride in the same requests: older cancelled before the newest runs', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const create = env.api.addProvision('create', { hostname: 'pc30', macAddress: mac(30), ipAddress: '10.0.100.30' });
    const hostId = (create.options as { hostId: string }).hostId;
    const update = env.api.addProvision('update', {
      hostId,
      hostname: 'pc30',
      macAddress: mac(30),
      ipAddress: '10.0.100.130',
    });
    const done = env.api.addProvision('create', { hostname: 'pc31', macAddress: mac(31), ipAddress: '10.0.100.31' });
    done.status = 'completed';
    for (const op of [create, update, done]) await env.publish(op);
    env.spawn();
    await env.waitStatus(update.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
    expect(env.api.status(create.id)).toBe('cancelled');
    expect(env.api.reports.map((r) => [r.id, r.body.status])).toEqual([
      [create.id, 'cancelled'],
      [update.id, 'running'],
      [update.id, 'completed'],
    ]);
    expect(routes(env, 0)).toEqual([
      'POST /api/v1/internal/operations/query 200',
      'PATCH /api/v1/internal/operations/status 200',
      'PATCH /api/v1/internal/operations/status 200',
    ]);
    expect(env.dc.records('pc30', 'A')).toEqual(['10.0.100.130']);
  });

  it('a 503 on the bulk terminal report is retried; nothing is ACKed before it is stored', async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    const ops = createOps(env, 3, 'out', 60);
    env.api.failReportsOf.add('completed');
    for (const op of ops) await env.publish(op);
    env.spawn();
    await waitFor(
      () => env!.api.requests.filter((r) => r.path.endsWith('/operations/status') && r.answered === 503).length >= 3,
      'three refused bulk reports',
    );
    expect(ops.map((op) => env!.api.status(op.id))).toEqual(['running', 'running', 'running']);
    expect(await env.pending()).toBe(3);
    env.api.failReportsOf.clear();
    for (const op of ops) await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK after the stored reports');
    expect(env.dc.importRuns()).toHaveLength(1);
  });

  it("the next batch imports while the previous batch's report is retried; its own report waits, a third batch waits", async () => {
    env = await WorkerEnv.create(build.main, { master: '# devices\n', batchSize: 2 });
    const ops = createOps(env, 6, 'lap', 80);
    env.api.failReportsOf.add('completed');
    for (const op of ops) await env.publish(op);
    const w = env.spawn();
    // batch 2 imported although batch 1's terminal report is still refused
    await waitFor(() => env!.dc.importRuns().length === 2, 'the second batch imported');
    // back-pressure: batch 3 does not open while batch 1 has not reported (a few retry rounds)
    await new Promise((r) => setTimeout(r, 1000));
    expect(env.dc.importRuns()).toHaveLength(2);
    expect(w.logs.filter((l) => l.msg === 'provision batch opened')).toHaveLength(2);
    expect(ops.map((op) => env!.api.status(op.id))).toEqual([
      'running',
      'running',
      'running',
      'running',
      'pending',
      'pending',
    ]);
    expect(await env.pending()).toBe(6);
    // batch 2's terminal report is not sent while batch 1's is being retried
    const refused = env.api.reports.filter((r) => r.body.status === 'completed' && r.answered === 503);
    expect(new Set(refused.map((r) => r.id))).toEqual(new Set([ops[0].id, ops[1].id]));
    env.api.failReportsOf.clear();
    for (const op of ops) await env.waitStatus(op.id, 'completed');
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
    const stored = env.api.reports.filter((r) => r.body.status === 'completed' && r.answered === 200).map((r) => r.id);
    expect(stored).toEqual(ops.map((op) => op.id));
    expect(env.dc.importRuns()).toHaveLength(3);
  });

  describe('look-ahead: the next batch is prepared while the previous one imports', () => {
    /** ms timestamp of the first `import finished` log line of the worker */
    const firstImportDone = (logs: Array<Record<string, unknown>>) =>
      new Date(logs.find((l) => l.msg === 'import finished')?.time as string | number).getTime();
    const statuses = (e: WorkerEnv, id: string) => e.api.reports.filter((r) => r.id === id).map((r) => r.body.status);

    it("the next batch's jobs are reported running during the import, once each; the batch fetches nothing again", async () => {
      env = await WorkerEnv.create(build.main, { master: '# devices\n', batchSize: 3, delayMs: 1500 });
      const ops = createOps(env, 6, 'ahead', 100);
      for (const op of ops) await env.publish(op);
      const w = env.spawn();
      for (const op of ops) await env.waitStatus(op.id, 'completed', 30_000);
      await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
      const importDone = firstImportDone(w.logs);
      const running = env.api.reports.filter((r) => r.body.status === 'running');
      // batch 2 went running before batch 1's import had finished
      for (const op of ops.slice(3)) expect(running.find((r) => r.id === op.id)!.at).toBeLessThan(importDone);
      for (const op of ops) expect(statuses(env, op.id)).toEqual(['running', 'completed']);
      expect(env.dc.importRuns()).toHaveLength(2);
      expect(w.logs.filter((l) => l.msg === 'provision batch done').map((l) => l.prefetched)).toEqual([0, 3]);
      // per batch one query and one `running` report, wherever they were made
      const seen = routes(env, 0);
      expect(seen.filter((r) => r.startsWith('POST /api/v1/internal/operations/query'))).toHaveLength(2);
      expect(seen.filter((r) => r.startsWith('PATCH /api/v1/internal/operations/status'))).toHaveLength(4);
      expect(
        env.dc
          .readMaster()
          .split('\n')
          .filter((l) => /;ahead\d;/.test(l)),
      ).toHaveLength(6);
    });

    it('a job the API cancels before its look-ahead `running` is not run, and ACKed', async () => {
      env = await WorkerEnv.create(build.main, { master: '# devices\n', batchSize: 2, delayMs: 1000 });
      const ops = createOps(env, 4, 'gone', 110);
      env.api.cancelBeforeRunning.add(ops[3].id);
      for (const op of ops) await env.publish(op);
      const w = env.spawn();
      for (const op of ops.slice(0, 3)) await env.waitStatus(op.id, 'completed', 30_000);
      await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
      expect(env.api.status(ops[3].id)).toBe('cancelled');
      expect(statuses(env, ops[3].id)).toEqual(['running']); // refused: the API held `cancelled`
      expect(env.dc.readMaster()).not.toContain(';gone3;');
      expect(env.dc.readMaster()).toContain(';gone2;');
      expect(w.logs.filter((l) => l.msg === 'provision batch done').map((l) => l.prefetched)).toEqual([0, 1]);
      expect(env.dc.importRuns()).toHaveLength(2);
    });

    it('a change of a prepared host arriving before its batch opens supersedes the running job', async () => {
      env = await WorkerEnv.create(build.main, { master: '# devices\n', batchSize: 2, delayMs: 2000 });
      const first = createOps(env, 2, 'early', 120);
      const create = env.api.addProvision('create', {
        hostname: 'late0',
        macAddress: mac(130),
        ipAddress: '10.0.100.130',
      });
      for (const op of [...first, create]) await env.publish(op);
      env.spawn();
      // prepared during the first import: running while that import still runs
      await env.waitStatus(create.id, 'running', 15_000);
      expect(env.dc.importRuns()).toHaveLength(0);
      const hostId = (create.options as { hostId: string }).hostId;
      const update = env.api.addProvision('update', {
        hostId,
        hostname: 'late0',
        macAddress: mac(130),
        ipAddress: '10.0.100.131',
      });
      await env.publish(update);
      await env.waitStatus(update.id, 'completed', 30_000);
      await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
      expect(statuses(env, create.id)).toEqual(['running', 'cancelled']);
      expect(env.api.status(create.id)).toBe('cancelled');
      expect(statuses(env, update.id)).toEqual(['running', 'completed']);
      expect(env.dc.records('late0', 'A')).toEqual(['10.0.100.131']);
      expect(env.dc.importRuns()).toHaveLength(2);
    });
  });
});
