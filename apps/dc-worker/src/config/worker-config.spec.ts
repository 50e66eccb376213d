import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  ConfigError,
  deltaPathFor,
  dhcpVerifyPathFor,
  loadWorkerConfig,
  masterPathFor,
  parseConfigFile,
  sambaAuthArgs,
} from './worker-config';

const base = { INTERNAL_API_KEY: 'k' };

describe('loadWorkerConfig', () => {
  it('METRICS_PORT 0 turns the metrics server off; out-of-range ports and odd hosts are named', () => {
    expect(loadWorkerConfig({ ...base, METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' })).toMatchObject({
      metricsPort: 0,
      metricsHost: '0.0.0.0',
    });
    let err: unknown;
    try {
      loadWorkerConfig({ ...base, METRICS_PORT: '70000', METRICS_HOST: 'a b' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      'METRICS_HOST: must be an IP address or host name, got "a b"',
      'METRICS_PORT: must be an integer from 0 to 65535, got "70000"',
    ]);
  });

  it('DC_ID picks the stream; only the default DC drains the legacy linbo:jobs; a bad id is named', () => {
    expect(loadWorkerConfig(base)).toMatchObject({
      dcId: 'default',
      jobsStream: 'linbo:jobs:default',
      legacyJobsStream: 'linbo:jobs',
    });
    expect(loadWorkerConfig({ ...base, DC_ID: 'north', LEGACY_JOBS_STREAM: 'x' })).toMatchObject({
      dcId: 'north',
      jobsStream: 'linbo:jobs:north',
      legacyJobsStream: null,
    });
    for (const bad of ['North', 'dlq', '-a', 'a:b']) {
      expect(() => loadWorkerConfig({ ...base, DC_ID: bad })).toThrow(/DC_ID: must be a DC id/);
    }
  });

  it('applies the DOMAIN.md §10 defaults', () => {
    const c = loadWorkerConfig(base);
    expect(c).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      apiUrl: 'http://127.0.0.1:3000/api/v1',
      school: 'default-school',
      importScript: '/usr/sbin/linuxmuster-import-devices',
      importTimeoutSec: 600,
      sambaTool: '/usr/bin/samba-tool',
      sambaToolAuth: '-P',
      dcCleanup: false,
      dnsServer: '127.0.0.1',
      provisionLockFile: '/var/lock/linbo-provision.lock',
      linboDomain: 'linuxmuster.lan',
      dhcpVerifyFile: '',
      revDnsOctets: 3,
      batchSize: 50,
      debounceMs: 5000,
      macctRepairScript: '/usr/share/linuxmuster/linbo/repair_macct.py',
      jobsStream: 'linbo:jobs:default',
      jobsGroup: 'dc-workers',
      deadLetterStream: 'linbo:jobs:dlq',
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
    });
    expect(c.consumerName).toBe(os.hostname());
    // claims must wait longer than the slowest batch
    expect(c.claimIdleMs).toBeGreaterThan(c.importTimeoutSec * 1000);
  });

  it('expands {school}: default-school/devices.csv, S/S.devices.csv, delta beside the master', () => {
    const c = loadWorkerConfig({ ...base, DHCP_VERIFY_FILE: '/etc/dhcp/devices/{school}.conf' });
    expect(masterPathFor(c, 'default-school')).toBe('/etc/linuxmuster/sophomorix/default-school/devices.csv');
    expect(masterPathFor(c, 'north')).toBe('/etc/linuxmuster/sophomorix/north/north.devices.csv');
    expect(deltaPathFor(c, 'north')).toBe('/etc/linuxmuster/sophomorix/north/linbo-docker.devices.csv');
    expect(dhcpVerifyPathFor(c, 'north')).toBe('/etc/dhcp/devices/north.conf');
    const t = loadWorkerConfig({
      ...base,
      DEVICES_CSV_MASTER: '/srv/{school}/d.csv',
      DEVICES_CSV_DELTA: '/srv/{school}/x.csv',
    });
    expect(masterPathFor(t, 'a')).toBe('/srv/a/d.csv');
    expect(deltaPathFor(t, 'a')).toBe('/srv/a/x.csv');
  });

  it('SOPHOMORIX_DIR moves the whole layout (one worker, every school of its DC); relative is refused', () => {
    const c = loadWorkerConfig({ ...base, SOPHOMORIX_DIR: '/srv/dc/sophomorix/' });
    expect(masterPathFor(c, 'default-school')).toBe('/srv/dc/sophomorix/default-school/devices.csv');
    expect(masterPathFor(c, 'north')).toBe('/srv/dc/sophomorix/north/north.devices.csv');
    expect(deltaPathFor(c, 'south')).toBe('/srv/dc/sophomorix/south/linbo-docker.devices.csv');
    expect(() => loadWorkerConfig({ ...base, SOPHOMORIX_DIR: 'sophomorix' })).toThrow(
      /SOPHOMORIX_DIR: must be an absolute path/,
    );
  });

  it('names every bad variable in one error', () => {
    let error: ConfigError | undefined;
    try {
      loadWorkerConfig({
        REV_DNS_OCTETS: '4',
        PROVISION_BATCH_SIZE: 'ten',
        REDIS_URL: 'http://x',
        PROVISION_LOCK_FILE: 'relative.lock',
        LINBO_DOMAIN: 'not a domain',
        WORKER_FAULT_POINT: 'nowhere',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    for (const name of [
      'INTERNAL_API_KEY',
      'REV_DNS_OCTETS',
      'PROVISION_BATCH_SIZE',
      'REDIS_URL',
      'PROVISION_LOCK_FILE',
      'LINBO_DOMAIN',
      'WORKER_FAULT_POINT',
    ]) {
      expect(text).toContain(`${name}:`);
    }
  });

  it('accepts fractional debounce and LINBO_DOMAIN=auto', () => {
    const c = loadWorkerConfig({ ...base, PROVISION_DEBOUNCE_SEC: '0.25', LINBO_DOMAIN: 'auto' });
    expect(c.debounceMs).toBe(250);
    expect(c.linboDomain).toBe('auto');
  });

  it('--config file fills in what the environment lacks; the environment wins', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wcfg-'));
    const file = path.join(dir, 'worker.env');
    fs.writeFileSync(file, '# comment\n\nexport INTERNAL_API_KEY="from-file"\nSCHOOL=north\nPROVISION_BATCH_SIZE=7\n');
    const c = loadWorkerConfig({ SCHOOL: 'south' }, file);
    expect(c.internalApiKey).toBe('from-file');
    expect(c.school).toBe('south');
    expect(c.batchSize).toBe(7);
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects unknown keys and malformed lines in the file with file:line', () => {
    expect(() => parseConfigFile('FOO=1\nnot a line\n', 'w.env')).toThrow(
      /w\.env:1: unknown variable FOO[\s\S]*w\.env:2: expected KEY=VALUE/,
    );
    expect(() => loadWorkerConfig(base, '/nonexistent/worker.env')).toThrow(
      /--config \/nonexistent\/worker\.env: cannot read \(ENOENT\)/,
    );
  });
});

describe('real-DC settings (measured on Samba 4.17)', () => {
  it('never passes localhost as a samba-tool server; clean-up is its own switch', () => {
    expect(loadWorkerConfig({ ...base, DNS_SERVER: 'localhost' }).dnsServer).toBe('127.0.0.1');
    expect(loadWorkerConfig({ ...base, DNS_SERVER: 'server.linuxmuster.lan.' }).dnsServer).toBe(
      'server.linuxmuster.lan',
    );
    const c = loadWorkerConfig({ ...base, SAMBA_TOOL_AUTH: 'administrator%pw' });
    expect(c.dcCleanup).toBe(false);
    expect(loadWorkerConfig({ ...base, DC_CLEANUP: 'true' }).dcCleanup).toBe(true);
    expect(() => loadWorkerConfig({ ...base, DC_CLEANUP: 'maybe' })).toThrow(/DC_CLEANUP: must be true or false/);
    expect(() => loadWorkerConfig({ ...base, DNS_SERVER: 'a b' })).toThrow(/DNS_SERVER: must be an IP address/);
  });
});

describe('sambaAuthArgs (SAMBA_TOOL_AUTH as an argument list)', () => {
  it('turns user%password into -U and passes option forms through as separate arguments', () => {
    expect(sambaAuthArgs('')).toEqual([]);
    expect(sambaAuthArgs('none')).toEqual([]);
    expect(sambaAuthArgs('-P')).toEqual(['-P']);
    expect(sambaAuthArgs('administrator%Secret 1')).toEqual(['-U', 'administrator%Secret 1']);
    expect(sambaAuthArgs('-U administrator%pw')).toEqual(['-U', 'administrator%pw']);
    expect(sambaAuthArgs('  --username=admin   --password=pw ')).toEqual(['--username=admin', '--password=pw']);
    expect(sambaAuthArgs('--use-kerberos=required')).toEqual(['--use-kerberos=required']);
  });
});
