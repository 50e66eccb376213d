// DOMAIN.md §9 step 8 while the next batch runs: a batch's verification overlaps the next batch's
// merge and import, except when the two share a host; a doubtful early check is repeated under the
// lock. The fake DC's `sambaDelayMs` makes every samba-tool call slow (as a real one is), so the
// overlap is wide enough to observe without timing the test.
import { getPriority } from 'node:os';

import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(90_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

const HEADER = '# devices\n';
const mac = (n: number) => `00:11:22:33:55:${n.toString(16).padStart(2, '0')}`.toUpperCase();

type Log = Record<string, unknown>;
/** Log lines with `msg` of the batch holding `opId` (the batch logger names its operations). */
const ofBatch = (logs: Log[], opId: string, msg: string) =>
  logs.filter((l) => l.msg === msg && Array.isArray(l.batch) && (l.batch as string[]).includes(opId));
const at = (l: Log | undefined) => new Date(l?.time as string | number).getTime();

describe('verification overlapping the next batch', () => {
  it("the next batch merges and imports while the previous batch's samba-tool reads run; both complete", async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, batchSize: 1, delayMs: 300, sambaDelayMs: 1500 });
    const ops = [1, 2].map((n) =>
      env!.api.addProvision('create', { hostname: `ov${n}`, macAddress: mac(n), ipAddress: `10.0.100.${n}` }),
    );
    for (const op of ops) await env.publish(op);
    const w = env.spawn();
    for (const op of ops) await env.waitStatus(op.id, 'completed', 30_000);
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
    const firstVerified = at(ofBatch(w.logs, ops[0].id, 'verification finished')[0]);
    const secondWritten = at(ofBatch(w.logs, ops[1].id, 'devices.csv written')[0]);
    const secondImported = at(ofBatch(w.logs, ops[1].id, 'import finished')[0]);
    expect(secondWritten).toBeLessThan(firstVerified);
    expect(secondImported).toBeLessThan(firstVerified);
    expect(ofBatch(w.logs, ops[0].id, 'verification finished')[0].again).toBe(false);
    expect(env.dc.importRuns()).toHaveLength(2);
    // the verification's samba-tool processes yield the CPU (nice 10); the import keeps the worker's priority
    expect(env.dc.importRuns().map((c) => c.nice)).toEqual([getPriority(), getPriority()]);
    for (const call of env.dc.sambaToolRuns()) expect(call.nice).toBeGreaterThanOrEqual(Math.max(10, getPriority()));
    expect(env.dc.records('ov1', 'A')).toEqual(['10.0.100.1']);
    expect(env.dc.records('ov2', 'A')).toEqual(['10.0.100.2']);
  });

  it('a batch changing a host that is still being verified waits for that verification; the first job is not failed', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, batchSize: 1, delayMs: 300, sambaDelayMs: 1000 });
    const create = env.api.addProvision('create', { hostname: 'same1', macAddress: mac(10), ipAddress: '10.0.100.10' });
    const hostId = (create.options as { hostId: string }).hostId;
    const update = env.api.addProvision('update', {
      hostId,
      hostname: 'same1',
      macAddress: mac(10),
      ipAddress: '10.0.100.11',
    });
    for (const op of [create, update]) await env.publish(op);
    const w = env.spawn();
    await env.waitStatus(update.id, 'completed', 30_000);
    await waitFor(async () => (await env!.pending()) === 0, 'all ACKed');
    // without the wait the first check would read the second import's address and fail the create
    expect(env.api.status(create.id)).toBe('completed');
    const waited = ofBatch(w.logs, update.id, "waiting for the previous batch's verification (shared hosts)");
    expect(waited).toHaveLength(1);
    expect(at(ofBatch(w.logs, update.id, 'devices.csv written')[0])).toBeGreaterThan(
      at(ofBatch(w.logs, create.id, 'verification finished')[0]),
    );
    expect(env.dc.records('same1', 'A')).toEqual(['10.0.100.11']);
  });

  it('a problem found by the early check is looked at again under the lock before the job fails', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, release: '7.2' });
    env.dc.setConfig({ failNext: 1 });
    const op = env.api.addProvision('create', { hostname: 'bad1', macAddress: mac(20), ipAddress: '10.0.100.20' });
    await env.publish(op);
    const w = env.spawn();
    const failed = await env.waitStatus(op.id, 'failed', 30_000);
    const verified = ofBatch(w.logs, op.id, 'verification finished');
    expect(verified).toHaveLength(1);
    expect(verified[0].again).toBe(true);
    // the early check's samba-tool reads, then the full verification's
    expect(env.dc.sambaToolRuns().length).toBe(2 * Number(verified[0].sambaToolRuns));
    expect(failed.error).toMatch(/^IMPORT_FAILED: /);
  });
});
