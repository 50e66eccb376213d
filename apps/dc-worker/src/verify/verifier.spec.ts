import { loadWorkerConfig } from '../config/worker-config';
import { WorkerLogger } from '../logging/worker-logger';
import { adviceFor, failureText, missingForwardZone, SambaToolError, Verifier, VerifyTarget } from './verifier';

/** A Verifier whose samba-tool is a table of answers (no process): args joined by space → stdout or error. */
function verifierWith(env: Record<string, string>, answers: (args: string[]) => string) {
  const config = loadWorkerConfig({ INTERNAL_API_KEY: 'k', ...env });
  const logs: Array<{ level: string; msg: string }> = [];
  const logger = {
    info: (_o: unknown, msg: string) => logs.push({ level: 'info', msg }),
    warn: (_o: unknown, msg: string) => logs.push({ level: 'warn', msg }),
  } as unknown as WorkerLogger;
  const calls: string[][] = [];
  // the real one runs samba-tool; here a failed run is a thrown SambaToolError
  const verifier = new Verifier(config, logger, {
    run: (args: string[]) => {
      calls.push(args);
      try {
        return Promise.resolve(answers(args));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    },
  });
  return { verifier, calls, logs };
}

const samba = (message: string) => new SambaToolError(message);

const target = (over: Partial<VerifyTarget> = {}): VerifyTarget => ({
  id: 'op1',
  action: 'create',
  hostname: 'pc01',
  mac: '00:11:22:33:44:55',
  ip: '10.0.100.5',
  role: 'classroom-studentcomputer',
  ...over,
});

describe('failureText / adviceFor (what a real samba-tool prints)', () => {
  it('skips the --password WARNING line and keeps every other stderr line', () => {
    const stderr =
      'WARNING: Using password on command line is insecure. Please install the setproctitle python module.\nERROR: Record or zone does not exist.\n';
    expect(failureText(stderr, '')).toBe('ERROR: Record or zone does not exist.');
  });

  it('names the credentials prompt and says to set SAMBA_TOOL_AUTH=-P', () => {
    const text = failureText(
      'Failed to bind … NT_STATUS_LOGON_FAILURE\nERROR: Connecting …',
      'Password for [LINUXMUSTER\\root]:',
    );
    expect(text).toMatch(/Password for \[LINUXMUSTER\\root\]:.*SAMBA_TOOL_AUTH=-P/);
    expect(text).toMatch(/NT_STATUS_LOGON_FAILURE/);
  });

  it('advice names the setting for each real-DC misconfiguration', () => {
    expect(adviceFor('NT_STATUS_LOGON_FAILURE', false)).toMatch(/SAMBA_TOOL_AUTH=-P/);
    expect(adviceFor("ERROR: Invalid IP address 'localhost'!", false)).toMatch(/DNS_SERVER/);
    expect(adviceFor('krb5_cc_get_principal failed: No such file', true)).toMatch(/kinit/);
    expect(adviceFor('ERROR: Connecting to DNS RPC server 127.0.0.1 failed', true)).toMatch(
      /DNS_SERVER to the DC's FQDN/,
    );
    expect(missingForwardZone('linuxmuster.lann', 'linuxmuster.lann')).toMatch(/LINBO_DOMAIN=linuxmuster.lann/);
  });
});

describe('Verifier against real-DC output', () => {
  const forward =
    '  Name=, Records=1, Children=0\n    A: 10.254.254.2 (flags=f0)\n  Name=_msdcs, Records=0, Children=0\n  Name=pc01, Records=1, Children=0\n    A: 10.0.100.5 (flags=f0, serial=2, ttl=900)\n';

  it('REV_DNS_OCTETS 1: queries the node above the record (a real @ ALL shows only "0" with Children=1)', async () => {
    const { verifier, calls } = verifierWith({ REV_DNS_OCTETS: '1' }, (args) => {
      if (args[0] === 'computer') return 'SERVER$\nPC01$\n';
      if (args[3] === 'linuxmuster.lan') return forward;
      if (args[3] === '10.in-addr.arpa' && args[4] === '100.0') {
        return '  Name=, Records=0, Children=0\n  Name=5, Records=1, Children=0\n    PTR: pc01.linuxmuster.lan (flags=f0)\n';
      }
      if (args[3] === '10.in-addr.arpa' && args[4] === '@') return '  Name=0, Records=0, Children=1\n';
      throw samba(`unexpected ${args.join(' ')}`);
    });
    const report = await verifier.verify('default-school', [target()]);
    expect(report.problems.get('op1')).toEqual([]);
    expect(calls.map((c) => c.slice(3, 5).join(' '))).toContain('10.in-addr.arpa 100.0');
  });

  it('a missing forward zone is a configuration error naming LINBO_DOMAIN, not "A record missing"', async () => {
    const { verifier } = verifierWith({ LINBO_DOMAIN: 'linuxmuster.lann' }, (args) => {
      if (args[0] === 'computer') return 'PC01$\n';
      throw samba('samba-tool dns query failed (exit 255): ERROR: Record or zone does not exist.');
    });
    const report = await verifier.verify('default-school', [target()]);
    expect(report.problems.get('op1')?.[0]).toMatch(/configuration error.*LINBO_DOMAIN=linuxmuster.lann/);
  });

  it('a missing reverse zone still reads as "PTR missing" (the zone holds no records)', async () => {
    const { verifier } = verifierWith({}, (args) => {
      if (args[0] === 'computer') return 'PC01$\n';
      if (args[3] === 'linuxmuster.lan') return forward;
      throw samba('ERROR: Record or zone does not exist.');
    });
    const report = await verifier.verify('default-school', [target()]);
    expect(report.problems.get('op1')).toEqual(['PTR record 5.100.0.10.in-addr.arpa → pc01.linuxmuster.lan missing']);
  });

  it('clean-up: DNS records a real computer delete already removed give no "leftover cleanup failed"', async () => {
    let deleted = false;
    const { verifier, logs } = verifierWith({ DC_CLEANUP: 'true' }, (args) => {
      if (args[0] === 'computer' && args[1] === 'list') return deleted ? 'SERVER$\n' : 'SERVER$\nPC01$\n';
      if (args[0] === 'computer' && args[1] === 'delete') {
        deleted = true;
        return 'Deleted computer pc01\n';
      }
      if (args[1] === 'delete')
        throw samba('ERROR: Record does not exist; record could not be deleted. zone[x] name[pc01]');
      if (args[3] === 'linuxmuster.lan') return deleted ? '  Name=, Records=0, Children=0\n' : forward;
      return deleted ? '' : '  Name=5, Records=1, Children=0\n    PTR: pc01.linuxmuster.lan (flags=f0)\n';
    });
    const report = await verifier.verify('default-school', [target({ action: 'delete' })]);
    expect(report.problems.get('op1')).toEqual([]);
    expect(report.cleaned).toEqual(['computer pc01']);
    expect(logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('without DC_CLEANUP nothing is deleted, whatever the credentials', async () => {
    const { verifier, calls } = verifierWith({ SAMBA_TOOL_AUTH: 'administrator%pw' }, (args) => {
      if (args[0] === 'computer') return 'PC01$\n';
      return forward;
    });
    const report = await verifier.verify('default-school', [target({ action: 'delete' })]);
    expect(report.problems.get('op1')?.[0]).toMatch(/computer account PC01\$ still present/);
    expect(calls.some((c) => c[1] === 'delete')).toBe(false);
  });

  it('--check: Kerberos with an address as DNS_SERVER is refused with what to set', async () => {
    const { verifier } = verifierWith({ SAMBA_TOOL_AUTH: '--use-kerberos=required' }, () => forward);
    await expect(verifier.probe()).rejects.toThrow(/DNS_SERVER to the DC's FQDN/);
  });

  it('--check: a prompt + logon failure says SAMBA_TOOL_AUTH=-P', async () => {
    const { verifier } = verifierWith({ SAMBA_TOOL_AUTH: 'none' }, () => {
      throw samba('failed (exit 255): samba-tool asked "Password for [LINUXMUSTER\\root]:" | NT_STATUS_LOGON_FAILURE');
    });
    await expect(verifier.probe()).rejects.toThrow(/SAMBA_TOOL_AUTH=-P/);
  });
});
