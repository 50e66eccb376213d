// DOMAIN.md §11 scenario 8 for every import-tool release of DOMAIN.md §3: sophomorix rejects the files
// (exit 88) for a reason our pre-flight cannot see — the worker pre-flights every school's file
// (hardening.spec.ts), so the fake DC's `failNext` knob stands in for it, e.g. a file changed
// between our check and the import → the job fails with the import's own message; once the cause
// is gone a retry succeeds.
import { useWorkerBuild, WorkerEnv } from './harness';

jest.setTimeout(60_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

describe.each([
  ['7.2', /^IMPORT_FAILED: import exited 1: "sophomorix-device finished {2}errors detected!"/],
  [
    '7.3',
    /^VERIFY_FAILED: import exited 0 \("sophomorix-device finished {2}OK!"\) but the DC does not match: computer account PC80\$ missing/,
  ],
  [
    '7.4',
    /^IMPORT_FAILED: import exited 1: "sophomorix-device --dry-run failed with return code 88!"; ".*import-devices\.log: ERROR: /,
  ],
  ['old', /^IMPORT_FAILED: import exited 0: "ERROR: /],
] as const)('import release %s', (release, expected) => {
  it('sophomorix rejects the files → job failed with the import message; a retry once the cause is gone → synced', async () => {
    env = await WorkerEnv.create(build.main, { release, master: '' });
    env.dc.setConfig({ failNext: 1 });
    const op = env.api.addProvision('create', {
      hostname: 'pc80',
      macAddress: '00:11:22:33:44:80',
      ipAddress: '10.0.100.80',
    });
    env.spawn();
    await env.publish(op, 1);
    const failed = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(expected);
    expect(env.dc.computer('PC80')).toBeUndefined();

    // the cause is gone (failNext used up); the API's retry republishes the job
    env.api.retry(op.id);
    await env.publish(op, 2);
    const retried = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(retried.status).toBe('completed');
    expect(env.dc.computer('PC80')).toBeDefined();
    expect(env.dc.records('pc80', 'A')).toEqual(['10.0.100.80']);
    expect(env.dc.importRuns()).toHaveLength(2);
  });
});
