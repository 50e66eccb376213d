import { Inject, Injectable, Optional } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { DcSnapshotReader, readDhcpFile, zoneDump } from './dc-snapshot';
import { DhcpHost, parseComputerList, parseDomainInfo } from './dc-state';
import { DcSnapshot, expectedState } from './expectations';
import { LeftoverCleanup } from './leftover-cleanup';
import { adviceFor } from './samba-messages';
import { SambaTool, SambaToolError, SambaToolPort } from './samba-tool';

export { adviceFor, failureText, missingForwardZone } from './samba-messages';
export { SambaToolError } from './samba-tool';

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
 * Decides success by reading the DC's state (DOMAIN.md §4, §9 step 8): the snapshot
 * (DcSnapshotReader: a constant number of samba-tool processes per batch) against the pure
 * expectations (expectations.ts), with the delete clean-up (LeftoverCleanup) when DC_CLEANUP is on.
 * Records are matched by value, never by exit code alone.
 */
@Injectable()
export class Verifier {
  private domain: string | null = null;
  private readonly samba: SambaToolPort;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Optional() @Inject(SambaTool) samba?: SambaToolPort,
  ) {
    this.samba = samba ?? new SambaTool(config);
  }

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
    const samba = counted(this.samba, report);
    const reader = new DcSnapshotReader(this.config, samba);
    let snapshot: DcSnapshot;
    try {
      if (opts.dhcp?.error) throw new SambaToolError(opts.dhcp.error);
      const domain = await this.resolveDomain(report);
      snapshot = await reader.read(school, targets, domain, opts.dhcp);
      let problems = expectedState(school, targets, domain, snapshot, this.config.revDnsOctets);
      if (opts.cleanUp !== false && this.config.dcCleanup) {
        const cleanup = new LeftoverCleanup(this.config, this.logger, samba);
        report.cleaned = await cleanup.run(school, targets, domain, snapshot, problems);
        if (report.cleaned.length > 0) {
          snapshot = await reader.read(school, targets, domain, opts.dhcp);
          problems = expectedState(school, targets, domain, snapshot, this.config.revDnsOctets);
        }
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
      return { hosts: await readDhcpFile(this.config, school) };
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
      const zone = await zoneDump(this.samba, this.config, domain, '', true);
      const accounts = parseComputerList(await this.samba.run(['computer', 'list']));
      return `zone ${domain} readable (${zone.size} nodes), ${accounts.size} computer accounts`;
    } catch (err) {
      throw new Error(adviceFor((err as Error).message, kerberos));
    }
  }

  /** LINBO_DOMAIN, or with `auto` the domain samba-tool reports (asked once per process). */
  async resolveDomain(report?: VerifyReport): Promise<string> {
    if (this.config.linboDomain !== 'auto') return this.config.linboDomain;
    if (this.domain) return this.domain;
    const out = await counted(this.samba, report).run(['domain', 'info', this.config.dnsServer]);
    const domain = parseDomainInfo(out);
    if (!domain) throw new SambaToolError('samba-tool domain info printed no "Domain :" line (LINBO_DOMAIN=auto)');
    this.domain = domain;
    return domain;
  }
}

/** The runner, counting each samba-tool process it starts into `report` (DOMAIN.md §9 step 8). */
function counted(samba: SambaToolPort, report?: VerifyReport): SambaToolPort {
  if (!report) return samba;
  return {
    run: (args) => {
      report.sambaToolRuns++;
      return samba.run(args);
    },
  };
}
