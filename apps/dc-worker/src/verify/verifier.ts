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
  parseComputerList,
  parseDhcpHosts,
  parseDomainInfo,
  parseZoneDump,
  reverseOf,
} from './dc-state';
import { DcSnapshot, expectedState, nodeIn } from './expectations';
import { adviceFor, failureText, missingForwardZone } from './samba-messages';

export { adviceFor, failureText, missingForwardZone } from './samba-messages';

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
      let problems = expectedState(school, targets, domain, snapshot, this.config.revDnsOctets);
      if (
        opts.cleanUp !== false &&
        this.config.dcCleanup &&
        (await this.cleanLeftovers(school, targets, domain, snapshot, problems, report))
      ) {
        snapshot = await this.snapshot(school, targets, domain, report, opts.dhcp);
        problems = expectedState(school, targets, domain, snapshot, this.config.revDnsOctets);
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
      for (const ip of nodeIn(snapshot, domain, name).a) {
        steps.push({ what: `A ${fqdn} ${ip}`, args: ['dns', 'delete', this.config.dnsServer, domain, name, 'A', ip] });
      }
      if (t.ip) {
        const rev = reverseOf(t.ip, this.config.revDnsOctets);
        if (nodeIn(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
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
