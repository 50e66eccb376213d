/**
 * `npm run bench:real-dc` (root) — verification against a REAL Samba 4.17 AD DC (test/real-dc/dc.ts:
 * LINUXMUSTER.LAN in a network namespace): samba-tool processes and wall time of one verification
 * of a batch of 1, 50 and 200 hosts (the worker's Verifier, SAMBA_TOOL_AUTH=-P), and of the clean-up
 * of 10 deletes (DC_CLEANUP=true). Prints the figures as a Markdown table.
 */
import { join, resolve } from 'node:path';

import { loadWorkerConfig } from '../apps/dc-worker/src/config/worker-config';
import { createWorkerLogger } from '../apps/dc-worker/src/logging/worker-logger';
import { Verifier, VerifyTarget } from '../apps/dc-worker/src/verify/verifier';
import { startRealDc } from '../test/real-dc/dc';

const ROOT = resolve(__dirname, '../..');
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function main(): Promise<void> {
  const dc = await startRealDc();
  try {
    await dc.tool(['dns', 'zonecreate', '127.0.0.1', '100.0.10.in-addr.arpa', '-P']);
    const hosts = Array.from({ length: 210 }, (_, i) => ({
      name: `b${String(i).padStart(3, '0')}`,
      ip: `10.0.100.${i + 1}`,
    }));
    const t0 = Date.now();
    await pool(hosts, 4, async (h) => {
      await dc.tool(['computer', 'create', h.name.toUpperCase(), '-P']);
      await dc.tool(['dns', 'add', '127.0.0.1', 'linuxmuster.lan', h.name, 'A', h.ip, '-P']);
      await dc.tool([
        'dns',
        'add',
        '127.0.0.1',
        '100.0.10.in-addr.arpa',
        h.ip.split('.')[3],
        'PTR',
        `${h.name}.linuxmuster.lan`,
        '-P',
      ]);
    });
    console.log(`set-up: 210 hosts in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const env = {
      INTERNAL_API_KEY: 'k',
      SAMBA_TOOL: join(ROOT, 'test/real-dc/bin/samba-tool'),
      REALDC_NETNS: dc.netns,
    };
    process.env.REALDC_NETNS = dc.netns;
    const logger = createWorkerLogger('silent');
    const target = (h: { name: string; ip: string }, action: VerifyTarget['action']): VerifyTarget => ({
      id: h.name,
      action,
      hostname: h.name,
      mac: '00:11:22:33:44:55',
      ip: h.ip,
      role: 'classroom-studentcomputer',
    });
    const rows: string[] = [];
    for (const n of [1, 50, 200]) {
      const v = new Verifier(loadWorkerConfig(env), logger);
      const times: number[] = [];
      let runs = 0;
      for (let r = 0; r < RUNS; r++) {
        const s = performance.now();
        const rep = await v.verify(
          'default-school',
          hosts.slice(0, n).map((h) => target(h, 'create')),
        );
        times.push(performance.now() - s);
        runs = rep.sambaToolRuns;
        const bad = [...rep.problems.values()].filter((p) => p.length).length;
        if (bad) throw new Error(`${bad} hosts not verified: ${JSON.stringify([...rep.problems.values()][0])}`);
      }
      rows.push(`| verify ${n} host${n > 1 ? 's' : ''} | ${runs} | ${median(times).toFixed(0)} ms |`);
    }
    const v = new Verifier(loadWorkerConfig({ ...env, DC_CLEANUP: 'true' }), logger);
    const s = performance.now();
    const rep = await v.verify(
      'default-school',
      hosts.slice(200, 210).map((h) => target(h, 'delete')),
    );
    const ms = performance.now() - s;
    const bad = [...rep.problems.values()].filter((p) => p.length).length;
    rows.push(
      `| clean-up of 10 deletes (${rep.cleaned.length} objects deleted, ${bad} left) | ${rep.sambaToolRuns} | ${ms.toFixed(0)} ms |`,
    );
    console.log(['| batch | samba-tool processes | wall time (median of 3) |', '|---|---|---|', ...rows].join('\n'));
  } finally {
    await dc.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
