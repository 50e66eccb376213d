// The real-DC tier (issue 11): the real worker against a real Samba 4.17 AD DC in a network
// namespace, with a stand-in import that writes the real AD/DNS like sophomorix. Run:
// `npm run test:real-dc` (root; not part of `npm test`). Assertions read what real samba-tool shows.
import * as path from 'node:path';

import { useWorkerBuild, WorkerEnv } from '../integration/worker/harness';
import { ADMIN_PASSWORD, BIN, DOMAIN, RealDc, startRealDc } from './dc';

jest.setTimeout(300_000);
const build = useWorkerBuild();
let dc: RealDc;

beforeAll(async () => {
  dc = await startRealDc();
  await dc.tool(['dns', 'zonecreate', '127.0.0.1', '100.0.10.in-addr.arpa', '-P']);
}, 240_000);
afterAll(async () => {
  await dc?.stop();
});

const HEADER = '# devices.csv\n';

function realEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SAMBA_TOOL: path.join(BIN, 'samba-tool'),
    IMPORT_SCRIPT: path.join(BIN, 'linuxmuster-import-devices'),
    DHCP_VERIFY_FILE: '',
    REALDC_NETNS: dc.netns,
    REALDC_DIR: dc.dir,
    SAMBA_TOOL_TIMEOUT_SEC: '60',
    ...extra,
  };
}

async function account(name: string): Promise<boolean> {
  const out = (await dc.tool(['computer', 'list', '-P'])).stdout;
  return out.split('\n').some((l) => l.trim().toUpperCase() === `${name.toUpperCase()}$`);
}
async function records(zone: string, node: string, type: 'A' | 'PTR'): Promise<string[]> {
  const r = await dc.tool(['dns', 'query', '127.0.0.1', zone, node, type, '-P'], true);
  return [...r.stdout.matchAll(new RegExp(`^\\s+${type}: (\\S+)`, 'gm'))].map((m) => m[1].toLowerCase());
}

async function run(env: WorkerEnv, op: ReturnType<WorkerEnv['api']['addProvision']>) {
  await env.publish(op);
  return env.waitStatus(op.id, ['completed', 'failed'], 120_000);
}

describe('real Samba DC', () => {
  it('create, IP change, rename, delete — with the defaults (SAMBA_TOOL_AUTH=-P, DNS_SERVER 127.0.0.1)', async () => {
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn(realEnv());
    const mac = '00:11:22:33:44:71';
    const create = env.api.addProvision('create', { hostname: 'rdc01', macAddress: mac, ipAddress: '10.0.100.71' });
    expect(await run(env, create)).toMatchObject({ status: 'completed', error: null });
    expect(await account('rdc01')).toBe(true);
    expect(await records(DOMAIN, 'rdc01', 'A')).toEqual(['10.0.100.71']);
    expect(await records('100.0.10.in-addr.arpa', '71', 'PTR')).toEqual(['rdc01.linuxmuster.lan']);

    const move = env.api.addProvision('update', { hostname: 'rdc01', macAddress: mac, ipAddress: '10.0.100.72' });
    expect(await run(env, move)).toMatchObject({ status: 'completed', error: null });
    expect(await records(DOMAIN, 'rdc01', 'A')).toEqual(['10.0.100.72']);
    expect(await records('100.0.10.in-addr.arpa', '71', 'PTR')).toEqual([]);

    const rename = env.api.addProvision('update', {
      hostname: 'rdc02',
      oldHostname: 'rdc01',
      macAddress: mac,
      ipAddress: '10.0.100.72',
    });
    expect(await run(env, rename)).toMatchObject({ status: 'completed', error: null });
    expect(await account('rdc01')).toBe(false);
    expect(await account('rdc02')).toBe(true);
    expect(await records(DOMAIN, 'rdc01', 'A')).toEqual([]);

    const del = env.api.addProvision('delete', { hostname: 'rdc02', macAddress: mac, ipAddress: '10.0.100.72' });
    expect(await run(env, del)).toMatchObject({ status: 'completed', error: null });
    expect(await account('rdc02')).toBe(false);
    expect(await records(DOMAIN, 'rdc02', 'A')).toEqual([]);
    expect(await records('100.0.10.in-addr.arpa', '72', 'PTR')).toEqual([]);
  });

  it('delete with DC_CLEANUP: leftovers the import did not make are removed, no false clean-up warning', async () => {
    await dc.tool(['computer', 'create', 'RDC10', '-P']);
    await dc.tool(['dns', 'add', '127.0.0.1', DOMAIN, 'rdc10', 'A', '10.0.100.80', '-P']);
    await dc.tool(['dns', 'add', '127.0.0.1', '100.0.10.in-addr.arpa', '80', 'PTR', 'rdc10.linuxmuster.lan', '-P']);
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    const w = env.spawn(realEnv({ DC_CLEANUP: 'true' }));
    const del = env.api.addProvision('delete', { hostname: 'rdc10', ipAddress: '10.0.100.80' });
    expect(await run(env, del)).toMatchObject({ status: 'completed', error: null });
    expect(await account('rdc10')).toBe(false);
    expect(await records(DOMAIN, 'rdc10', 'A')).toEqual([]);
    expect(await records('100.0.10.in-addr.arpa', '80', 'PTR')).toEqual([]);
    expect(w.logs.filter((l) => l.msg === 'leftover cleanup failed')).toEqual([]);
  });

  it('a missing reverse zone fails the job naming the PTR (with --username/--password: the WARNING is skipped)', async () => {
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn(realEnv({ SAMBA_TOOL_AUTH: `--username=administrator --password=${ADMIN_PASSWORD}` }));
    const op = env.api.addProvision('create', {
      hostname: 'rdc20',
      macAddress: '00:11:22:33:44:20',
      ipAddress: '10.0.200.20',
    });
    const done = await run(env, op);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/PTR record 20\.200\.0\.10\.in-addr\.arpa → rdc20\.linuxmuster\.lan missing/);
    expect(await account('rdc20')).toBe(true);
  });

  it('non-default school prefix, LINBO_DOMAIN=auto, -U user%password', async () => {
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.dc.writeMaster(HEADER, 'north');
    env.spawn(
      realEnv({
        DEVICES_CSV_MASTER: env.dc.masterPath('north'),
        LINBO_DOMAIN: 'auto',
        DNS_SERVER: 'localhost',
        SAMBA_TOOL_AUTH: `-U administrator%${ADMIN_PASSWORD}`,
      }),
    );
    const op = env.api.addProvision(
      'create',
      { hostname: 'rdc30', macAddress: '00:11:22:33:44:30', ipAddress: '10.0.100.30' },
      'north',
    );
    expect(await run(env, op)).toMatchObject({ status: 'completed', error: null });
    expect(await account('north-rdc30')).toBe(true);
    expect(await records(DOMAIN, 'north-rdc30', 'A')).toEqual(['10.0.100.30']);
  });

  /** An account and an A record as an import would leave them (`/bin/true` stands in for it), and a PTR if given. */
  async function madeOnDc(name: string, ip: string, ptr?: { zone: string; node: string }) {
    if (ptr) await dc.tool(['dns', 'add', '127.0.0.1', ptr.zone, ptr.node, 'PTR', `${name}.${DOMAIN}`, '-P']);
    await dc.tool(['computer', 'create', name.toUpperCase(), '-P']);
    await dc.tool(['dns', 'add', '127.0.0.1', DOMAIN, name, 'A', ip, '-P']);
    return { hostname: name, macAddress: `00:11:22:33:44:${name.slice(-2)}`, ipAddress: ip };
  }

  it.each([
    { octets: '2', zone: '1.10.in-addr.arpa', node: '40.5', name: 'rdc40', ip: '10.1.5.40' },
    { octets: '1', zone: '10.in-addr.arpa', node: '41.5.2', name: 'rdc41', ip: '10.2.5.41' },
  ])('REV_DNS_OCTETS $octets: the PTR in zone $zone is found (multi-label node $node)', async (c) => {
    await dc.tool(['dns', 'zonecreate', '127.0.0.1', c.zone, '-P']);
    const host = await madeOnDc(c.name, c.ip, { zone: c.zone, node: c.node });
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn(realEnv({ REV_DNS_OCTETS: c.octets, IMPORT_SCRIPT: '/bin/true' }));
    expect(await run(env, env.api.addProvision('create', host))).toMatchObject({ status: 'completed', error: null });
  });

  it('REV_DNS_OCTETS 1: a PTR that is not there is reported missing, naming the 1-octet zone', async () => {
    const host = await madeOnDc('rdc42', '10.2.5.42');
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn(realEnv({ REV_DNS_OCTETS: '1', IMPORT_SCRIPT: '/bin/true' }));
    const done = await run(env, env.api.addProvision('create', host));
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/PTR.*42\.5\.2\.10\.in-addr\.arpa/);
  });

  it('Kerberos with a ticket (kinit) and DNS_SERVER = the FQDN: a create is verified', async () => {
    const ccache = `FILE:${dc.dir}/krb5cc-admin`;
    const { execa } = await import('execa');
    const kinit = await execa('ip', ['netns', 'exec', dc.netns, 'kinit', 'administrator@LINUXMUSTER.LAN'], {
      input: `${ADMIN_PASSWORD}\n`,
      env: { KRB5CCNAME: ccache },
      reject: false,
    });
    expect({ exit: kinit.exitCode, err: String(kinit.stderr) }).toEqual({ exit: 0, err: '' });
    const env = await WorkerEnv.create(build.main, { master: HEADER });
    env.spawn(
      realEnv({
        SAMBA_TOOL_AUTH: '--use-kerberos=required',
        DNS_SERVER: 'server.linuxmuster.lan',
        KRB5CCNAME: ccache,
      }),
    );
    const op = env.api.addProvision('create', {
      hostname: 'rdc50',
      macAddress: '00:11:22:33:44:50',
      ipAddress: '10.0.100.50',
    });
    expect(await run(env, op)).toMatchObject({ status: 'completed', error: null });
    expect(await account('rdc50')).toBe(true);
    expect(await records(DOMAIN, 'rdc50', 'A')).toEqual(['10.0.100.50']);
  });

  describe('--check names what to set', () => {
    const check = async (extra: Record<string, string>) => {
      const env = await WorkerEnv.create(build.main, { master: HEADER });
      const w = env.spawn(realEnv(extra), ['--check']);
      const exit = await w.exited;
      return { code: exit.code, out: w.logs.map((l) => String(l.raw ?? JSON.stringify(l))).join('\n') };
    };
    it('defaults pass the samba-tool read', async () => {
      const { out } = await check({});
      expect(out).toMatch(/^OK {3}samba-tool reads the DC/m);
    });
    it('no credentials → SAMBA_TOOL_AUTH=-P', async () => {
      const { code, out } = await check({ SAMBA_TOOL_AUTH: 'none' });
      expect(code).toBe(1);
      expect(out).toMatch(/samba-tool reads the DC.*SAMBA_TOOL_AUTH=-P/);
    });
    it('wrong LINBO_DOMAIN → configuration error naming it', async () => {
      const { out } = await check({ LINBO_DOMAIN: 'linuxmuster.lann' });
      expect(out).toMatch(/does not exist on the DC \(LINBO_DOMAIN=linuxmuster.lann\)/);
    });
    it('Kerberos with an address → DNS_SERVER = FQDN; with the FQDN but no ticket → kinit', async () => {
      expect((await check({ SAMBA_TOOL_AUTH: '--use-kerberos=required' })).out).toMatch(/DNS_SERVER to the DC's FQDN/);
      const noTicket = await check({
        SAMBA_TOOL_AUTH: '--use-kerberos=required',
        DNS_SERVER: 'server.linuxmuster.lan',
        KRB5CCNAME: `FILE:/tmp/linbo-realdc-none-${process.pid}`,
      });
      expect(noTicket.out).toMatch(/kinit/);
    });
  });
});
