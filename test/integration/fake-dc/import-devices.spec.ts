// The fake linuxmuster-import-devices as a real process: sophomorix's checks (DOMAIN.md §2), the sync
// semantics, the DHCP file (DOMAIN.md §3) and each release's way of reporting errors.
import * as fs from 'node:fs';

import { createFakeDc, FakeDc, FakeDcRelease } from '../../fake-dc';
import { deviceLine, runTool } from './run-tool';

const PC01 = deviceLine({ host: 'r100-pc01', mac: '00:11:22:33:44:55', ip: '10.0.100.1' });
const PC02 = deviceLine({ host: 'r100-pc02', mac: '00:11:22:33:44:56', ip: '10.0.100.2' });
const EMPTY_PXE = deviceLine({ host: 'r100-pc09', mac: '00:11:22:33:44:59', ip: '10.0.100.9', pxe: '' });

const lines = (...l: string[]) => l.map((x) => `${x}\n`).join('');
const importDevices = (dc: FakeDc, args: string[] = [], env?: Record<string, string>) =>
  runTool(dc, 'importDevices', args, { env });

describe('fake linuxmuster-import-devices', () => {
  const dcs: FakeDc[] = [];
  const fakeDc = (...a: Parameters<typeof createFakeDc>) => {
    const dc = createFakeDc(...a);
    dcs.push(dc);
    return dc;
  };
  afterAll(() => dcs.forEach((dc) => dc.cleanup()));

  describe('successful sync', () => {
    it('creates accounts for roles that have one, A+PTR except for DHCP, and the DOMAIN.md §3 DHCP file', async () => {
      const dc = fakeDc({
        master: lines(
          '# a comment line is skipped',
          PC01,
          deviceLine({ host: 'R100-PC02', group: 'nopxe', mac: '00-11-22-33-44-56', ip: 'DHCP', pxe: '0' }),
          deviceLine({ room: 'r101', host: 'voip1', mac: '0011.2233.4457', ip: '10.0.101.7', role: 'voip', pxe: '0' }),
          deviceLine({ room: 'r101', host: 'printer1', mac: '00_11_22_33_44_58', ip: '10.0.101.8', role: 'printer' }),
          '   ',
        ),
      });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('sophomorix-device finished  OK!\n');

      // AD: upper-case NAME$, only roles with an account (voip is DNS only), DHCP hosts too
      expect(Object.keys(dc.readState().computers).sort()).toEqual(['PRINTER1', 'R100-PC01', 'R100-PC02', 'SERVER']);
      expect(dc.computer('r100-pc01')).toMatchObject({ sAMAccountName: 'R100-PC01$', room: 'r100', by: 'sophomorix' });
      // DNS: lower-case node, no record for DHCP, PTR in the 3-octet reverse zone
      expect(dc.records('r100-pc01', 'A')).toEqual(['10.0.100.1']);
      expect(dc.records('voip1', 'A')).toEqual(['10.0.101.7']);
      expect(dc.records('r100-pc02', 'A')).toEqual([]);
      expect(dc.records('1', 'PTR', '100.0.10.in-addr.arpa')).toEqual(['r100-pc01.linuxmuster.lan']);
      expect(dc.records('8', 'PTR', '101.0.10.in-addr.arpa')).toEqual(['printer1.linuxmuster.lan']);

      // DHCP: options only when pxe≠0, no fixed-address for DHCP, only ':'/'-' MACs, verbatim
      expect(dc.readDhcp()).toBe(
        [
          'host r100-pc01 {',
          '  option host-name "r100-pc01";',
          '  hardware ethernet 00:11:22:33:44:55;',
          '  fixed-address 10.0.100.1;',
          '  option extensions-path "win10";',
          '  option nis-domain "win10";',
          '}',
          'host r100-pc02 {',
          '  option host-name "r100-pc02";',
          '  hardware ethernet 00-11-22-33-44-56;',
          '}',
          '',
        ].join('\n'),
      );
      expect(fs.readFileSync(`${dc.root}/etc/dhcp/devices.conf`, 'utf8')).toBe(
        'include "/etc/dhcp/devices/default-school.conf";\n',
      );
      expect(dc.importRuns()).toEqual([expect.objectContaining({ argv: [], exit: 0 })]);
    });

    it('writes extra DHCP options with pxe≠0 and skips IPs ending in 255 or outside the subnets', async () => {
      const dc = fakeDc({
        subnets: ['10.0.100.0/24'],
        master: lines(
          deviceLine(
            { host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.100.1' },
            { dhcpOptions: 'filename "boot/grub/x.efi", next-server 10.0.0.1' },
          ),
          deviceLine({ host: 'pc02', mac: '00:11:22:33:44:56', ip: '10.0.100.255' }),
          deviceLine({ host: 'pc03', mac: '00:11:22:33:44:57', ip: '10.0.200.3' }),
          deviceLine({ host: 'pc04', mac: '00:11:22:33:44:58', ip: '10.0.100.4', pxe: '0' }, { dhcpOptions: 'x y' }),
        ),
      });
      expect((await importDevices(dc)).exitCode).toBe(0);
      expect(dc.readDhcp()).toBe(
        [
          'host pc01 {',
          '  option host-name "pc01";',
          '  hardware ethernet 00:11:22:33:44:55;',
          '  fixed-address 10.0.100.1;',
          '  option extensions-path "win10";',
          '  option nis-domain "win10";',
          '  filename "boot/grub/x.efi";',
          '  next-server 10.0.0.1;',
          '}',
          'host pc04 {',
          '  option host-name "pc04";',
          '  hardware ethernet 00:11:22:33:44:58;',
          '  fixed-address 10.0.100.4;',
          '}',
          '',
        ].join('\n'),
      );
      // sophomorix itself accepted all four: they are in DNS
      expect(dc.records('pc02', 'A')).toEqual(['10.0.100.255']);
      expect(dc.records('pc03', 'A')).toEqual(['10.0.200.3']);
    });

    it('replaces A/PTR on an IP change and removes only what sophomorix made', async () => {
      const dc = fakeDc({ master: lines(PC01, PC02) });
      expect((await importDevices(dc)).exitCode).toBe(0);
      // an admin's own objects, some of them on a node sophomorix also uses
      for (const args of [
        ['computer', 'create', 'manual1'],
        ['dns', 'add', '127.0.0.1', 'linuxmuster.lan', 'manual1', 'A', '10.0.100.50'],
        ['dns', 'add', '127.0.0.1', 'linuxmuster.lan', 'r100-pc02', 'A', '10.0.100.99'],
      ]) {
        expect((await runTool(dc, 'sambaTool', [...args, '-P'])).exitCode).toBe(0);
      }

      dc.writeMaster(lines(PC01.replace('10.0.100.1', '10.0.200.1')));
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(0);

      expect(dc.records('r100-pc01', 'A')).toEqual(['10.0.200.1']);
      expect(dc.records('1', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
      expect(dc.records('1', 'PTR', '200.0.10.in-addr.arpa')).toEqual(['r100-pc01.linuxmuster.lan']);
      expect(dc.computer('R100-PC02')).toBeUndefined();
      expect(dc.records('2', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
      expect(dc.records('r100-pc02', 'A')).toEqual(['10.0.100.99']);
      expect(dc.computer('MANUAL1')).toMatchObject({ by: 'manual' });
      expect(dc.records('manual1', 'A')).toEqual(['10.0.100.50']);
      expect(dc.computer('SERVER')).toBeDefined();
      expect(dc.records('server', 'A')).toEqual(['10.0.0.1']);
    });

    it('drops the account when the role changes to a DNS-only one and leaves a same-named manual account alone', async () => {
      const dc = fakeDc({ master: lines(PC01) });
      expect((await runTool(dc, 'sambaTool', ['computer', 'create', 'R100-PC02'])).exitCode).toBe(0);
      dc.writeMaster(lines(PC01, PC02));
      expect((await importDevices(dc)).exitCode).toBe(0);
      expect(dc.computer('R100-PC02')).toMatchObject({ by: 'manual' });

      dc.writeMaster(lines(PC01.replace(';;;;;;1;', ';;;;thinclient;;1;')));
      expect((await importDevices(dc)).exitCode).toBe(0);
      expect(dc.computer('R100-PC01')).toBeUndefined();
      expect(dc.records('r100-pc01', 'A')).toEqual(['10.0.100.1']);
      // the manual one survives the removal of its line
      expect(dc.computer('R100-PC02')).toMatchObject({ by: 'manual' });
    });

    it('prefixes non-default school names with S- and reads every school on each run', async () => {
      const dc = fakeDc({ master: lines(PC01) });
      dc.writeMaster(lines(deviceLine({ host: 'r100-pc01', mac: '00:11:22:33:55:01', ip: '10.1.0.1' })), 'gym');
      const r = await importDevices(dc, ['-s', 'gym']);
      expect(r.exitCode).toBe(0);
      expect(dc.computer('R100-PC01')).toMatchObject({ school: 'default-school' });
      expect(dc.computer('GYM-R100-PC01')).toMatchObject({ sAMAccountName: 'GYM-R100-PC01$', school: 'gym' });
      expect(dc.records('gym-r100-pc01', 'A')).toEqual(['10.1.0.1']);
      expect(dc.records('1', 'PTR', '0.1.10.in-addr.arpa')).toEqual(['gym-r100-pc01.linuxmuster.lan']);
      expect(dc.readDhcp('gym')).toContain('host gym-r100-pc01 {\n  option host-name "gym-r100-pc01";\n');
      // only the -s school's DHCP file is rebuilt
      expect(dc.readDhcp('default-school')).toBeNull();
      expect(fs.readFileSync(`${dc.root}/etc/dhcp/devices.conf`, 'utf8')).toBe(
        'include "/etc/dhcp/devices/default-school.conf";\ninclude "/etc/dhcp/devices/gym.conf";\n',
      );

      // one bad line in another school's file blocks the sync of every school (DOMAIN.md §2)
      dc.writeMaster(
        lines(deviceLine({ host: 'r100-pc01', mac: '00:11:22:33:55:01', ip: '10.1.0.1', pxe: '' })),
        'gym',
      );
      dc.writeMaster(lines(PC01, PC02));
      const blocked = await importDevices(dc, [], { FAKE_DC_RELEASE: 'old' });
      expect(blocked.exitCode).toBe(0);
      expect(blocked.stdout).toContain('ERROR: >< is invalid Option in pxe field');
      expect(blocked.stdout).toContain('/etc/linuxmuster/sophomorix/gym/gym.devices.csv line 1');
      expect(dc.computer('R100-PC02')).toBeUndefined();
    });

    it('fails cleanly for a school without a devices file', async () => {
      const dc = fakeDc();
      const r = await importDevices(dc, ['-s', 'nowhere']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('ERROR: /etc/linuxmuster/sophomorix/nowhere/nowhere.devices.csv does not exist!');
    });
  });

  describe('sophomorix checks (DOMAIN.md §2), seen through the 7.4 wrapper', () => {
    // 7.4 prints the return code and logs sophomorix's own output
    const cases: Array<[string, string[], number, string]> = [
      ['invalid hostname', [deviceLine({ host: 'pc_01', mac: '00:11:22:33:44:55', ip: '10.0.0.1' })], 88, '>pc_01<'],
      [
        'invalid group',
        [deviceLine({ host: 'pc01', group: 'g.x', mac: '00:11:22:33:44:55', ip: '10.0.0.1' })],
        88,
        '>g.x<',
      ],
      ['IP octet 256', [deviceLine({ host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.0.256' })], 88, '>10.0.0.256<'],
      ['lower-case dhcp', [deviceLine({ host: 'pc01', mac: '00:11:22:33:44:55', ip: 'dhcp' })], 88, '>dhcp<'],
      ['IP with 2 dots', [deviceLine({ host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.1' })], 88, '>10.0.1<'],
      [
        'unknown role',
        [deviceLine({ host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.0.1', role: 'computer' })],
        88,
        '>computer< is invalid Option in role field',
      ],
      ['empty pxe', [EMPTY_PXE], 88, 'ERROR: >< is invalid Option in pxe field'],
      [
        'missing pxe column',
        ['r100;pc01;g;00:11:22:33:44:55;10.0.0.1'],
        88,
        'ERROR: >< is invalid Option in pxe field',
      ],
      [
        'MAC duplicate after normalising',
        [
          PC01,
          deviceLine({ host: 'pc02', mac: 'aa-bb-cc-dd-ee-ff', ip: '10.0.0.2' }),
          deviceLine({ host: 'pc03', mac: 'AABB.CCDD.EEFF', ip: '10.0.0.3' }),
        ],
        88,
        '>AA:BB:CC:DD:EE:FF<',
      ],
      [
        'duplicate IP',
        [PC01, deviceLine({ host: 'pc02', mac: '00:11:22:33:44:66', ip: '10.0.100.1' })],
        88,
        '>10.0.100.1< is used twice',
      ],
      [
        'invalid MAC dies',
        [deviceLine({ host: 'pc01', mac: '00:11:22:33:44', ip: '10.0.0.1' })],
        255,
        ' at /usr/sbin/sophomorix-device line ',
      ],
      [
        'room with a space',
        [deviceLine({ room: 'r 1', host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.0.1' })],
        1,
        '>r 1< is an invalid room name',
      ],
      [
        'leading-space comment is data',
        [` #${deviceLine({ host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.0.1' })}`],
        1,
        'invalid room name',
      ],
      [
        'duplicate name, case-insensitive',
        [PC01, deviceLine({ host: 'R100-PC01', mac: '00:11:22:33:44:66', ip: '10.0.0.2' })],
        1,
        '>r100-pc01< is used twice',
      ],
      [
        'CRLF keeps \\r on the last field (role)',
        ['r100;pc01;g;00:11:22:33:44:55;10.0.0.1;;;;printer\r'],
        88,
        'invalid Option in role field',
      ],
    ];

    it.each(cases)('%s', async (_name, body, code, message) => {
      const dc = fakeDc({ release: '7.4', master: lines(...body) });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(`sophomorix-device --dry-run failed with return code ${code}!\n`);
      expect(fs.readFileSync(dc.importLogPath, 'utf8')).toContain(message);
      expect(dc.readDhcp()).toBeNull();
      expect(dc.computer('pc01')).toBeUndefined();
      expect(dc.computer('r100-pc01')).toBeUndefined();
    });

    it('collects class-B errors but stops at the first class-A error', async () => {
      const dc = fakeDc({
        release: 'old',
        master: lines(
          deviceLine({ room: 'r 2', host: 'pc02', mac: '00:11:22:33:44:56', ip: '10.0.0.2' }),
          deviceLine({ host: 'PC02', mac: '00:11:22:33:44:57', ip: '10.0.0.3' }),
          deviceLine({ host: 'pc03', mac: '00:11:22:33:44:58', ip: '10.0.0.300' }),
          deviceLine({ host: 'pc_4', mac: '00:11:22:33:44:59', ip: '10.0.0.4' }),
        ),
      });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(0);
      const errors = r.stdout.split('\n').filter((l) => /^\s*ERROR:/.test(l));
      expect(errors).toEqual([
        expect.stringContaining(
          '>r 2< is an invalid room name (/etc/linuxmuster/sophomorix/default-school/devices.csv line 1)',
        ),
        expect.stringContaining('>pc02< is used twice'),
        expect.stringContaining('>10.0.0.300< is not a valid IPv4 address'),
      ]);
    });

    it('splits on every `;` without quoting', async () => {
      // the room `r;x` makes `x` the hostname, `pc01` the group and `win10` the MAC: a die
      const dc = fakeDc({
        release: '7.4',
        master: lines(deviceLine({ room: '"r;x"', host: 'pc01', mac: '00:11:22:33:44:55', ip: '10.0.0.1' })),
      });
      const r = await importDevices(dc);
      expect(r.stdout).toContain('failed with return code 88!');
      expect(fs.readFileSync(dc.importLogPath, 'utf8')).toContain('>"r< is an invalid room name');
      expect(fs.readFileSync(dc.importLogPath, 'utf8')).toContain('>x"< is an invalid hostname');
    });

    it('accepts what sophomorix accepts (warnings only): odd MAC forms, odd octets, long names, pxe 7', async () => {
      const dc = fakeDc({
        release: '7.2',
        master: lines(
          deviceLine({ host: 'a-very-long-name-17', mac: '0011.2233.4455', ip: '10.0.0.1', pxe: '7' }),
          deviceLine({ host: '-lead', mac: '001122334456', ip: 'abc.0.0.2' }),
          deviceLine({ host: 'pc03', mac: '00 11 22 33 44 57', ip: '010.0.0.3' }),
          deviceLine({ host: 'pc04', mac: '00_11_22_33_44_58', ip: 'DHCP' }),
          `${deviceLine({ host: 'pc05', mac: '00:11:22:33:44:59', ip: '10.0.0.5' })};extra;columns\r`,
          'r1;pc06;g;00:11:22:33:44:5A;10.0.0.6;;;;;;1\r',
        ),
      });
      const r = await importDevices(dc);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(Object.keys(dc.readState().computers)).toHaveLength(7);
      expect(dc.computer('A-VERY-LONG-NAME-17')).toMatchObject({ mac: '00:11:22:33:44:55' });
    });
  });

  describe('release behaviour on a devices.csv error (DOMAIN.md §3 table)', () => {
    const master = lines(PC01, EMPTY_PXE);
    const expectNothingSynced = (dc: FakeDc) => {
      expect(Object.keys(dc.readState().computers)).toEqual(['SERVER']);
      expect(dc.records('r100-pc01', 'A')).toEqual([]);
    };

    it('7.2 prints "errors detected" and exits 1 without touching DHCP', async () => {
      const dc = fakeDc({ release: '7.2', master });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('sophomorix-device finished  errors detected!\n');
      expect(r.stdout).not.toContain('ERROR');
      expect(dc.readDhcp()).toBeNull();
      expectNothingSynced(dc);
    });

    it('7.3 swallows the error, prints OK, rebuilds DHCP anyway and exits 0', async () => {
      const dc = fakeDc({ release: '7.3', master });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('sophomorix-device finished  OK!\n');
      expect(r.stdout).not.toMatch(/ERROR|errors detected|failed/);
      expect(dc.readDhcp()).toContain('host r100-pc01 {');
      expectNothingSynced(dc);
    });

    it('7.4 logs sophomorix output and prints the dry-run return code', async () => {
      const dc = fakeDc({ release: '7.4', master });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('sophomorix-device --dry-run failed with return code 88!\n');
      expect(r.stdout).not.toContain('ERROR:');
      expect(fs.readFileSync(dc.importLogPath, 'utf8')).toContain('  ERROR: >< is invalid Option in pxe field');
      expect(dc.readDhcp()).toBeNull();
      expectNothingSynced(dc);
    });

    it('old wrappers print sophomorix ERROR lines and exit 0', async () => {
      const dc = fakeDc({ release: 'old', master });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^\s*ERROR: >< is invalid Option in pxe field/m);
      expect(r.stdout).not.toContain('finished  OK!');
      expect(dc.readDhcp()).toContain('host r100-pc01 {');
      expectNothingSynced(dc);
    });

    it.each<FakeDcRelease>(['7.2', '7.3', '7.4', 'old'])(
      '%s prints "finished  OK!" and exits 0 on success',
      async (release) => {
        const dc = fakeDc({ release, master: lines(PC01) });
        const r = await importDevices(dc);
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toContain('sophomorix-device finished  OK!\n');
        expect(r.stdout).not.toMatch(/^\s*ERROR:/m);
        expect(dc.records('r100-pc01', 'A')).toEqual(['10.0.100.1']);
      },
    );
  });

  describe('knobs', () => {
    it('failNext from config.json fails n runs and is used up', async () => {
      const dc = fakeDc({ release: '7.2', master: lines(PC01), failNext: 1 });
      expect((await importDevices(dc)).exitCode).toBe(1);
      expect(dc.computer('r100-pc01')).toBeUndefined();
      expect(JSON.parse(fs.readFileSync(`${dc.root}/config.json`, 'utf8')).failNext).toBe(0);
      expect((await importDevices(dc)).exitCode).toBe(0);
      expect(dc.computer('r100-pc01')).toBeDefined();
    });

    it('FAKE_DC_FAIL_NEXT from the environment is counted in state.json', async () => {
      const dc = fakeDc({ release: '7.4', master: lines(PC01) });
      const env = { FAKE_DC_FAIL_NEXT: '2' };
      expect((await importDevices(dc, [], env)).stdout).toContain('failed with return code 88!');
      expect((await importDevices(dc, [], env)).exitCode).toBe(1);
      expect((await importDevices(dc, [], env)).exitCode).toBe(0);
      expect(dc.importRuns().map((c) => c.exit)).toEqual([1, 1, 0]);
    });

    it('delayPerHostMs slows a run per changed host only', async () => {
      const dc = fakeDc({ master: lines(PC01, PC02), delayPerHostMs: 600 });
      const first = await importDevices(dc);
      expect(first.exitCode).toBe(0);
      expect(first.durationMs).toBeGreaterThanOrEqual(1200);
      const second = await importDevices(dc); // nothing changed
      expect(second.durationMs).toBeLessThan(first.durationMs);
      expect(second.durationMs).toBeLessThan(1200);
    });

    it('delayMs delays every run; a run killed by a timeout is logged once and changes nothing', async () => {
      const dc = fakeDc({ master: lines(PC01), delayMs: 5000 });
      const r = await runTool(dc, 'importDevices', [], { timeout: 700 });
      expect(r.timedOut).toBe(true);
      expect(dc.computer('r100-pc01')).toBeUndefined();
      expect(dc.importRuns()).toEqual([expect.objectContaining({ exit: null, signal: 'SIGTERM' })]);
    });

    it('hang never finishes; the run is logged when it starts', async () => {
      const dc = fakeDc({ master: lines(PC01), hang: true });
      const r = await runTool(dc, 'importDevices', [], { timeout: 700 });
      expect(r.timedOut).toBe(true);
      expect(r.durationMs).toBeGreaterThanOrEqual(700);
      expect(dc.importRuns()).toEqual([expect.objectContaining({ exit: null, hang: true })]);
      expect(dc.readDhcp()).toBeNull();
    });

    it('refuses to run without FAKE_DC_ROOT', async () => {
      const dc = fakeDc();
      const r = await importDevices(dc, [], { FAKE_DC_ROOT: '' });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('FAKE_DC_ROOT is not set');
    });

    it('reports a bad knob by its message', async () => {
      const dc = fakeDc({ master: lines(PC01) });
      dc.setConfig({ release: '7.9' as FakeDcRelease });
      const r = await importDevices(dc);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toBe('fake-dc: unknown release "7.9" (expected 7.2, 7.3, 7.4, old)\n');
    });

    it('rejects unknown options with a usage text', async () => {
      const dc = fakeDc();
      const r = await importDevices(dc, ['--frobnicate']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain('Usage: linuxmuster-import-devices');
    });
  });
});
