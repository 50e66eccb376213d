import { promises as fs } from 'node:fs';
import { setPriority } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { dhcpVerifyPathFor, sambaAuthArgs, WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import {
  accountName,
  dcName,
  DhcpHost,
  DnsNode,
  hasAccount,
  parseComputerList,
  parseDhcpHosts,
  parseDomainInfo,
  parseZoneDump,
  reverseOf,
} from './dc-state';

/** One job's expected end state. */
export interface VerifyTarget {
  id: string;
  action: 'create' | 'update' | 'delete';
  hostname: string;
  /** normalised AA:BB:… */
  mac: string;
  /** null = DHCP (no DNS records) */
  ip: string | null;
  role: string;
  /** rename: this name must be gone */
  oldHostname?: string;
}

/** Per job: the problems found ([] = verified). */
export interface VerifyReport {
  problems: Map<string, string[]>;
  /** samba-tool processes this verification started (DOMAIN.md §9 step 8: constant per batch) */
  sambaToolRuns: number;
  /** leftover objects deleted because SAMBA_TOOL_AUTH is set */
  cleaned: string[];
}

interface DcSnapshot {
  accounts: Set<string>;
  zones: Map<string, Map<string, DnsNode>>;
  dhcp: Map<string, DhcpHost> | null;
}

/** A samba-tool run that failed, or DC state that could not be read. */
export class SambaToolError extends Error {}

/**
 * The DHCP file as it was right after a batch's import (`captureDhcp`): every import rewrites it,
 * so it is read before the next import may start. `error`: it could not be read then.
 */
export interface DhcpCapture {
  hosts: Map<string, DhcpHost> | null;
  error?: string;
}

/** An early check's verdict: `settled` only when every target is verified and the DC was readable. */
export interface EarlyCheck {
  report: VerifyReport;
  settled: boolean;
}

const EMPTY_NODE: DnsNode = { a: new Set(), ptr: new Set() };

/**
 * Decides success by reading the DC's state (DOMAIN.md §4, §9 step 8): one `computer list`, one
 * `dns query … @ ALL` per zone involved and one read of the DHCP file per batch, so the number of
 * samba-tool processes does not grow with the batch. Records are matched by value, never by exit
 * code alone.
 */
@Injectable()
export class Verifier {
  private domain: string | null = null;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
  ) {}

  /**
   * `dhcp`: use the DHCP state captured earlier instead of reading the file now; `cleanUp: false`:
   * read only (no leftover clean-up even with SAMBA_TOOL_AUTH).
   */
  async verify(
    school: string,
    targets: VerifyTarget[],
    opts: { dhcp?: DhcpCapture; cleanUp?: boolean } = {},
  ): Promise<VerifyReport> {
    const report: VerifyReport = { problems: new Map(), sambaToolRuns: 0, cleaned: [] };
    if (targets.length === 0) return report;
    let snapshot: DcSnapshot;
    try {
      if (opts.dhcp?.error) throw new SambaToolError(opts.dhcp.error);
      const domain = await this.resolveDomain(report);
      snapshot = await this.snapshot(school, targets, domain, report, opts.dhcp);
      let problems = this.check(school, targets, domain, snapshot);
      if (
        opts.cleanUp !== false &&
        this.config.dcCleanup &&
        (await this.cleanLeftovers(school, targets, domain, snapshot, problems, report))
      ) {
        snapshot = await this.snapshot(school, targets, domain, report, opts.dhcp);
        problems = this.check(school, targets, domain, snapshot);
      }
      report.problems = problems;
    } catch (err) {
      if (!(err instanceof SambaToolError)) throw err;
      for (const t of targets) report.problems.set(t.id, [`cannot read the DC state: ${err.message}`]);
    }
    return report;
  }

  /** Reads the DHCP_VERIFY_FILE now (right after the import, before the next one may start). */
  async captureDhcp(school: string): Promise<DhcpCapture> {
    try {
      return { hosts: await this.readDhcp(school) };
    } catch (err) {
      if (!(err instanceof SambaToolError)) throw err;
      return { hosts: null, error: err.message };
    }
  }

  /**
   * The same checks as `verify`, read-only (no clean-up), with the DHCP state captured after the
   * import: safe to run while another batch's import changes the DC, for hosts that batch does not
   * touch. Only an all-clear settles the batch; any problem or unreadable state (possibly a view
   * half-way through that other import) is left to `verify`, run again when no import runs.
   */
  async checkEarly(school: string, targets: VerifyTarget[], dhcp: DhcpCapture): Promise<EarlyCheck> {
    const report = await this.verify(school, targets, { dhcp, cleanUp: false });
    return { report, settled: [...report.problems.values()].every((p) => p.length === 0) };
  }

  /**
   * `--check`: reads what a batch reads (domain, forward zone, computer list) with the configured
   * credentials and server, and names the setting to change when that fails on a real DC.
   */
  async probe(): Promise<string> {
    const kerberos = /kerberos/i.test(this.config.sambaToolAuth);
    if (kerberos && /^[0-9.:]+$/.test(this.config.dnsServer)) {
      throw new Error(
        `SAMBA_TOOL_AUTH uses Kerberos but DNS_SERVER=${this.config.dnsServer} is an address: set DNS_SERVER to the DC's FQDN (e.g. server.linuxmuster.lan), or use SAMBA_TOOL_AUTH=-P`,
      );
    }
    try {
      const domain = await this.resolveDomain();
      const zone = await this.zoneDump(domain, '', true, { problems: new Map(), sambaToolRuns: 0, cleaned: [] });
      const accounts = parseComputerList(await this.sambaTool(['computer', 'list']));
      return `zone ${domain} readable (${zone.size} nodes), ${accounts.size} computer accounts`;
    } catch (err) {
      throw new Error(adviceFor((err as Error).message, kerberos));
    }
  }

  /** LINBO_DOMAIN, or with `auto` the domain samba-tool reports (asked once per process). */
  async resolveDomain(report?: VerifyReport): Promise<string> {
    if (this.config.linboDomain !== 'auto') return this.config.linboDomain;
    if (this.domain) return this.domain;
    const out = await this.sambaTool(['domain', 'info', this.config.dnsServer], report);
    const domain = parseDomainInfo(out);
    if (!domain) throw new SambaToolError('samba-tool domain info printed no "Domain :" line (LINBO_DOMAIN=auto)');
    this.domain = domain;
    return domain;
  }

  /**
   * The dumps to take: the forward zone's apex, and for each reverse record the node above it. With
   * REV_DNS_OCTETS 3 that is the zone apex; with 1–2 the record's name has several labels, which a
   * real `@ ALL` lists only as its first label with `Children=1`, so the parent node is queried.
   */
  private dumpsFor(targets: VerifyTarget[], domain: string): Array<{ zone: string; parent: string }> {
    const out = new Map<string, { zone: string; parent: string }>([[`${domain}|`, { zone: domain, parent: '' }]]);
    for (const t of targets) {
      if (!t.ip) continue;
      const rev = reverseOf(t.ip, this.config.revDnsOctets);
      const parent = rev.node.split('.').slice(1).join('.');
      out.set(`${rev.zone}|${parent}`, { zone: rev.zone, parent });
    }
    return [...out.values()];
  }

  private async snapshot(
    school: string,
    targets: VerifyTarget[],
    domain: string,
    report: VerifyReport,
    captured?: DhcpCapture,
  ): Promise<DcSnapshot> {
    const dumps = this.dumpsFor(targets, domain);
    const [accounts, zoneDumps, dhcp] = await Promise.all([
      this.sambaTool(['computer', 'list'], report).then(parseComputerList),
      Promise.all(dumps.map((d) => this.zoneDump(d.zone, d.parent, d.zone === domain, report))),
      captured ? captured.hosts : this.readDhcp(school),
    ]);
    const zones = new Map<string, Map<string, DnsNode>>();
    dumps.forEach((d, i) => {
      const zone = zones.get(d.zone) ?? new Map<string, DnsNode>();
      for (const [label, node] of zoneDumps[i]) {
        const key = d.parent ? (label ? `${label}.${d.parent}` : d.parent) : label;
        zone.set(key, node);
      }
      zones.set(d.zone, zone);
    });
    return { accounts, zones, dhcp };
  }

  private async zoneDump(
    zone: string,
    parent: string,
    forward: boolean,
    report: VerifyReport,
  ): Promise<Map<string, DnsNode>> {
    try {
      const args = ['dns', 'query', this.config.dnsServer, zone, parent || '@', 'ALL'];
      return parseZoneDump(await this.sambaTool(args, report));
    } catch (err) {
      if (!(err instanceof SambaToolError) || !/does not exist/i.test(err.message)) throw err;
      // the forward zone must exist: without it every host would read "A record missing"
      if (forward) throw new SambaToolError(missingForwardZone(zone, this.config.linboDomain));
      // a reverse zone (or a node above the records) that does not exist simply holds no records
      return new Map();
    }
  }

  private async readDhcp(school: string): Promise<Map<string, DhcpHost> | null> {
    const path = dhcpVerifyPathFor(this.config, school);
    if (!path) return null;
    try {
      return parseDhcpHosts(await fs.readFile(path, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new SambaToolError(`cannot read DHCP_VERIFY_FILE ${path}: ${(err as Error).message}`);
    }
  }

  private node(snapshot: DcSnapshot, zone: string, node: string): DnsNode {
    return snapshot.zones.get(zone)?.get(node.toLowerCase()) ?? EMPTY_NODE;
  }

  private check(school: string, targets: VerifyTarget[], domain: string, snapshot: DcSnapshot): Map<string, string[]> {
    const out = new Map<string, string[]>();
    // names a create/update of this batch ends up owning: a delete of the same name in the same
    // batch (DOMAIN.md §11 scenario 6) is then proved by that job, not by absence
    const reused = new Map<string, string>();
    for (const t of targets) if (t.action !== 'delete') reused.set(t.hostname.toLowerCase(), t.id);

    for (const t of targets) {
      const problems: string[] = [];
      const name = dcName(school, t.hostname);
      const fqdn = `${name}.${domain}`;
      if (t.action === 'delete') {
        const by = reused.get(t.hostname.toLowerCase());
        if (by) {
          out.set(t.id, []);
          continue;
        }
        problems.push(...this.absent(school, t.hostname, t.ip, domain, snapshot));
      } else {
        const account = accountName(school, t.hostname);
        if (hasAccount(t.role) && !snapshot.accounts.has(account)) problems.push(`computer account ${account} missing`);
        const a = this.node(snapshot, domain, name).a;
        if (t.ip) {
          const rev = reverseOf(t.ip, this.config.revDnsOctets);
          if (!a.has(t.ip)) problems.push(`A record ${fqdn} → ${t.ip} missing`);
          const stale = [...a].filter((ip) => ip !== t.ip);
          if (stale.length) problems.push(`A record ${fqdn} still has old address ${stale.join(', ')}`);
          if (!this.node(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
            problems.push(`PTR record ${rev.node}.${rev.zone} → ${fqdn} missing`);
          }
        } else if (a.size) {
          problems.push(`A record ${fqdn} still present (${[...a].join(', ')}) although the host uses DHCP`);
        }
        if (snapshot.dhcp) {
          const block = snapshot.dhcp.get(t.hostname.toLowerCase()) ?? snapshot.dhcp.get(name);
          if (!block) problems.push(`DHCP host block ${t.hostname} missing`);
          else {
            if (block.mac !== t.mac)
              problems.push(`DHCP host ${t.hostname} has MAC ${block.mac ?? 'none'}, expected ${t.mac}`);
            if (block.ip !== t.ip) {
              problems.push(
                `DHCP host ${t.hostname} has fixed-address ${block.ip ?? 'none'}, expected ${t.ip ?? 'none'}`,
              );
            }
          }
        }
        if (
          t.oldHostname &&
          t.oldHostname.toLowerCase() !== t.hostname.toLowerCase() &&
          !reused.has(t.oldHostname.toLowerCase())
        ) {
          problems.push(...this.absent(school, t.oldHostname, null, domain, snapshot).map((p) => `renamed: ${p}`));
        }
      }
      out.set(t.id, problems);
    }
    return out;
  }

  /** What must be gone for a removed name: account, A records, the PTR of its IP, DHCP block. */
  private absent(school: string, hostname: string, ip: string | null, domain: string, snapshot: DcSnapshot): string[] {
    const problems: string[] = [];
    const name = dcName(school, hostname);
    const fqdn = `${name}.${domain}`;
    const account = accountName(school, hostname);
    if (snapshot.accounts.has(account)) problems.push(`computer account ${account} still present`);
    const a = this.node(snapshot, domain, name).a;
    if (a.size) problems.push(`A record ${fqdn} → ${[...a].join(', ')} still present`);
    if (ip) {
      const rev = reverseOf(ip, this.config.revDnsOctets);
      if (this.node(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
        problems.push(`PTR record ${rev.node}.${rev.zone} → ${fqdn} still present`);
      }
    }
    if (snapshot.dhcp?.has(hostname.toLowerCase())) problems.push(`DHCP host block ${hostname} still present`);
    return problems;
  }

  /**
   * DOMAIN.md §9 step 8: with SAMBA_TOOL_AUTH, objects sophomorix did not create (so did not remove)
   * are deleted for delete jobs. Returns whether anything was deleted (then we look again).
   */
  private async cleanLeftovers(
    school: string,
    targets: VerifyTarget[],
    domain: string,
    snapshot: DcSnapshot,
    problems: Map<string, string[]>,
    report: VerifyReport,
  ): Promise<boolean> {
    let deleted = false;
    for (const t of targets) {
      if (t.action !== 'delete' || !problems.get(t.id)?.length) continue;
      const name = dcName(school, t.hostname);
      const fqdn = `${name}.${domain}`;
      const steps: Array<{ what: string; args: string[] }> = [];
      if (snapshot.accounts.has(accountName(school, t.hostname))) {
        steps.push({ what: `computer ${name}`, args: ['computer', 'delete', name] });
      }
      for (const ip of this.node(snapshot, domain, name).a) {
        steps.push({ what: `A ${fqdn} ${ip}`, args: ['dns', 'delete', this.config.dnsServer, domain, name, 'A', ip] });
      }
      if (t.ip) {
        const rev = reverseOf(t.ip, this.config.revDnsOctets);
        if (this.node(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
          steps.push({
            what: `PTR ${rev.node}.${rev.zone} ${fqdn}`,
            args: ['dns', 'delete', this.config.dnsServer, rev.zone, rev.node, 'PTR', fqdn],
          });
        }
      }
      for (const step of steps) {
        try {
          await this.sambaTool(step.args, report);
          report.cleaned.push(step.what);
          deleted = true;
          this.logger.info({ operationId: t.id, object: step.what }, 'deleted leftover DC object');
        } catch (err) {
          // a real `computer delete` also removes the A/PTR records of the account's dNSHostName
          if (step.args[0] === 'dns' && /does not exist/i.test((err as Error).message)) {
            this.logger.info({ operationId: t.id, object: step.what }, 'leftover already removed');
            continue;
          }
          this.logger.warn(
            { operationId: t.id, object: step.what, err: (err as Error).message },
            'leftover cleanup failed',
          );
        }
      }
    }
    return deleted;
  }

  private async sambaTool(args: string[], report?: VerifyReport): Promise<string> {
    const { execa } = await import('execa');
    const auth = sambaAuthArgs(this.config.sambaToolAuth);
    if (report) report.sambaToolRuns++;
    const child = execa(this.config.sambaTool, [...args, ...auth], {
      reject: false,
      timeout: this.config.sambaToolTimeoutSec * 1000,
      stdin: 'ignore',
      maxBuffer: 64 * 1024 * 1024,
    });
    lowerPriority(child.pid);
    const result = await child;
    if (result.exitCode !== 0) {
      throw new SambaToolError(
        `samba-tool ${args.slice(0, 2).join(' ')} failed (exit ${result.exitCode ?? '-'}): ${failureText(
          String(result.stderr),
          String(result.stdout),
          result.shortMessage,
        )}`,
      );
    }
    return String(result.stdout);
  }
}

/**
 * What a failed samba-tool said: every stderr line except the `WARNING:` ones (a `--password=…`
 * prints `WARNING: Using password on command line is insecure…` first), so `does not exist` is seen
 * wherever it stands; a credentials prompt on stdout means no usable credentials.
 */
export function failureText(stderr: string, stdout: string, fallback = ''): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^WARNING:/.test(l));
  const prompt = /Password for \[[^\]]*\]:/.exec(stdout);
  if (prompt)
    lines.unshift(`samba-tool asked "${prompt[0]}" (no usable credentials: set SAMBA_TOOL_AUTH=-P on the DC)`);
  if (lines.length === 0) lines.push(stdout.trim().split('\n')[0] || fallback);
  return lines.join(' | ');
}

/** A samba-tool failure seen by `--check`, with the setting that fixes it. */
export function adviceFor(message: string, kerberos: boolean): string {
  if (/krb5_cc_get_principal|No Kerberos credentials|cc_get_principal/i.test(message)) {
    return `${message} — no Kerberos ticket: run kinit for the worker's user (and renew it), or use SAMBA_TOOL_AUTH=-P`;
  }
  if (/Password for \[|LOGON_FAILURE|logon is invalid/i.test(message)) {
    return kerberos
      ? `${message} — Kerberos needs DNS_SERVER = the DC's FQDN and a live ticket (kinit); or use SAMBA_TOOL_AUTH=-P`
      : `${message} — the DC refused the credentials: set SAMBA_TOOL_AUTH=-P (machine account, root on the DC) or user%password of an account allowed to manage DNS`;
  }
  if (/Invalid IP address/i.test(message)) return `${message} — set DNS_SERVER to 127.0.0.1, the DC's IP or its FQDN`;
  if (/Connecting to DNS RPC server/i.test(message)) {
    return kerberos
      ? `${message} — with --use-kerberos set DNS_SERVER to the DC's FQDN and hold a ticket (kinit)`
      : `${message} — check DNS_SERVER (127.0.0.1 on the DC) and SAMBA_TOOL_AUTH`;
  }
  return message;
}

/** The configuration error of a forward zone that is not on the DC. */
export function missingForwardZone(zone: string, setting: string): string {
  return `configuration error: the DNS zone ${zone} does not exist on the DC (LINBO_DOMAIN=${setting}); set LINBO_DOMAIN to the DC's DNS domain (samba-tool domain info) or to auto`;
}

/**
 * Verification runs beside the next batch's merge and import (ProvisionProcessor): its samba-tool
 * processes get nice 10 so the critical path — and the DC's own services — go first when the CPU
 * is short. Lowering one's own child's priority is always allowed; where it fails, nothing changes.
 */
const VERIFY_NICE = 10;

function lowerPriority(pid: number | undefined): void {
  if (!pid) return;
  try {
    setPriority(pid, VERIFY_NICE);
  } catch {
    // the child is already gone, or the platform refuses: normal priority
  }
}
