// DOMAIN.md §11 worker scenarios 1–7, 11, 14 and the bulk-verification property, each against the
// real worker process, real Redis (DB 3), the fake DC tools and the fake internal API.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

import { manualLine, useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(60_000);

const build = useWorkerBuild();
let env: WorkerEnv | undefined;

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

  it('scenario 2: 10 creates within a second → one import run, all synced', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, debounceSec: 1 });
    const w = env.spawn();
    await waitFor(() => w.logs.some((l) => l.msg === 'worker started'), 'worker start');
    const ops = Array.from({ length: 10 }, (_, i) =>
      env!.api.addProvision('create', {
        hostname: `pc2${i}`,
        macAddress: `00:11:22:33:42:${String(10 + i)}`,
        ipAddress: `10.0.102.${10 + i}`,
      }),
    );
    for (const op of ops) await env.publish(op);
    for (const op of ops) await env.waitStatus(op.id, 'completed');
    expect(env.dc.importRuns()).toHaveLength(1);
    expect(
      env.dc
        .readMaster()
        .split('\n')
        .filter((l) => /;pc2\d;/.test(l)),
    ).toHaveLength(10);
  });

  it('scenario 3: IP update → line patched in place, A/PTR replaced, synced', async () => {
    env = await WorkerEnv.create(build.main, { master: `${HEADER}${MANUAL_A}\n` });
    const create = env.api.addProvision('create', {
      hostname: 'pc03',
      macAddress: '00:11:22:33:44:03',
      ipAddress: '10.0.100.3',
    });
    env.spawn();
    await env.publish(create);
    await env.waitStatus(create.id, 'completed');
    const tail = `${MANUAL_B}\n`;
    env.dc.writeMaster(env.dc.readMaster() + tail); // an admin adds a line below ours
    const before = lines(env.dc.readMaster());
    const pos = before.findIndex((l) => l.includes(';pc03;'));

    const update = env.api.addProvision('update', {
      hostId: (create.options as { hostId: string }).hostId,
      hostname: 'pc03',
      macAddress: '00:11:22:33:44:03',
      ipAddress: '10.0.101.33',
    });
    await env.publish(update);
    const done = await env.waitStatus(update.id, ['completed', 'failed']);
    expect(done.error).toBeNull();
    const after = lines(env.dc.readMaster());
    expect(after.findIndex((l) => l.includes(';pc03;'))).toBe(pos);
    expect(after[pos]).toContain(';10.0.101.33;');
    expect(after.filter((_, i) => i !== pos)).toEqual(before.filter((_, i) => i !== pos));
    expect(env.dc.records('pc03', 'A')).toEqual(['10.0.101.33']);
    expect(env.dc.records('3', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
    expect(env.dc.records('33', 'PTR', '101.0.10.in-addr.arpa').map((r) => r.replace(/\.$/, ''))).toEqual([
      'pc03.linuxmuster.lan',
    ]);
  });

  it('scenario 4: rename → old name gone, new present, line keeps position and unmanaged columns', async () => {
    const adoptable = manualLine('r300', 'old04', '00:11:22:33:44:04', '10.0.100.4', 'room 300 front');
    const master = `${HEADER}${adoptable}\n${MANUAL_A}\n`;
    env = await WorkerEnv.create(build.main, { master });
    const hostId = 'host-04';
    // the API imported the existing line: same name and MAC → adopted in place (DOMAIN.md §9)
    const adopt = env.api.addProvision('update', {
      hostId,
      hostname: 'old04',
      room: 'r300',
      macAddress: '00:11:22:33:44:04',
      ipAddress: '10.0.100.4',
    });
    env.spawn();
    await env.publish(adopt);
    await env.waitStatus(adopt.id, 'completed');
    expect(env.dc.computer('OLD04')).toBeDefined();

    const rename = env.api.addProvision('update', {
      hostId,
      hostname: 'new04',
      oldHostname: 'old04',
      room: 'r300',
      macAddress: '00:11:22:33:44:04',
      ipAddress: '10.0.100.4',
    });
    await env.publish(rename);
    const done = await env.waitStatus(rename.id, ['completed', 'failed']);
    expect(done.error).toBeNull();
    const after = lines(env.dc.readMaster());
    expect(after[1]).toMatch(/^r300;new04;win10;00:11:22:33:44:04;10\.0\.100\.4;/);
    expect(after[1].split(';')[14]).toBe('room 300 front');
    expect(after[2]).toBe(MANUAL_A);
    expect(env.dc.readMaster()).not.toContain('old04');
    expect(env.dc.computer('OLD04')).toBeUndefined();
    expect(env.dc.computer('NEW04')).toBeDefined();
    expect(env.dc.records('old04', 'A')).toEqual([]);
    expect(env.dc.records('new04', 'A')).toEqual(['10.0.100.4']);
    expect(env.dc.readDhcp()).not.toContain('host old04 {');
  });

  it('scenario 5: delete → line, account, records gone; delete of a foreign-MAC line fails and leaves it', async () => {
    env = await WorkerEnv.create(build.main, { master: `${HEADER}${MANUAL_A}\n` });
    const create = env.api.addProvision('create', {
      hostname: 'pc05',
      macAddress: '00:11:22:33:44:05',
      ipAddress: '10.0.100.5',
    });
    env.spawn();
    await env.publish(create);
    await env.waitStatus(create.id, 'completed');
    expect(env.dc.computer('PC05')).toBeDefined();

    const del = env.api.addProvision('delete', { ...(create.options as object), hostname: 'pc05' });
    const foreign = env.api.addProvision('delete', {
      hostname: 'manual01',
      macAddress: '00:11:22:33:44:99',
      ipAddress: '10.0.200.1',
    });
    await env.publish(del);
    await env.publish(foreign);
    const done = await env.waitStatus(del.id, ['completed', 'failed']);
    expect(done.error).toBeNull();
    const refused = await env.waitStatus(foreign.id, ['completed', 'failed']);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^NOT_OWNED: /);
    expect(env.dc.readMaster()).toBe(`${HEADER}${MANUAL_A}\n`);
    expect(env.dc.computer('PC05')).toBeUndefined();
    expect(env.dc.records('pc05', 'A')).toEqual([]);
    expect(env.dc.records('5', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
    expect(env.dc.readDhcp()).not.toContain('host pc05 {');
    expect(env.dc.computer('MANUAL01')).toBeDefined();
  });

  it('scenario 6: delete + re-create of the same name in one batch → the new host is present', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, debounceSec: 0.5 });
    const old = env.api.addProvision('create', {
      hostname: 'pc06',
      macAddress: '00:11:22:33:44:06',
      ipAddress: '10.0.100.6',
    });
    const w = env.spawn();
    await env.publish(old);
    await env.waitStatus(old.id, 'completed');
    await waitFor(() => env!.dc.importRuns().length === 1, 'first import');

    const del = env.api.addProvision('delete', { ...(old.options as object), hostname: 'pc06' });
    const again = env.api.addProvision('create', {
      hostname: 'pc06',
      macAddress: '00:11:22:33:44:66',
      ipAddress: '10.0.100.66',
    });
    await env.publish(del);
    await env.publish(again);
    expect((await env.waitStatus(del.id, ['completed', 'failed'])).error).toBeNull();
    expect((await env.waitStatus(again.id, ['completed', 'failed'])).error).toBeNull();
    expect(env.dc.importRuns()).toHaveLength(2);
    const hostLines = lines(env.dc.readMaster()).filter((l) => l.includes(';pc06;'));
    expect(hostLines).toHaveLength(1);
    expect(hostLines[0]).toContain('00:11:22:33:44:66;10.0.100.66;');
    expect(env.dc.records('pc06', 'A')).toEqual(['10.0.100.66']);
    expect(env.dc.computer('PC06')).toBeDefined();
    expect(w.isRunning()).toBe(true);
  });

  it('scenario 7: MAC conflict with an aa-bb-… manual line → that job fails naming MAC and host; the rest syncs', async () => {
    const manual = manualLine('r200', 'manual07', 'aa-bb-cc-dd-ee-07', '10.0.200.7');
    const master = `${HEADER}${manual}\n`;
    env = await WorkerEnv.create(build.main, { master, debounceSec: 0.5 });
    const bad = env.api.addProvision('create', {
      hostname: 'pc07a',
      macAddress: 'AA:BB:CC:DD:EE:07',
      ipAddress: '10.0.100.71',
    });
    const good = env.api.addProvision('create', {
      hostname: 'pc07b',
      macAddress: '00:11:22:33:44:72',
      ipAddress: '10.0.100.72',
    });
    await env.publish(bad);
    await env.publish(good);
    env.spawn();
    const failed = await env.waitStatus(bad.id, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^CSV_CONFLICT: /);
    expect(failed.error).toMatch(/AA:BB:CC:DD:EE:07/i);
    expect(failed.error).toContain('manual07');
    expect((await env.waitStatus(good.id, ['completed', 'failed'])).error).toBeNull();
    const after = env.dc.readMaster();
    expect(after).not.toContain('pc07a');
    expect(fs.readFileSync(env.deltaPath, 'utf8')).not.toContain('pc07a');
    expect(after).toContain(manual);
    expect(env.dc.computer('PC07A')).toBeUndefined();
    expect(env.dc.computer('PC07B')).toBeDefined();
  });

  it('scenario 7b: an invalid manual line → batch failed naming file and line, no import, nothing written', async () => {
    const master = `${HEADER}${MANUAL_A}\nr200;bad_host;win10;00:AA:00:00:00:09;10.0.200.9;;;;;;1;;;;\n`;
    env = await WorkerEnv.create(build.main, { master });
    const op = env.api.addProvision('create', {
      hostname: 'pc08',
      macAddress: '00:11:22:33:44:08',
      ipAddress: '10.0.100.8',
    });
    env.spawn();
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^CSV_MANUAL_LINE_INVALID: /);
    expect(done.error).toContain(`${env.dc.masterPath()}:3`);
    expect(env.dc.importRuns()).toHaveLength(0);
    expect(env.dc.readMaster()).toBe(master);
    expect(fs.existsSync(env.deltaPath)).toBe(false);
  });

  it('scenario 11: dry-run → nothing written, no import, completed with dryRun and merge stats', async () => {
    const master = `${HEADER}${MANUAL_A}\n`;
    env = await WorkerEnv.create(build.main, { master });
    const dir = env.dc.masterPath().replace(/\/[^/]+$/, '');
    const before = fs.readdirSync(dir).sort();
    const op = env.api.addProvision('create', {
      hostname: 'pc11',
      macAddress: '00:11:22:33:44:11',
      ipAddress: '10.0.100.11',
      dryRun: true,
    });
    env.spawn();
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ dryRun: true, stats: { appended: 1 } });
    expect(fs.readdirSync(dir).sort()).toEqual(before);
    expect(env.dc.readMaster()).toBe(master);
    expect(env.dc.importRuns()).toHaveLength(0);
    expect(env.dc.sambaToolRuns()).toHaveLength(0);
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('scenario 14: missing master → batch refused, nothing written, clear error', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    fs.rmSync(env.dc.masterPath());
    const dir = env.dc.masterPath().replace(/\/[^/]+$/, '');
    const op = env.api.addProvision('create', {
      hostname: 'pc14',
      macAddress: '00:11:22:33:44:14',
      ipAddress: '10.0.100.14',
    });
    env.spawn();
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^MASTER_MISSING: .*devices\.csv does not exist/);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(env.dc.importRuns()).toHaveLength(0);
  });

  it('another school: its own master (S.devices.csv), import -s S, names with the S- prefix in AD/DNS/DHCP', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER });
    env.dc.writeMaster(`${MANUAL_A}\n`, 'north');
    const dhcpTemplate = env.dc.dhcpPath().replace(/default-school\.conf$/, '{school}.conf');
    const op = env.api.addProvision(
      'create',
      { hostname: 'pc30', macAddress: '00:11:22:33:44:30', ipAddress: '10.0.130.30' },
      'north',
    );
    env.spawn({ DEVICES_CSV_MASTER: env.dc.masterPath('north'), DHCP_VERIFY_FILE: dhcpTemplate });
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    expect(env.dc.importRuns().map((r) => r.argv)).toEqual([['-s', 'north']]);
    expect(env.dc.readMaster('north')).toBe(
      `${MANUAL_A}\n${'r100;pc30;win10;00:11:22:33:44:30;10.0.130.30;;;;classroom-studentcomputer;;1;;;;'}\n`,
    );
    expect(env.dc.readMaster()).toBe(HEADER);
    expect(env.dc.computer('NORTH-PC30$')).toBeDefined();
    expect(env.dc.records('north-pc30', 'A')).toEqual(['10.0.130.30']);
    expect(env.dc.readDhcp('north')).toContain('host north-pc30 {');
  });

  describe('delete leftovers sophomorix did not create (DOMAIN.md §9 step 8)', () => {
    const makeManualObjects = (e: WorkerEnv) => {
      const tool = (...args: string[]) => {
        const r = spawnSync(e.dc.bin.sambaTool, [...args, '-P'], {
          env: { ...process.env, ...e.dc.env },
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`samba-tool ${args.join(' ')}: ${r.stderr}`);
      };
      tool('computer', 'create', 'pc40');
      tool('dns', 'add', 'localhost', 'linuxmuster.lan', 'pc40', 'A', '10.0.100.40');
      tool('dns', 'zonecreate', 'localhost', '100.0.10.in-addr.arpa');
      tool('dns', 'add', 'localhost', '100.0.10.in-addr.arpa', '40', 'PTR', 'pc40.linuxmuster.lan');
    };
    const snapshot = { hostname: 'pc40', macAddress: '00:11:22:33:44:40', ipAddress: '10.0.100.40' };

    it('without DC_CLEANUP (default, even with credentials): the delete fails VERIFY_FAILED naming what is left', async () => {
      env = await WorkerEnv.create(build.main, { master: HEADER });
      makeManualObjects(env);
      const op = env.api.addProvision('delete', snapshot);
      env.spawn();
      await env.publish(op);
      const done = await env.waitStatus(op.id, ['completed', 'failed']);
      expect(done.status).toBe('failed');
      expect(done.error).toMatch(
        /^VERIFY_FAILED: .*computer account PC40\$ still present; A record pc40\.linuxmuster\.lan → 10\.0\.100\.40 still present; PTR record 40\.100\.0\.10\.in-addr\.arpa → pc40\.linuxmuster\.lan still present/,
      );
      expect(env.dc.computer('PC40')).toBeDefined();
    });

    it('with DC_CLEANUP=true: leftovers are deleted, then verified absent → completed', async () => {
      env = await WorkerEnv.create(build.main, { master: HEADER });
      makeManualObjects(env);
      const op = env.api.addProvision('delete', snapshot);
      env.spawn({ SAMBA_TOOL_AUTH: 'global-admin%Muster!', DC_CLEANUP: 'true' });
      await env.publish(op);
      const done = await env.waitStatus(op.id, ['completed', 'failed']);
      expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
      // like a real DC, `computer delete` takes the A/PTR of the account's dNSHostName with it: the
      // DNS deletes after it find nothing and are no failure
      expect(done.result).toMatchObject({ verify: { cleaned: 1 } });
      expect(env.dc.computer('PC40')).toBeUndefined();
      expect(env.dc.records('pc40', 'A')).toEqual([]);
      expect(env.dc.records('40', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
      // (the fake DC logs the password as ***)
      const deletes = env.dc.sambaToolRuns().filter((r) => r.argv.includes('delete'));
      expect(deletes.map((r) => r.argv)).toEqual(
        expect.arrayContaining([
          ['computer', 'delete', 'pc40', '-U', 'global-admin%***'],
          ['dns', 'delete', '127.0.0.1', 'linuxmuster.lan', 'pc40', 'A', '10.0.100.40', '-U', 'global-admin%***'],
          [
            'dns',
            'delete',
            '127.0.0.1',
            '100.0.10.in-addr.arpa',
            '40',
            'PTR',
            'pc40.linuxmuster.lan',
            '-U',
            'global-admin%***',
          ],
        ]),
      );
    });
  });

  it('LINBO_DOMAIN=auto: the domain comes from samba-tool domain info', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, domain: 'school.example' });
    const op = env.api.addProvision('create', {
      hostname: 'pc50',
      macAddress: '00:11:22:33:44:50',
      ipAddress: '10.0.100.50',
    });
    env.spawn({ LINBO_DOMAIN: 'auto' });
    await env.publish(op);
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
    expect(env.dc.sambaToolRuns().filter((r) => r.argv[0] === 'domain')).toHaveLength(1);
    expect(env.dc.sambaToolRuns().some((r) => r.argv.includes('school.example'))).toBe(true);
  });

  it('an import that hangs is killed at IMPORT_TIMEOUT_SEC and retried (bounded); a later try succeeds', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, hang: true });
    const op = env.api.addProvision('create', {
      hostname: 'pc51',
      macAddress: '00:11:22:33:44:51',
      ipAddress: '10.0.100.51',
    });
    env.spawn({ IMPORT_TIMEOUT_SEC: '1' });
    await env.publish(op);
    await waitFor(() => env!.api.status(op.id) === 'retrying', 'the worker-initiated retry');
    expect(env.api.ops.get(op.id)!.error).toMatch(
      /^IMPORT_TIMEOUT: import timed out after 1 s; computer account PC51\$ missing/,
    );
    env.dc.setConfig({ hang: false });
    const done = await env.waitStatus(op.id, ['completed', 'failed']);
    expect({ status: done.status, attempt: done.attempt }).toEqual({ status: 'completed', attempt: 2 });
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });

  it('an import that keeps hanging is given up after maxAttempts with a clear message', async () => {
    env = await WorkerEnv.create(build.main, { master: HEADER, hang: true });
    const op = env.api.addProvision('create', {
      hostname: 'pc52',
      macAddress: '00:11:22:33:44:52',
      ipAddress: '10.0.100.52',
    });
    env.spawn({ IMPORT_TIMEOUT_SEC: '1' });
    await env.publish(op);
    const done = await env.waitStatus(op.id, 'failed', 30_000);
    expect(done.error).toMatch(/^gave up after 3 attempts: IMPORT_TIMEOUT: import timed out after 1 s/);
    expect(env.api.deadLettered).toEqual([op.id]);
    expect(env.dc.importRuns()).toHaveLength(3);
    await waitFor(async () => (await env!.pending()) === 0, 'ACK');
  });
});
