// The worker's command line: --check, --once, --help and config errors, as an admin runs them.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(30_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

function stdout(w: { logs: Array<Record<string, unknown>> }): string {
  return w.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n');
}

describe('dc-worker CLI', () => {
  it('--check passes against a reachable setup and prints OK per check', async () => {
    env = await WorkerEnv.create(build.main, { master: '# x\n' });
    // on a DC the DHCP devices file exists before the worker is installed
    fs.mkdirSync(path.dirname(env.dc.dhcpPath()), { recursive: true });
    fs.writeFileSync(env.dc.dhcpPath(), '');
    const w = env.spawn({}, ['--check']);
    const exit = await w.exited;
    const out = stdout(w);
    expect(exit.code === 0 ? 'exit 0' : out).toBe('exit 0');
    for (const name of [
      'config',
      'master',
      'IMPORT_SCRIPT',
      'SAMBA_TOOL',
      'MACCT_REPAIR_SCRIPT',
      'FLOCK_COMMAND',
      'Redis',
      'API',
    ]) {
      expect(out).toMatch(new RegExp(`^OK {3}${name}`, 'm'));
    }
    expect(out).toContain('all checks passed');
  });

  it('--check with SOPHOMORIX_DIR looks at every school folder there and names a broken one', async () => {
    env = await WorkerEnv.create(build.main, { master: '# x\n' });
    env.dc.writeMaster('', 'north');
    // a broken school: its devices "file" is a folder
    fs.mkdirSync(env.dc.masterPath('south'), { recursive: true });
    const root = path.dirname(path.dirname(env.dc.masterPath()));
    fs.mkdirSync(path.join(root, 'not-a-school'));
    const w = env.spawn({ DEVICES_CSV_MASTER: '', DEVICES_CSV_DELTA: '', SOPHOMORIX_DIR: root }, ['--check']);
    expect((await w.exited).code).toBe(1);
    const out = stdout(w);
    expect(out).toMatch(new RegExp(`^OK {3}schools in ${root}: default-school, north, south$`, 'm'));
    expect(out).toMatch(new RegExp(`^OK {3}master ${env.dc.masterPath('north')}`, 'm'));
    expect(out).toMatch(/^OK {3}delta folder \(north\)/m);
    expect(out).toMatch(/^FAIL master .*south\/south\.devices\.csv: .*EISDIR/m);
    expect(out).not.toContain('not-a-school');
  });

  it('--check names each failing check and exits 1', async () => {
    env = await WorkerEnv.create(build.main, { master: '# x\n' });
    const w = env.spawn(
      {
        INTERNAL_API_KEY: 'wrong-key',
        IMPORT_SCRIPT: '/nonexistent/import',
        DEVICES_CSV_MASTER: '/nonexistent/devices.csv',
      },
      ['--check'],
    );
    expect((await w.exited).code).toBe(1);
    const out = stdout(w);
    expect(out).toMatch(/^FAIL master \/nonexistent\/devices\.csv: .*ENOENT/m);
    expect(out).toMatch(/^FAIL IMPORT_SCRIPT: \/nonexistent\/import missing or not executable/m);
    expect(out).toMatch(/^FAIL API .*HTTP 401: key rejected/m);
    expect(out).toMatch(/^OK {3}Redis/m);
  });

  it('an invalid configuration exits 2 naming the variables', async () => {
    env = await WorkerEnv.create(build.main);
    const w = env.spawn({ PROVISION_BATCH_SIZE: '0', INTERNAL_API_KEY: '' });
    expect((await w.exited).code).toBe(2);
    expect(w.stderr.join('')).toMatch(
      /INTERNAL_API_KEY: required[\s\S]*PROVISION_BATCH_SIZE: must be an integer from 1 to 1000/,
    );
  });

  it('--help prints the usage and every variable', async () => {
    env = await WorkerEnv.create(build.main);
    const w = env.spawn({}, ['--help']);
    expect((await w.exited).code).toBe(0);
    const out = stdout(w);
    expect(out).toContain('--once');
    expect(out).toContain('PROVISION_DEBOUNCE_SEC');
  });

  it('--once processes what is queued, then exits 0', async () => {
    env = await WorkerEnv.create(build.main, { master: '# x\n' });
    const op = env.api.addProvision('create', {
      hostname: 'pc01',
      macAddress: '00:11:22:33:44:01',
      ipAddress: '10.0.100.1',
    });
    await env.publish(op);
    const w = env.spawn({}, ['--once']);
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(env.api.status(op.id)).toBe('completed');
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });
});
