// Issue 10 / DOMAIN.md §9 step 6: the worker refuses to write a merged devices.csv that drops more
// host lines than the batch deletes (MergeStep.guarded, mass-delete-guard.ts). A damaged master,
// where a managed host's line was duplicated by hand, makes one delete drop two lines: the whole
// batch is refused, nothing is written, no import runs. A batch whose drops match its deletes goes on.
import * as fs from 'node:fs';

import { manualLine, useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(60_000);

const build = useWorkerBuild();

const HEADER = '# devices.csv of the test school\n';
const MANUAL = manualLine('r200', 'manual01', '00:AA:00:00:00:01', '10.0.200.1');
const PC01 = manualLine('r100', 'pc01', '00:11:22:33:45:01', '10.0.100.101');
const PC02 = manualLine('r100', 'pc02', '00:11:22:33:45:02', '10.0.100.102');
const PC03 = manualLine('r100', 'pc03', '00:11:22:33:45:03', '10.0.100.103');

function snapshot(hostname: string, mac: string, ip: string) {
  return { hostname, macAddress: mac, ipAddress: ip };
}

describe('mass-deletion guard through the real worker (MASS_DELETE_REFUSED)', () => {
  it('a batch that would drop more host lines than it deletes is refused: file unchanged, no import, every job failed', async () => {
    // pc01's line twice (same MAC): deleting pc01 would remove both lines, 2 drops for 1 delete
    const master = `${HEADER}${MANUAL}\n${PC01}\n${PC02}\n${PC01}\n`;
    const env = await WorkerEnv.create(build.main, { master, debounceSec: 0.5 });
    const del = env.api.addProvision('delete', snapshot('pc01', '00:11:22:33:45:01', '10.0.100.101'));
    const create = env.api.addProvision('create', snapshot('pc09', '00:11:22:33:45:09', '10.0.100.109'));
    env.spawn();
    await env.publish(del);
    await env.publish(create);

    const refused = await env.waitStatus(del.id, ['completed', 'failed']);
    const alsoRefused = await env.waitStatus(create.id, ['completed', 'failed']);
    for (const op of [refused, alsoRefused]) {
      expect(op.status).toBe('failed');
      expect(op.error).toMatch(
        /^MASS_DELETE_REFUSED: .*would drop 2 host lines but the batch deletes only 1; nothing written/,
      );
    }
    await waitFor(async () => (await env.pending()) === 0, 'ACK of the refused jobs');
    expect(env.dc.readMaster()).toBe(master);
    expect(fs.existsSync(`${env.dc.masterPath()}.bak.1`)).toBe(false);
    expect(env.dc.importRuns()).toHaveLength(0);
    // the delta keeps no trace of the refused jobs either
    const delta = fs.existsSync(env.deltaPath) ? fs.readFileSync(env.deltaPath, 'utf8') : '';
    expect(delta).not.toContain('pc09');
  });

  it('a batch whose drops equal its deletes proceeds: lines removed, one import, completed', async () => {
    const master = `${HEADER}${MANUAL}\n${PC01}\n${PC02}\n${PC03}\n`;
    const env = await WorkerEnv.create(build.main, { master, debounceSec: 0.5 });
    const ops = [
      env.api.addProvision('delete', snapshot('pc01', '00:11:22:33:45:01', '10.0.100.101')),
      env.api.addProvision('delete', snapshot('pc03', '00:11:22:33:45:03', '10.0.100.103')),
    ];
    env.spawn();
    for (const op of ops) await env.publish(op);
    for (const op of ops) {
      const done = await env.waitStatus(op.id, ['completed', 'failed']);
      expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    }
    expect(env.dc.readMaster()).toBe(`${HEADER}${MANUAL}\n${PC02}\n`);
    expect(fs.readFileSync(`${env.dc.masterPath()}.bak.1`, 'utf8')).toBe(master);
    expect(env.dc.importRuns()).toHaveLength(1);
  });
});
