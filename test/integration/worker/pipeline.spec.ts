// SPEC §11 worker scenarios 1–7, 11, 14 and the bulk-verification property, each against the
// real worker process, real Redis (DB 3), the fake DC tools and the fake internal API.
import * as fs from 'node:fs';
import { buildWorker, manualLine, waitFor, WorkerEnv } from './harness';

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

const HEADER = '# devices.csv of the test school\n';
const MANUAL_A = manualLine('r200', 'manual01', '00:AA:00:00:00:01', '10.0.200.1', 'keep me');
const MANUAL_B = `${manualLine('r200', 'manual02', '00:AA:00:00:00:02', '10.0.200.2')};extra;cols\r`;

function lines(text: string): string[] {
  return text.split('\n');
}

describe('dc-worker pipeline', () => {
  it('scenario 1: one create → one import run, account/A/PTR/DHCP exist, synced, manual lines byte-identical', async () => {
    const master = `${HEADER}${MANUAL_A}\n\n${MANUAL_B}\n`;
    env = await WorkerEnv.create(build.main, { master });
    const op = env.api.addProvision('create', {
      hostname: 'pc01',
      macAddress: '00:11:22:33:44:01',
      ipAddress: '10.0.100.1',
    });
    const w = env.spawn();
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });

    expect(env.dc.importRuns()).toHaveLength(1);
    expect(env.dc.importRuns()[0].argv).toEqual(['-s', 'default-school']);
    expect(env.dc.computer('PC01$')).toBeDefined();
    expect(env.dc.records('pc01', 'A')).toEqual(['10.0.100.1']);
    expect(env.dc.records('1', 'PTR', '100.0.10.in-addr.arpa').map((r) => r.replace(/\.$/, ''))).toEqual([
      'pc01.linuxmuster.lan',
    ]);
    expect(env.dc.readDhcp()).toContain('host pc01 {');
    expect(env.dc.readDhcp()).toContain('fixed-address 10.0.100.1;');

    const after = env.dc.readMaster();
    // every manual line byte-identical and in place; the new host appended
    expect(after.startsWith(master)).toBe(true);
    expect(lines(after)).toContain(
      lines(after).find((l) => l.startsWith('r100;pc01;win10;00:11:22:33:44:01;10.0.100.1;')),
    );
    expect(fs.readFileSync(env.deltaPath, 'utf8')).toMatch(/^# managed-by: .*DO NOT EDIT MANUALLY\n.*pc01/);
    expect(fs.existsSync(`${env.dc.masterPath()}.bak.1`)).toBe(true);
    expect(fs.readFileSync(`${env.dc.masterPath()}.bak.1`, 'utf8')).toBe(master);
    expect(done.result).toMatchObject({ dryRun: false, import: { exitCode: 0 } });
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
    const logs = w.logs.filter((l) => l.operationId === op.id);
    expect(logs.length).toBeGreaterThan(0);
  });
});
