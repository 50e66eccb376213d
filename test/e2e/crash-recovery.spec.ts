/**
 * DOMAIN.md §11 scenario 9 and the outage side of §8: processes die while jobs are in flight.
 * - The worker is SIGKILLed mid-batch (during a slow fake import, after the master was written)
 *   and restarted: it re-reads its own pending entries, every host ends synced, the master has
 *   no duplicate lines.
 * - The API is killed while the worker is in the middle of a batch and started again later: the
 *   worker's status reports are retried until stored, every job reaches a terminal status.
 */
import { E2eEnv, HostView, linesOf, macFor, manualLinesOf, problemsFor, useE2e } from './harness';

const MANUAL = [
  '# manual lines of the crash-recovery school',
  'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
  'r000;r000-printer;nopxe;00:50:56:00:00:02;10.0.0.20;;;;printer;;0;;;;',
  '',
].join('\n');
/** long enough to kill a process inside the import window reliably, short enough to keep the suite fast */
const IMPORT_DELAY_MS = 1500;
const COUNT = 10;

const e2e = useE2e({ master: MANUAL, fakeDc: { delayMs: IMPORT_DELAY_MS } });

/** Imports `COUNT` hosts in one request so they travel as one batch; returns their names. */
async function importHosts(env: E2eEnv, room: string, macPrefix: number): Promise<string[]> {
  const names = Array.from({ length: COUNT }, (_, i) => `${room}-pc${String(i + 1).padStart(2, '0')}`);
  const csv = names
    .map((name, i) => `${room};${name};win11;${macFor(i + 1, macPrefix)};10.0.${room.slice(1)}.${i + 1};;;;;;1;;;;`)
    .join('\n');
  const summary = await env.api.post<{ created: number }>('/import/devices', `${csv}\n`, 'text/csv');
  expect(summary.created).toBe(COUNT);
  return names;
}

async function hostsNamed(env: E2eEnv, names: string[]): Promise<HostView[]> {
  const all = await env.hosts();
  return all.filter((h) => names.includes(h.hostname));
}

/** Every host of `names` synced, on the DC, with exactly one master line each. */
async function expectAllSynced(env: E2eEnv, names: string[], allOwn: string[]): Promise<void> {
  const hosts = await env.waitFor(
    `${names.length} hosts synced`,
    async () => {
      const hs = await hostsNamed(env, names);
      return hs.length === names.length && hs.every((h) => h.provisionStatus === 'synced') ? hs : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const view = await env.probe.view(hosts.map((h) => h.ipAddress));
  const dhcp = env.probe.dhcpBlocks();
  expect(hosts.flatMap((h) => problemsFor(view, dhcp, h))).toEqual([]);
  const master = env.masterText();
  for (const name of names) expect([name, linesOf(master, name).length]).toEqual([name, 1]);
  const dataLines = master.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  expect(new Set(dataLines).size).toBe(dataLines.length);
  expect(manualLinesOf(master, allOwn)).toBe(MANUAL);
  for (const h of hosts) {
    const op = await env.operation(h.provisionOpId!);
    expect([h.hostname, op.status]).toEqual([h.hostname, 'completed']);
  }
}

const firstBatch: string[] = [];

e2e.test(
  'worker SIGKILLed during the import and restarted → every host synced, no duplicate master lines',
  async (env) => {
    const pidsBefore = new Set(env.fakeDc.importRuns().map((c) => c.pid));
    firstBatch.push(...(await importHosts(env, 'r120', 0x40)));

    // DOMAIN.md §11 scenario 9 "between master write and ACK": the master is written, the (slow) fake
    // import is running, nothing is reported or ACKed yet
    const orphans = await env.waitFor(
      'the fake import to be running',
      () => {
        const pids = env.runningImports();
        return pids.length > 0 ? pids : undefined;
      },
      { intervalMs: 20 },
    );
    expect(firstBatch.filter((n) => linesOf(env.masterText(), n).length !== 1)).toEqual([]);
    const killed = await env.workerProc.kill('SIGKILL');
    expect(killed?.signal).toBe('SIGKILL');
    const midway = await hostsNamed(env, firstBatch);
    expect(midway.filter((h) => h.provisionStatus === 'synced' || h.provisionStatus === 'failed')).toEqual([]);

    await env.startWorker();
    await expectAllSynced(env, firstBatch, firstBatch);
    // the restarted worker replayed the batch from its pending entries and imported it itself
    // (the killed worker's import lives on as an orphan and is not counted)
    const ownRuns = env.fakeDc.importRuns().filter((c) => !pidsBefore.has(c.pid) && !orphans.includes(c.pid));
    expect(ownRuns.length).toBeGreaterThanOrEqual(1);
  },
  120_000,
);

e2e.test(
  'API killed while jobs are in flight and started again → every job reaches a terminal status',
  async (env) => {
    const names = await importHosts(env, 'r121', 0x50);
    const importing = await env.waitFor(
      'the fake import to be running',
      () => {
        const pids = env.runningImports();
        return pids.length > 0 ? pids : undefined;
      },
      { intervalMs: 20 },
    );
    await env.apiProc.kill('SIGKILL');
    // keep the API down until the worker has finished the import and has to report its results
    await env.waitFor(
      'the import to finish while the API is down',
      () => env.runningImports().every((pid) => !importing.includes(pid)),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(env.apiProc.running).toBe(false);
    await env.startApi();

    await expectAllSynced(env, names, [...firstBatch, ...names]);
    expect(env.apiProc.exits.at(-1)?.signal).toBe('SIGKILL');
  },
  120_000,
);
