// The fake samba-tool and repair_macct.py as real processes: DOMAIN.md §4 outputs and errors.
import { createFakeDc, FakeDc } from '../../fake-dc';
import { deviceLine, runTool } from './run-tool';

const MASTER = [
  deviceLine({ host: 'r100-pc01', mac: '00:11:22:33:44:55', ip: '10.0.100.1' }),
  deviceLine({ host: 'r100-pc02', mac: '00:11:22:33:44:56', ip: '10.0.100.2' }),
  deviceLine({ host: 'r100-pc03', mac: '00:11:22:33:44:57', ip: 'DHCP' }),
  deviceLine({ room: 'r101', host: 'sw1', mac: '00:11:22:33:44:58', ip: '10.0.101.1', role: 'switch' }),
]
  .map((l) => `${l}\n`)
  .join('');

describe('fake samba-tool', () => {
  let dc: FakeDc;
  const sambaTool = (...args: string[]) => runTool(dc, 'sambaTool', [...args, '-P']);
  const SRV = '127.0.0.1';

  beforeAll(async () => {
    dc = createFakeDc({ master: MASTER });
    expect((await runTool(dc, 'importDevices', [])).exitCode).toBe(0);
  });
  afterAll(() => dc.cleanup());

  describe('computer', () => {
    it('show prints LDIF with the dn in the room OU and sAMAccountName', async () => {
      for (const name of ['r100-pc01', 'R100-PC01$']) {
        const r = await sambaTool('computer', 'show', name);
        expect(r.exitCode).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(
          /^dn: CN=R100-PC01,OU=r100,OU=Devices,OU=default-school,OU=SCHOOLS,DC=linuxmuster,DC=lan\n/,
        );
        expect(r.stdout).toContain('\nsAMAccountName: R100-PC01$\n');
      }
    });

    it('show of a missing computer: ERROR on stderr, exit 255', async () => {
      const r = await sambaTool('computer', 'show', 'nope');
      expect(r).toMatchObject({ exitCode: 255, stdout: '', stderr: 'ERROR: Unable to find computer "nope$"\n' });
      // switches have no account (DNS-only role)
      expect((await sambaTool('computer', 'show', 'sw1')).exitCode).toBe(255);
    });

    it('list prints one NAME$ per line, in database order like a real DC (not sorted)', async () => {
      const r = await sambaTool('computer', 'list');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe('SERVER$\nR100-PC01$\nR100-PC02$\nR100-PC03$\n');
    });

    it('delete removes the account once, then reports it missing', async () => {
      const local = createFakeDc({ master: MASTER });
      try {
        expect((await runTool(local, 'importDevices', [])).exitCode).toBe(0);
        const first = await runTool(local, 'sambaTool', ['computer', 'delete', 'r100-pc02']);
        expect(first).toMatchObject({ exitCode: 0, stdout: 'Deleted computer r100-pc02\n' });
        expect(local.computer('R100-PC02')).toBeUndefined();
        const again = await runTool(local, 'sambaTool', ['computer', 'delete', 'r100-pc02']);
        expect(again).toMatchObject({ exitCode: 255, stderr: 'ERROR: Unable to find computer "r100-pc02"\n' });
      } finally {
        local.cleanup();
      }
    });
  });

  describe('dns', () => {
    it('query NAME A prints the record block', async () => {
      const r = await sambaTool('dns', 'query', SRV, 'linuxmuster.lan', 'r100-pc01', 'A');
      expect(r).toMatchObject({
        exitCode: 0,
        stdout: '  Name=, Records=1, Children=0\n    A: 10.0.100.1 (flags=f0, serial=1, ttl=900)\n',
      });
    });

    it('query NAME PTR in the 3-octet reverse zone', async () => {
      const r = await sambaTool('dns', 'query', SRV, '100.0.10.in-addr.arpa', '2', 'PTR');
      expect(r).toMatchObject({
        exitCode: 0,
        stdout: '  Name=, Records=1, Children=0\n    PTR: r100-pc02.linuxmuster.lan (flags=f0, serial=1, ttl=900)\n',
      });
    });

    it('query of a missing name, type or zone: ERROR on stderr, exit 255', async () => {
      for (const args of [
        ['linuxmuster.lan', 'r100-pc03', 'A'], // DHCP host: no record
        ['200.0.10.in-addr.arpa', '1', 'PTR'], // no such zone
      ]) {
        const r = await sambaTool('dns', 'query', SRV, ...args);
        expect(r).toMatchObject({ exitCode: 255, stdout: '', stderr: 'ERROR: Record or zone does not exist.\n' });
      }
      // name exists, type does not: a real DC exits 0 with an empty block
      const r = await sambaTool('dns', 'query', SRV, 'linuxmuster.lan', 'r100-pc01', 'PTR');
      expect(r).toMatchObject({ exitCode: 0, stdout: '  Name=, Records=0, Children=0\n', stderr: '' });
    });

    it('query @ ALL prints one block per node with its records', async () => {
      const r = await sambaTool('dns', 'query', SRV, 'linuxmuster.lan', '@', 'ALL');
      expect(r.exitCode).toBe(0);
      const blocks = r.stdout.split('\n').filter((l) => l.startsWith('  Name='));
      expect(blocks).toEqual([
        '  Name=, Records=3, Children=0',
        '  Name=_msdcs, Records=0, Children=0',
        '  Name=_sites, Records=0, Children=0',
        '  Name=_tcp, Records=0, Children=0',
        '  Name=_udp, Records=0, Children=0',
        '  Name=DomainDnsZones, Records=0, Children=0',
        '  Name=ForestDnsZones, Records=0, Children=0',
        '  Name=r100-pc01, Records=1, Children=0',
        '  Name=r100-pc02, Records=1, Children=0',
        '  Name=server, Records=1, Children=0',
        '  Name=sw1, Records=1, Children=0',
      ]);
      expect(r.stdout).toContain(
        '  Name=r100-pc02, Records=1, Children=0\n    A: 10.0.100.2 (flags=f0, serial=1, ttl=900)\n',
      );
      const rev = await sambaTool('dns', 'query', SRV, '100.0.10.in-addr.arpa', '@', 'ALL');
      expect(rev.stdout).toContain('  Name=1, Records=1, Children=0\n    PTR: r100-pc01.linuxmuster.lan (flags=f0');
    });

    it('rejects an unknown record type', async () => {
      const r = await sambaTool('dns', 'query', SRV, 'linuxmuster.lan', 'r100-pc01', 'BOGUS');
      expect(r).toMatchObject({ exitCode: 255, stderr: 'ERROR: Unknown type of DNS record BOGUS\n' });
    });

    it('delete removes A and PTR records, then reports them missing', async () => {
      const local = createFakeDc({ master: MASTER });
      const tool = (...args: string[]) => runTool(local, 'sambaTool', [...args, '-P']);
      try {
        expect((await runTool(local, 'importDevices', [])).exitCode).toBe(0);
        const a = await tool('dns', 'delete', SRV, 'linuxmuster.lan', 'r100-pc01', 'A', '10.0.100.1');
        expect(a).toMatchObject({ exitCode: 0, stdout: 'Record deleted successfully\n' });
        // PTR data compared case-insensitively, trailing dot ignored
        const ptr = await tool('dns', 'delete', SRV, '100.0.10.in-addr.arpa', '1', 'PTR', 'R100-PC01.linuxmuster.lan.');
        expect(ptr).toMatchObject({ exitCode: 0, stdout: 'Record deleted successfully\n' });
        expect(local.records('r100-pc01', 'A')).toEqual([]);
        expect(local.records('1', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
        const again = await tool('dns', 'delete', SRV, 'linuxmuster.lan', 'r100-pc01', 'A', '10.0.100.1');
        expect(again).toMatchObject({
          exitCode: 255,
          stderr: 'ERROR: Record does not exist; record could not be deleted. zone[linuxmuster.lan] name[r100-pc01]\n',
        });
        const noZone = await tool('dns', 'delete', SRV, '9.9.10.in-addr.arpa', '1', 'PTR', 'x.linuxmuster.lan');
        expect(noZone.stderr).toBe(
          'ERROR: Zone does not exist; record could not be deleted. zone[9.9.10.in-addr.arpa] name[1]\n',
        );
        const wrongData = await tool('dns', 'delete', SRV, 'linuxmuster.lan', 'r100-pc02', 'A', '10.0.100.9');
        expect(wrongData.exitCode).toBe(255);
        expect(local.records('r100-pc02', 'A')).toEqual(['10.0.100.2']);
      } finally {
        local.cleanup();
      }
    });

    it('newErrors prints the newer ERROR(runtime) form; ptrTrailingDot prints PTR data with a dot', async () => {
      const local = createFakeDc({ master: MASTER, newErrors: true, ptrTrailingDot: true });
      const tool = (...args: string[]) => runTool(local, 'sambaTool', [...args, '-P']);
      try {
        expect((await runTool(local, 'importDevices', [])).exitCode).toBe(0);
        const missing = await tool('dns', 'query', SRV, 'linuxmuster.lan', 'nope', 'A');
        expect(missing).toMatchObject({
          exitCode: 255,
          stderr: 'ERROR(runtime): Record or zone does not exist. [WERR_DNS_ERROR_NAME_DOES_NOT_EXIST]\n',
        });
        const del = await tool('dns', 'delete', SRV, 'linuxmuster.lan', 'nope', 'A', '10.0.0.9');
        expect(del.stderr).toMatch(/^ERROR\(runtime\): Record or zone does not exist\./);
        const ptr = await tool('dns', 'query', SRV, '100.0.10.in-addr.arpa', '1', 'PTR');
        expect(ptr.stdout).toContain('    PTR: r100-pc01.linuxmuster.lan. (flags=f0, serial=1, ttl=900)\n');
      } finally {
        local.cleanup();
      }
    });

    it('concurrent adds are all kept (state.json is locked)', async () => {
      const local = createFakeDc();
      try {
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            runTool(local, 'sambaTool', ['dns', 'add', SRV, 'linuxmuster.lan', `h${i}`, 'A', `10.9.0.${i + 1}`, '-P']),
          ),
        );
        expect(results.map((r) => r.exitCode)).toEqual(Array(12).fill(0));
        for (let i = 0; i < 12; i++) expect(local.records(`h${i}`, 'A')).toEqual([`10.9.0.${i + 1}`]);
        expect(local.sambaToolRuns()).toHaveLength(12);
      } finally {
        local.cleanup();
      }
    });
  });

  describe('domain info and options', () => {
    it('domain info prints the domain and the NetBIOS name', async () => {
      const local = createFakeDc({ domain: 'schule.lan' });
      try {
        const r = await runTool(local, 'sambaTool', ['domain', 'info', '10.0.0.1']);
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toContain('\nDomain           : schule.lan\n');
        expect(r.stdout).toContain('\nNetbios domain   : SCHULE\n');
        // like samba-tool: localhost is no address
        const lh = await runTool(local, 'sambaTool', ['domain', 'info', 'localhost']);
        expect(lh).toMatchObject({ exitCode: 255, stderr: "ERROR: Invalid IP address 'localhost'!\n" });
      } finally {
        local.cleanup();
      }
    });

    it('like a real DC: password warning first, no credentials → prompt and logon failure, delete takes DNS', async () => {
      const local = createFakeDc({ master: MASTER });
      try {
        expect((await runTool(local, 'importDevices', [])).exitCode).toBe(0);
        const pw = await runTool(local, 'sambaTool', [
          ...['dns', 'query', SRV, 'linuxmuster.lan', 'nope', 'A', '--username=a', '--password=b'],
        ]);
        expect(pw.stderr.split('\n').slice(0, 2)).toEqual([
          'WARNING: Using password on command line is insecure. Please install the setproctitle python module.',
          'ERROR: Record or zone does not exist.',
        ]);
        const none = await runTool(local, 'sambaTool', ['dns', 'query', SRV, 'linuxmuster.lan', '@', 'ALL']);
        expect(none).toMatchObject({ exitCode: 255, stdout: 'Password for [LINUXMUSTER\\root]:' });
        expect(none.stderr).toMatch(/logon is invalid/);
        expect((await runTool(local, 'sambaTool', ['computer', 'list'])).exitCode).toBe(0);
        expect((await runTool(local, 'sambaTool', ['computer', 'delete', 'r100-pc01'])).exitCode).toBe(0);
        expect(local.records('r100-pc01', 'A')).toEqual([]);
        expect(local.records('1', 'PTR', '100.0.10.in-addr.arpa')).toEqual([]);
      } finally {
        local.cleanup();
      }
      const d = await sambaTool('domain', 'info', SRV);
      expect(d.stdout).toContain('Domain           : linuxmuster.lan\n');
    });

    it('accepts auth options anywhere and never logs the password', async () => {
      const before = dc.sambaToolRuns().length;
      for (const args of [
        ['-U', 'administrator%Muster!', 'computer', 'show', 'r100-pc01'],
        ['computer', '-Uadministrator%Muster!', 'show', 'r100-pc01'],
        ['computer', 'show', 'r100-pc01', '--username=administrator', '--password=Muster!'],
        ['computer', 'show', '--username', 'administrator', '--password', 'Muster!', 'r100-pc01'],
      ]) {
        const r = await sambaTool(...args);
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toContain('sAMAccountName: R100-PC01$');
      }
      const logged = dc.sambaToolRuns().slice(before);
      expect(logged).toHaveLength(4);
      expect(JSON.stringify(logged)).not.toContain('Muster!');
    });

    it('unknown commands and wrong argument counts print usage to stderr with exit 255', async () => {
      for (const args of [['frobnicate'], ['computer', 'frob'], ['dns', 'query', SRV, 'linuxmuster.lan'], []]) {
        const r = await sambaTool(...args);
        expect(r.exitCode).toBe(255);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^Usage: samba-tool /);
      }
    });
  });
});

describe('fake repair_macct.py', () => {
  let dc: FakeDc;
  const repair = (...args: string[]) => runTool(dc, 'repairMacct', args);

  beforeAll(async () => {
    dc = createFakeDc({ master: MASTER });
    dc.writeMaster(`${deviceLine({ host: 'pc01', mac: '00:11:22:33:55:01', ip: '10.1.0.1' })}\n`, 'gym');
    expect((await runTool(dc, 'importDevices', [])).exitCode).toBe(0);
  });
  afterAll(() => dc.cleanup());

  it('repairs an existing computer', async () => {
    const r = await repair('--only-hosts', 'r100-pc01', '-s', 'default-school');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'repaired r100-pc01\n', stderr: '' });
  });

  it('uses the school prefix for a non-default school', async () => {
    expect((await repair('--only-hosts', 'pc01', '-s', 'gym')).stdout).toBe('repaired pc01\n');
    expect((await repair('--only-hosts', 'pc01', '-s', 'default-school')).exitCode).toBe(1);
  });

  it('fails with an error for a missing computer', async () => {
    const r = await repair('--only-hosts', 'ghost', '-s', 'default-school');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^ERROR: .*ghost/);
  });

  it('repairFailNext makes the next run fail once', async () => {
    dc.setConfig({ repairFailNext: 1 });
    expect((await repair('--only-hosts', 'r100-pc01', '-s', 'default-school')).exitCode).toBe(1);
    expect((await repair('--only-hosts', 'r100-pc01', '-s', 'default-school')).exitCode).toBe(0);
  });

  it('rejects a call without --only-hosts and logs every call', async () => {
    const before = dc.repairRuns().length;
    const r = await repair('-s', 'default-school');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--only-hosts');
    expect(dc.repairRuns().slice(before)).toEqual([
      expect.objectContaining({ tool: 'repair_macct.py', argv: ['-s', 'default-school'], exit: 2 }),
    ]);
  });
});
