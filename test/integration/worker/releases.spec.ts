// SPEC §11 scenario 8 for every import-tool release of SPEC §3: a devices file sophomorix rejects
// (a bad line in ANOTHER school's file, which our pre-flight of this school cannot see but
// sophomorix reads) → the job fails with the import's own message; after the fix a retry succeeds.
import { buildWorker, manualLine, WorkerEnv } from './harness';

jest.setTimeout(60_000);

let build: ReturnType<typeof buildWorker>;
let env: WorkerEnv | undefined;

beforeAll(() => {
  build = buildWorker();
});
afterAll(() => build.cleanup());
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const BAD_OTHER_SCHOOL = 'r1;bad_host;win10;00:BB:00:00:00:01;10.9.0.1;;;;;;1;;;;\n';
const GOOD_OTHER_SCHOOL = `${manualLine('r1', 'good-host', '00:BB:00:00:00:01', '10.9.0.1')}\n`;

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
  it('bad file → job failed with the import message; retry after the fix → synced', async () => {
    env = await WorkerEnv.create(build.main, { release, master: '' });
    env.dc.writeMaster(BAD_OTHER_SCHOOL, 'school2');
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

    // the admin fixes the other school's file; the API's retry republishes the job
    env.dc.writeMaster(GOOD_OTHER_SCHOOL, 'school2');
    env.api.retry(op.id);
    await env.publish(op, 2);
    const retried = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(retried.status).toBe('completed');
    expect(env.dc.computer('PC80')).toBeDefined();
    expect(env.dc.records('pc80', 'A')).toEqual(['10.0.100.80']);
    expect(env.dc.importRuns()).toHaveLength(2);
  });
});
