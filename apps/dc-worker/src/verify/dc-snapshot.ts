import { promises as fs } from 'node:fs';

import { dhcpVerifyPathFor, WorkerConfig } from '../config/worker-config';
import { DhcpHost, DnsNode, parseComputerList, parseDhcpHosts, parseZoneDump, reverseOf } from './dc-state';
import { DcSnapshot } from './expectations';
import { missingForwardZone } from './samba-messages';
import { SambaToolError, SambaToolPort } from './samba-tool';
import type { DhcpCapture, VerifyTarget } from './verifier';

/**
 * Reads what a batch's verification compares against (DOMAIN.md §4): one `computer list`, one
 * `dns query … @ ALL` per zone involved and the DHCP file, so the number of samba-tool processes
 * does not grow with the batch.
 */
export class DcSnapshotReader {
  constructor(
    private readonly config: WorkerConfig,
    private readonly samba: SambaToolPort,
  ) {}

  /** The DC's state for `targets`; `captured`: the DHCP state read right after the import. */
  async read(school: string, targets: VerifyTarget[], domain: string, captured?: DhcpCapture): Promise<DcSnapshot> {
    const dumps = this.dumpsFor(targets, domain);
    const [accounts, zoneDumps, dhcp] = await Promise.all([
      this.samba.run(['computer', 'list']).then(parseComputerList),
      Promise.all(dumps.map((d) => zoneDump(this.samba, this.config, d.zone, d.parent, d.zone === domain))),
      captured ? captured.hosts : readDhcpFile(this.config, school),
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
}

/** `dns query SERVER ZONE NODE ALL`: a missing forward zone is a configuration error, a missing reverse one empty. */
export async function zoneDump(
  samba: SambaToolPort,
  config: WorkerConfig,
  zone: string,
  parent: string,
  forward: boolean,
): Promise<Map<string, DnsNode>> {
  try {
    return parseZoneDump(await samba.run(['dns', 'query', config.dnsServer, zone, parent || '@', 'ALL']));
  } catch (err) {
    if (!(err instanceof SambaToolError) || !/does not exist/i.test(err.message)) throw err;
    // the forward zone must exist: without it every host would read "A record missing"
    if (forward) throw new SambaToolError(missingForwardZone(zone, config.linboDomain));
    // a reverse zone (or a node above the records) that does not exist simply holds no records
    return new Map();
  }
}

/** The DHCP_VERIFY_FILE's hosts (null: not checked; a missing file holds none). */
export async function readDhcpFile(config: WorkerConfig, school: string): Promise<Map<string, DhcpHost> | null> {
  const path = dhcpVerifyPathFor(config, school);
  if (!path) return null;
  try {
    return parseDhcpHosts(await fs.readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new SambaToolError(`cannot read DHCP_VERIFY_FILE ${path}: ${(err as Error).message}`);
  }
}
