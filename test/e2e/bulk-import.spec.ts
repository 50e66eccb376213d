/**
 * DOMAIN.md §11 scenarios 2 and 16: a devices.csv of 200 hosts through `POST /import/devices` →
 * 200 hosts, 200 jobs, all synced after exactly ⌈200/50⌉ = 4 runs of linuxmuster-import-devices.
 */
import { DEFAULT_JOBS_STREAM } from '@app/provisioning';

import { linesOf, macFor, manualLinesOf, problemsFor, useE2e, withRedis } from './harness';

const HOSTS = 200;
const BATCH_SIZE = 50;
/**
 * Why 20 s makes the run count deterministic: a batch opens with its first message and waits
 * the debounce unless it fills up to PROVISION_BATCH_SIZE earlier (DOMAIN.md §9 step 2). The import
 * request and the outbox put all 200 jobs on the stream within a few seconds (measured below and
 * asserted to stay under the debounce). So every batch either fills to 50 or is still waiting
 * when the last job arrives; none can close half-full while jobs are still on their way, and
 * 200 jobs give exactly 4 full batches — 4 imports. A long debounce costs nothing here because
 * full batches end it early (200 is a multiple of 50, so no batch waits it out); a short one
 * (0.3 s) could close a batch while the API is still inserting rows and make 5 or 6 imports.
 * Publishing takes ~4 s here; 20 s leaves room for a loaded CI machine.
 */
const DEBOUNCE_SEC = 20;

const MANUAL = [
  '# manual lines of the bulk-import school',
  'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
  '',
].join('\n');

const e2e = useE2e({
  master: MANUAL,
  worker: { PROVISION_BATCH_SIZE: String(BATCH_SIZE), PROVISION_DEBOUNCE_SEC: String(DEBOUNCE_SEC) },
});

function hostname(n: number): string {
  return `r1${n <= 100 ? '04' : '05'}-nb${String(n).padStart(3, '0')}`;
}
function ip(n: number): string {
  return n <= 100 ? `10.0.104.${n}` : `10.0.105.${n - 100}`;
}

e2e.test(
  `import of ${HOSTS} devices → ${HOSTS} hosts synced after exactly ${HOSTS / BATCH_SIZE} import runs`,
  async (env) => {
    const csv = Array.from({ length: HOSTS }, (_, i) => {
      const n = i + 1;
      const room = n <= 100 ? 'r104' : 'r105';
      return `${room};${hostname(n)};ubuntu;${macFor(n, 0x20)};${ip(n)};;;;;;1;;;;imported`;
    }).join('\n');

    const started = Date.now();
    const summary = await env.api.post<{
      created: number;
      updated: number;
      skipped: number;
      failed: number;
      errors: unknown[];
    }>('/import/devices', `${csv}\n`, 'text/csv');
    expect(summary).toMatchObject({ created: HOSTS, updated: 0, skipped: 0, failed: 0, errors: [] });

    // the premise of the debounce choice above: every job is on the stream well within it
    await env.waitFor(`${HOSTS} jobs on ${DEFAULT_JOBS_STREAM}`, () =>
      withRedis(async (redis) => (await redis.xlen(DEFAULT_JOBS_STREAM)) >= HOSTS),
    );
    const publishedAfterMs = Date.now() - started;
    expect(publishedAfterMs).toBeLessThan(DEBOUNCE_SEC * 1000);

    const hosts = await env.waitForAllTerminal(HOSTS, 120_000);
    const notSynced = hosts.filter((h) => h.provisionStatus !== 'synced');
    expect(notSynced.map((h) => `${h.hostname}: ${h.provisionStatus} ${h.provisionError ?? ''}`)).toEqual([]);
    expect(env.importRunCount()).toBe(HOSTS / BATCH_SIZE);

    // the DC, in bulk: every account, A, PTR and DHCP block
    const view = await env.probe.view(hosts.map((h) => h.ipAddress));
    const dhcp = env.probe.dhcpBlocks();
    expect(hosts.flatMap((h) => problemsFor(view, dhcp, h))).toEqual([]);

    // the master: one line per host, the manual lines untouched
    const master = env.masterText();
    const names = hosts.map((h) => h.hostname);
    for (const name of names) expect([name, linesOf(master, name).length]).toEqual([name, 1]);
    expect(manualLinesOf(master, names)).toBe(MANUAL);

    // one operation per host, all completed
    const ops = await env.api.list<{ status: string }>('/operations/provision');
    expect(ops).toHaveLength(HOSTS);
    expect(ops.filter((o) => o.status !== 'completed')).toEqual([]);
    process.stdout.write(
      `bulk import: ${HOSTS} jobs published after ${publishedAfterMs} ms, all synced after ${Date.now() - started} ms\n`,
    );
  },
  180_000,
);
