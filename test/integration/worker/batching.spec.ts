// DOMAIN.md §9 step 2 and §11 scenarios 2, 10, 13: batch sizes, superseding inside a batch, macct
// repairs right after the current batch, and bulk verification (constant samba-tool processes).
import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(90_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

const HEADER = '# devices\n';
const mac = (n: number) =>
  `00:11:22:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`.toUpperCase();

function createOps(e: WorkerEnv, count: number, prefix: string, subnet = 100) {
  return Array.from({ length: count }, (_, i) =>
    e.api.addProvision('create', {
      hostname: `${prefix}${i}`,
      macAddress: mac(subnet * 1000 + i),
      ipAddress: `10.${Math.floor(i / 250)}.${subnet}.${(i % 250) + 1}`,
    }),
  );
}

function batchSizes(logs: Array<Record<string, unknown>>): number[] {
  return logs.filter((l) => l.msg === 'provision batch opened').map((l) => l.size as number);
}

describe('batching', () => {
  it('scenario 2: 200 creates with batch size 50 → 4 import runs, all synced', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    const ops = createOps(env, 200, 'h');
    for (const op of ops) await env.publish(op);
    const w = env.spawn();
    for (const op of ops) await env.waitStatus(op.id, ['completed', 'failed'], 60_000);
    expect(ops.filter((op) => env!.api.status(op.id) !== 'completed')).toEqual([]);
    expect(env.dc.importRuns()).toHaveLength(4);
    expect(batchSizes(w.logs)).toEqual([50, 50, 50, 50]);
    expect(
      env.dc
        .readMaster()
        .split('\n')
        .filter((l) => /;h\d+;/.test(l)),
    ).toHaveLength(200);
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
  });

  it('verification is bulk: the same number of samba-tool processes for 1 and for 50 hosts', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn();
    const [one] = createOps(env, 1, 'single', 101);
    await env.publish(one);
    await env.waitStatus(one.id, 'completed');
    const forOne = env.dc.sambaToolRuns().length;

    const fifty = createOps(env, 50, 'multi', 102);
    for (const op of fifty) await env.publish(op);
    for (const op of fifty) await env.waitStatus(op.id, 'completed', 30_000);
    const forFifty = env.dc.sambaToolRuns().length - forOne;
    expect(env.dc.importRuns()).toHaveLength(2);
    // computer list + forward zone + one reverse zone
    expect(forOne).toBe(3);
    expect(forFifty).toBe(forOne);
  });

  it('scenario 10: two updates of one host in a batch → the newest wins, the older is cancelled as superseded', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, debounceSec: 0.5 });
    const create = env.api.addProvision('create', { hostname: 'pc10', macAddress: mac(10), ipAddress: '10.0.100.10' });
    env.spawn();
    await env.publish(create);
    await env.waitStatus(create.id, 'completed');
    const hostId = (create.options as { hostId: string }).hostId;
    const first = env.api.addProvision('update', {
      hostId,
      hostname: 'pc10',
      macAddress: mac(10),
      ipAddress: '10.0.100.110',
    });
    const second = env.api.addProvision('update', {
      hostId,
      hostname: 'pc10',
      macAddress: mac(10),
      ipAddress: '10.0.100.210',
    });
    // one the API already cancelled when it superseded it: skipped and ACKed, never applied
    const stale = env.api.addProvision('update', {
      hostId,
      hostname: 'pc10',
      macAddress: mac(10),
      ipAddress: '10.0.100.99',
    });
    stale.status = 'cancelled';
    await env.publish(stale);
    await env.publish(first);
    await env.publish(second);
    await env.waitStatus(second.id, 'completed');
    const older = await env.waitStatus(first.id, 'cancelled');
    expect(older.error).toContain(second.id);
    expect(env.api.status(stale.id)).toBe('cancelled');
    expect(env.dc.records('pc10', 'A')).toEqual(['10.0.100.210']);
    expect(env.dc.readMaster()).toContain(';pc10;win10;');
    expect(env.dc.readMaster()).toContain(';10.0.100.210;');
    expect(env.dc.importRuns()).toHaveLength(2);
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
  });
});

describe('macct repair', () => {
  it('scenario 13: a repair arriving during a provision debounce runs right after that batch', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, debounceSec: 3 });
    const w = env.spawn();
    await waitFor(() => w.logs.some((l) => l.msg === 'worker started'), 'worker start');
    const create = env.api.addProvision('create', { hostname: 'pc13', macAddress: mac(13), ipAddress: '10.0.100.13' });
    const repair = env.api.addRepair('pc13');
    await env.publish(create);
    // the batch is open (its first job read) before the repair arrives
    await waitFor(() => w.logs.some((l) => l.msg === 'jobs queued'), 'first job read');
    await env.publish(repair);
    // a later provision job, still inside the debounce window, joins the batch; the repair does not wait for another debounce
    const late = env.api.addProvision('create', { hostname: 'pc13b', macAddress: mac(14), ipAddress: '10.0.100.14' });
    await env.publish(late);
    const done = await env.waitStatus(repair.id, ['completed', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    expect(env.api.status(create.id)).toBe('completed');
    const [imp] = env.dc.importRuns();
    const [rep] = env.dc.repairRuns();
    expect(rep.argv).toEqual(['--only-hosts', 'pc13', '-s', 'default-school']);
    const gap = Date.parse(rep.at) - Date.parse(imp.at);
    expect(gap).toBeGreaterThanOrEqual(0);
    // far below another debounce (3 s): the repair did not wait for one
    expect(gap).toBeLessThan(3000);
    expect(env.dc.importRuns()).toHaveLength(1);
    expect(batchSizes(w.logs)).toEqual([2]);
  });

  it('a repair ahead of a create in the stream runs first, without waiting for the debounce', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, debounceSec: 3 });
    const repair = env.api.addRepair('nosuchhost');
    const create = env.api.addProvision('create', { hostname: 'pc15', macAddress: mac(15), ipAddress: '10.0.100.15' });
    await env.publish(repair);
    await env.publish(create);
    env.spawn();
    await env.waitStatus(repair.id, ['completed', 'failed']);
    expect(env.dc.importRuns()).toHaveLength(0);
    await env.waitStatus(create.id, 'completed');
    expect(Date.parse(env.dc.repairRuns()[0].at)).toBeLessThan(Date.parse(env.dc.importRuns()[0].at));
  });

  it('a failing repair is reported failed with the script message', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    const repair = env.api.addRepair('nosuchhost');
    env.spawn();
    await env.publish(repair);
    const done = await env.waitStatus(repair.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^MACCT_REPAIR_FAILED: repair of nosuchhost exited 1: /);
    expect(env.dc.importRuns()).toHaveLength(0);
  });

  it('a dry-run repair runs nothing and completes', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    const repair = env.api.addRepair('pc01', 'default-school', true);
    env.spawn();
    await env.publish(repair);
    const done = await env.waitStatus(repair.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ dryRun: true });
    expect(env.dc.repairRuns()).toHaveLength(0);
  });
});
