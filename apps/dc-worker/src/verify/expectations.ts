/**
 * The expectation checks (pure, DOMAIN.md §9 step 8): from a snapshot of the DC, the problems of each
 * job — what must exist after a create/update, what must be gone after a delete or rename.
 */
import { accountName, dcName, DhcpHost, DnsNode, hasAccount, reverseOf } from './dc-state';
import type { VerifyTarget } from './verifier';

export interface DcSnapshot {
  accounts: Set<string>;
  zones: Map<string, Map<string, DnsNode>>;
  dhcp: Map<string, DhcpHost> | null;
}

const EMPTY_NODE: DnsNode = { a: new Set(), ptr: new Set() };

export function nodeIn(snapshot: DcSnapshot, zone: string, node: string): DnsNode {
  return snapshot.zones.get(zone)?.get(node.toLowerCase()) ?? EMPTY_NODE;
}

export function expectedState(
  school: string,
  targets: VerifyTarget[],
  domain: string,
  snapshot: DcSnapshot,
  octets: number,
): Map<string, string[]> {
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
      problems.push(...absent(school, t.hostname, t.ip, domain, snapshot, octets));
    } else {
      const account = accountName(school, t.hostname);
      if (hasAccount(t.role) && !snapshot.accounts.has(account)) problems.push(`computer account ${account} missing`);
      const a = nodeIn(snapshot, domain, name).a;
      if (t.ip) {
        const rev = reverseOf(t.ip, octets);
        if (!a.has(t.ip)) problems.push(`A record ${fqdn} → ${t.ip} missing`);
        const stale = [...a].filter((ip) => ip !== t.ip);
        if (stale.length) problems.push(`A record ${fqdn} still has old address ${stale.join(', ')}`);
        if (!nodeIn(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
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
        problems.push(...absent(school, t.oldHostname, null, domain, snapshot, octets).map((p) => `renamed: ${p}`));
      }
    }
    out.set(t.id, problems);
  }
  return out;
}

/** What must be gone for a removed name: account, A records, the PTR of its IP, DHCP block. */
export function absent(
  school: string,
  hostname: string,
  ip: string | null,
  domain: string,
  snapshot: DcSnapshot,
  octets: number,
): string[] {
  const problems: string[] = [];
  const name = dcName(school, hostname);
  const fqdn = `${name}.${domain}`;
  const account = accountName(school, hostname);
  if (snapshot.accounts.has(account)) problems.push(`computer account ${account} still present`);
  const a = nodeIn(snapshot, domain, name).a;
  if (a.size) problems.push(`A record ${fqdn} → ${[...a].join(', ')} still present`);
  if (ip) {
    const rev = reverseOf(ip, octets);
    if (nodeIn(snapshot, rev.zone, rev.node).ptr.has(fqdn)) {
      problems.push(`PTR record ${rev.node}.${rev.zone} → ${fqdn} still present`);
    }
  }
  if (snapshot.dhcp?.has(hostname.toLowerCase())) problems.push(`DHCP host block ${hostname} still present`);
  return problems;
}
