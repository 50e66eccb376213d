// A throwaway Samba AD DC (LINUXMUSTER.LAN) in its own network namespace, for the real-DC tier.
// Commands as verified (verified on Debian 12 / Samba 4.17). Needs root
// and `ip netns`; without them start() throws (the tier fails loudly, it never skips).
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ADMIN_PASSWORD = 'Muster!2026x';
export const DOMAIN = 'linuxmuster.lan';
export const BIN = path.join(__dirname, 'bin');

export interface RealDc {
  netns: string;
  dir: string;
  /** samba-tool inside the namespace; rejects on a non-zero exit unless `allowFail` */
  tool(args: string[], allowFail?: boolean): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  stop(): Promise<void>;
}

async function run(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}) {
  const { execa } = await import('execa');
  const res = await execa(cmd, args, { reject: false, input: opts.input, stdin: opts.input ? undefined : 'ignore' });
  if (res.exitCode !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.exitCode}): ${String(res.stderr || res.stdout)}`);
  }
  return { stdout: String(res.stdout), stderr: String(res.stderr), exitCode: res.exitCode ?? -1 };
}

async function ensureSamba(): Promise<void> {
  if (fs.existsSync('/usr/sbin/samba') && fs.existsSync('/usr/bin/samba-tool')) return;
  await run('apt-get', ['update', '-qq']);
  const { execa } = await import('execa');
  const res = await execa(
    'apt-get',
    ['install', '-y', '-qq', 'samba', 'samba-ad-dc', 'samba-dsdb-modules', 'samba-vfs-modules', 'winbind', 'krb5-user'],
    { reject: false, env: { DEBIAN_FRONTEND: 'noninteractive' }, stdin: 'ignore' },
  );
  if (res.exitCode !== 0) throw new Error(`real-DC tier: cannot install samba with apt: ${String(res.stderr)}`);
}

export async function startRealDc(): Promise<RealDc> {
  if (process.getuid?.() !== 0) throw new Error('real-DC tier: needs root (network namespace, samba); not skipped');
  await ensureSamba();
  const netns = `lrdc${process.pid}`;
  const etc = `/etc/netns/${netns}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'linbo-realdc-'));
  let samba: ChildProcess | null = null;
  const stop = async () => {
    if (samba && samba.exitCode === null) {
      const gone = new Promise((r) => samba!.once('exit', r));
      samba.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000))]);
      if (samba.exitCode === null) samba.kill('SIGKILL');
    }
    // samba's forked tasks can outlive the parent for a moment and keep writing into `dir`:
    // kill whatever still runs in the namespace and wait until nothing does
    for (let i = 0; i < 50; i++) {
      const pids = (await run('ip', ['netns', 'pids', netns], { allowFail: true })).stdout
        .split(/\s+/)
        .filter((pid) => /^\d+$/.test(pid));
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await run('ip', ['netns', 'delete', netns], { allowFail: true });
    fs.rmSync(etc, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
  };
  try {
    const ns = (...args: string[]) => run('ip', ['-n', netns, ...args]);
    await run('ip', ['netns', 'add', netns]).catch((err: Error) => {
      throw new Error(`real-DC tier: cannot create a network namespace (${err.message}); not skipped`);
    });
    await ns('link', 'set', 'lo', 'up');
    await ns('link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1');
    await ns('addr', 'add', '10.254.254.2/30', 'dev', 'v0');
    await ns('addr', 'add', '10.254.254.1/30', 'dev', 'v1');
    await ns('link', 'set', 'v0', 'up');
    await ns('link', 'set', 'v1', 'up');
    fs.mkdirSync(path.join(etc, 'samba'), { recursive: true });
    fs.writeFileSync(path.join(etc, 'resolv.conf'), `search ${DOMAIN}\nnameserver 10.254.254.2\n`);
    fs.writeFileSync(path.join(etc, 'hosts'), `127.0.0.1 localhost\n10.254.254.2 server.${DOMAIN} server\n`);
    await run('ip', [
      ...['netns', 'exec', netns, 'samba-tool', 'domain', 'provision', `--targetdir=${dir}`],
      ...['--realm=LINUXMUSTER.LAN', '--domain=LINUXMUSTER', '--server-role=dc', '--dns-backend=SAMBA_INTERNAL'],
      ...[`--adminpass=${ADMIN_PASSWORD}`, '--use-rfc2307', '--host-name=server', '--host-ip=10.254.254.2'],
      ...['--option=interfaces = lo v0', '--option=bind interfaces only = yes'],
    ]);
    const conf = path.join(dir, 'etc', 'smb.conf');
    fs.writeFileSync(conf, fs.readFileSync(conf, 'utf8').replace(/^.*dns forwarder.*\n/m, ''));
    fs.symlinkSync(conf, path.join(etc, 'samba', 'smb.conf'));
    fs.copyFileSync(path.join(dir, 'private', 'krb5.conf'), path.join(etc, 'krb5.conf'));
    const log = fs.openSync(path.join(os.tmpdir(), `${netns}-samba.log`), 'w');
    samba = spawn('ip', ['netns', 'exec', netns, 'samba', '--foreground', '--no-process-group', '-s', conf], {
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const dc: RealDc = {
      netns,
      dir,
      tool: (args, allowFail) => run('ip', ['netns', 'exec', netns, '/usr/bin/samba-tool', ...args], { allowFail }),
      stop,
    };
    for (let i = 0; ; i++) {
      const r = await dc.tool(['dns', 'zonelist', '127.0.0.1', '-P'], true);
      if (r.exitCode === 0) break;
      if (i > 60) throw new Error(`real-DC tier: samba did not answer within 60 s: ${r.stderr}`);
      await new Promise((r2) => setTimeout(r2, 1000));
    }
    for (const ou of ['OU=SCHOOLS', 'OU=school,OU=SCHOOLS', 'OU=Devices,OU=school,OU=SCHOOLS']) {
      await dc.tool(['ou', 'create', ou, '-P']);
    }
    await dc.tool(['ou', 'create', 'OU=room,OU=Devices,OU=school,OU=SCHOOLS', '-P']);
    return dc;
  } catch (err) {
    await stop();
    throw err;
  }
}
