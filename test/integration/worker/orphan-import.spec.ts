// Issue 10: a worker SIGKILLed while linuxmuster-import-devices runs must never let a restarted
// worker run a second import beside the orphaned one. The import inherits the locked file
// description of PROVISION_LOCK_FILE (ProvisionLock, ImportRunner), so it keeps the lock until it
// exits; the restarted worker waits for it (DOMAIN.md §9 steps 3 and 7).
import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(90_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined; // cleaned up after each test by useWorkerBuild()

const MASTER = '# school devices\n';
/** a slow import, so the worker is killed well inside it and the restart happens while it runs */
const IMPORT_MS = 3000;

it('SIGKILL mid-import, immediate restart: the two imports never overlap, every job completes', async () => {
  env = await WorkerEnv.create(build.main, { master: MASTER, delayMs: IMPORT_MS });
  const ops = [
    env.api.addProvision('create', { hostname: 'pc91', macAddress: '00:11:22:33:44:91', ipAddress: '10.0.100.91' }),
    env.api.addProvision('create', { hostname: 'pc92', macAddress: '00:11:22:33:44:92', ipAddress: null }),
  ];
  for (const op of ops) await env.publish(op);
  const doomed = env.spawn({ WORKER_FAULT_POINT: 'during-import' });
  expect((await doomed.exited).signal).toBe('SIGKILL');
  // the orphaned import is still running: nothing has logged its end yet
  expect(env.dc.importRuns()).toHaveLength(0);

  const restarted = Date.now();
  env.spawn(); // at once, while the orphan still runs
  for (const op of ops) await env.waitStatus(op.id, 'completed', 30_000);
  await waitFor(() => env!.dc.importRuns().length >= 2, 'the orphaned and the new import');

  const runs = env.dc
    .importRuns()
    .map((r) => ({ start: Date.parse(r.startedAt ?? ''), end: Date.parse(r.at), pid: r.pid }))
    .sort((a, b) => a.start - b.start);
  expect(runs.every((r) => Number.isFinite(r.start) && r.end >= r.start)).toBe(true);
  for (let i = 1; i < runs.length; i++) {
    // the next import started only after the previous one (the orphan) had ended
    expect(runs[i].start).toBeGreaterThanOrEqual(runs[i - 1].end);
  }
  // and the restarted worker really had to wait for the orphan, not merely start late
  expect(runs[1].start - restarted).toBeLessThan(IMPORT_MS + 2000);
  for (const op of ops) expect(env.api.terminalReports(op.id)).toHaveLength(1);
});
