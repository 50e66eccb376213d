/**
 * Pure parsers and name rules for what samba-tool and the DHCP file tell us (DOMAIN.md §2–§4). No I/O:
 * the Verifier feeds them command output.
 */
import { hasComputerAccount } from '@app/csv-merge';
import { dcHostname } from '@app/provisioning';

/** Roles sophomorix gives a computer account (DOMAIN.md §2); the list lives in @app/csv-merge. */
export function hasAccount(role: string): boolean {
  return hasComputerAccount(role);
}

/** DOMAIN.md §2: a non-default school's names get an `S-` prefix in AD and DNS (rule in @app/provisioning). */
export function dcName(school: string, hostname: string): string {
  return dcHostname(school, hostname);
}

/** Upper-case sAMAccountName with `$` (DOMAIN.md §2 hostname column). */
export function accountName(school: string, hostname: string): string {
  return `${dcName(school, hostname).toUpperCase()}$`;
}

/** DOMAIN.md §4: names compare case-insensitively with a trailing dot ignored. */
export function dnsKey(name: string): string {
  return name.trim().replace(/\.$/, '').toLowerCase();
}

/** Reverse zone and record name of an IPv4 for REV_DNS_OCTETS octets (DOMAIN.md §2: default 3). */
export function reverseOf(ip: string, octets: number): { zone: string; node: string } {
  const parts = ip.split('.');
  const net = parts.slice(0, octets).reverse();
  const host = parts.slice(octets).reverse();
  return { zone: `${net.join('.')}.in-addr.arpa`, node: host.join('.') };
}

/** `computer list`: one `NAME$` per line → upper-case account names. */
export function parseComputerList(stdout: string): Set<string> {
  const out = new Set<string>();
  for (const line of stdout.split('\n')) {
    const name = line.trim();
    if (name) out.add(name.toUpperCase());
  }
  return out;
}

export interface DnsNode {
  a: Set<string>;
  /** PTR targets, dnsKey()-normalised */
  ptr: Set<string>;
}

/**
 * `dns query SRV ZONE @ ALL`: `  Name=<node>, Records=k, Children=c` blocks with record lines
 * `    A: 10.0.100.1 (flags=…)` / `    PTR: host.domain (flags=…)` below (DOMAIN.md §4).
 * Node names are normalised with dnsKey; the zone apex is ''.
 */
export function parseZoneDump(stdout: string): Map<string, DnsNode> {
  const nodes = new Map<string, DnsNode>();
  let current: DnsNode | null = null;
  for (const line of stdout.split('\n')) {
    const name = /^\s*Name=([^,]*),\s*Records=/.exec(line);
    if (name) {
      const key = dnsKey(name[1]);
      current = nodes.get(key) ?? { a: new Set(), ptr: new Set() };
      nodes.set(key, current);
      continue;
    }
    const rec = /^\s+(A|PTR):\s+(\S+)/i.exec(line);
    if (rec && current) {
      if (rec[1].toUpperCase() === 'A') current.a.add(rec[2].trim());
      else current.ptr.add(dnsKey(rec[2]));
    }
  }
  return nodes;
}

export interface DhcpHost {
  name: string;
  mac: string | null;
  ip: string | null;
}

/** The `host NAME { … }` blocks of a DHCP devices file (DOMAIN.md §3), keyed by lower-case name. */
export function parseDhcpHosts(text: string): Map<string, DhcpHost> {
  const out = new Map<string, DhcpHost>();
  const re = /host\s+([^\s{]+)\s*\{([^}]*)\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const body = m[2];
    const mac = /hardware\s+ethernet\s+([^;\s]+)\s*;/.exec(body);
    const ip = /fixed-address\s+([^;\s]+)\s*;/.exec(body);
    out.set(m[1].toLowerCase(), {
      name: m[1],
      mac: mac ? mac[1].toUpperCase().replace(/-/g, ':') : null,
      ip: ip ? ip[1] : null,
    });
  }
  return out;
}

/** `samba-tool domain info`: `Domain                : linuxmuster.lan`. */
export function parseDomainInfo(stdout: string): string | null {
  const m = /^\s*Domain\s*:\s*(\S+)\s*$/m.exec(stdout);
  return m ? dnsKey(m[1]) : null;
}
