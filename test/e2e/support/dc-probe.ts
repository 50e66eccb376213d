/**
 * Looks at the fake DC from the outside, the way an admin would on a real one: through
 * `samba-tool` (DOMAIN.md §4 output formats), the DHCP include file (DOMAIN.md §3 format) and the tool run
 * log. It does not read the fake's private state.json layout, so these checks would hold on a
 * real DC too and cross-check the worker's own verifier.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DhcpBlock {
  name: string;
  mac: string | null;
  fixedAddress: string | null;
  lines: string[];
}

export interface ToolCall {
  tool: string;
  argv: string[];
  at: string;
  exit: number | null;
}

/** One bulk look at AD and DNS: a constant number of samba-tool runs however many hosts. */
export interface DcView {
  /** sAMAccountNames upper case, e.g. `R100-PC01$` */
  computers: Set<string>;
  /** forward zone: node name (lower case) → A addresses */
  a: Map<string, string[]>;
  /** reverse zone records: `o4.o3.o2.o1` ip → PTR targets (lower case, no trailing dot) */
  ptr: Map<string, string[]>;
}

export class DcProbe {
  constructor(
    /** $FAKE_DC_ROOT */
    readonly root: string,
    readonly sambaTool: string,
    readonly domain = 'linuxmuster.lan',
    readonly school = 'default-school',
  ) {}

  get dhcpFile(): string {
    return join(this.root, 'etc', 'dhcp', 'devices', `${this.school}.conf`);
  }

  get callsLog(): string {
    return join(this.root, 'calls.log');
  }

  private async samba(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const { stdout, stderr } = await run(this.sambaTool, [...args, '-P'], {
        env: { ...process.env, FAKE_DC_ROOT: this.root },
        timeout: 15_000,
        maxBuffer: 32 * 1024 * 1024,
      });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; code?: number | string };
      if (typeof e.code !== 'number') throw err;
      return { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code };
    }
  }

  /**
   * AD accounts from `computer list`, the forward zone from `dns query … @ ALL`, and the reverse
   * zones of `ips` (3-octet zones, DOMAIN.md §2) the same way.
   */
  async view(ips: Array<string | null> = []): Promise<DcView> {
    const computers = new Set<string>();
    const list = await this.samba(['computer', 'list']);
    if (list.code !== 0) throw new Error(`samba-tool computer list failed (${list.code}): ${list.stderr}`);
    for (const line of list.stdout.split('\n')) if (line.trim()) computers.add(line.trim().toUpperCase());

    const a = new Map<string, string[]>();
    for (const [node, records] of await this.zoneRecords(this.domain)) {
      const ipv4 = records.filter((r) => r.type === 'A').map((r) => r.data);
      if (ipv4.length > 0) a.set(node.toLowerCase(), ipv4);
    }

    const ptr = new Map<string, string[]>();
    const zones = new Set(ips.filter((ip): ip is string => !!ip).map(reverseZone));
    for (const zone of zones) {
      const prefix = zone.replace('.in-addr.arpa', '').split('.').reverse().join('.');
      for (const [node, records] of await this.zoneRecords(zone)) {
        const targets = records.filter((r) => r.type === 'PTR').map((r) => r.data.toLowerCase().replace(/\.$/, ''));
        if (targets.length > 0) ptr.set(`${prefix}.${node}`, targets);
      }
    }
    return { computers, a, ptr };
  }

  /** `dns query 127.0.0.1 ZONE @ ALL` parsed into node → records (an unknown zone is empty). */
  private async zoneRecords(zone: string): Promise<Map<string, Array<{ type: string; data: string }>>> {
    const res = await this.samba(['dns', 'query', '127.0.0.1', zone, '@', 'ALL']);
    const nodes = new Map<string, Array<{ type: string; data: string }>>();
    if (res.code !== 0) {
      if (/does not exist/i.test(res.stderr)) return nodes;
      throw new Error(`samba-tool dns query ${zone} @ ALL failed (${res.code}): ${res.stderr}`);
    }
    let current: string | undefined;
    for (const line of res.stdout.split('\n')) {
      const node = /^\s*Name=([^,]*),/.exec(line);
      if (node) {
        current = node[1];
        if (!nodes.has(current)) nodes.set(current, []);
        continue;
      }
      const record = /^\s+([A-Z]+):\s+(\S+)/.exec(line);
      if (record && current !== undefined) nodes.get(current)!.push({ type: record[1], data: record[2] });
    }
    return nodes;
  }

  /** The school's DHCP reservations, by host name. */
  dhcpBlocks(): Map<string, DhcpBlock> {
    const blocks = new Map<string, DhcpBlock>();
    if (!existsSync(this.dhcpFile)) return blocks;
    const text = readFileSync(this.dhcpFile, 'utf8');
    const re = /^host\s+(\S+)\s*\{\n([\s\S]*?)^\}/gm;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const lines = m[2]
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const mac = lines.map((l) => /^hardware ethernet\s+([^;]+);/.exec(l)?.[1]).find(Boolean) ?? null;
      const fixed = lines.map((l) => /^fixed-address\s+([^;]+);/.exec(l)?.[1]).find(Boolean) ?? null;
      blocks.set(m[1], { name: m[1], mac, fixedAddress: fixed, lines });
    }
    return blocks;
  }

  /** Every tool run so far (calls.log: one JSON line per run). */
  calls(): ToolCall[] {
    if (!existsSync(this.callsLog)) return [];
    return readFileSync(this.callsLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as ToolCall);
  }

  importRuns(): ToolCall[] {
    return this.calls().filter((c) => c.tool === 'linuxmuster-import-devices');
  }
}

/** `10.0.100.1` → `100.0.10.in-addr.arpa` (always 3 octets, DOMAIN.md §2). */
export function reverseZone(ip: string): string {
  const [o1, o2, o3] = ip.split('.');
  return `${o3}.${o2}.${o1}.in-addr.arpa`;
}

/** What a synced host must look like on the DC (DOMAIN.md §9 step 8), as a list of problems. */
export function problemsFor(
  view: DcView,
  dhcp: Map<string, DhcpBlock>,
  host: { hostname: string; ipAddress: string | null; macAddress: string },
  domain = 'linuxmuster.lan',
): string[] {
  const problems: string[] = [];
  const name = host.hostname.toLowerCase();
  if (!view.computers.has(`${name.toUpperCase()}$`))
    problems.push(`${name}: no computer account ${name.toUpperCase()}$`);
  if (host.ipAddress) {
    const a = view.a.get(name) ?? [];
    if (a.length !== 1 || a[0] !== host.ipAddress)
      problems.push(`${name}: A is [${a.join(', ')}], want ${host.ipAddress}`);
    const ptr = view.ptr.get(host.ipAddress) ?? [];
    if (!ptr.includes(`${name}.${domain}`)) problems.push(`${name}: PTR of ${host.ipAddress} is [${ptr.join(', ')}]`);
  }
  const block = dhcp.get(name);
  if (!block) problems.push(`${name}: no DHCP block`);
  else {
    if (block.mac?.toUpperCase() !== host.macAddress.toUpperCase()) {
      problems.push(`${name}: DHCP hardware ethernet ${block.mac}, want ${host.macAddress}`);
    }
    if (block.fixedAddress !== host.ipAddress) {
      problems.push(`${name}: DHCP fixed-address ${block.fixedAddress}, want ${host.ipAddress}`);
    }
  }
  return problems;
}

/** Everything of `hostname` that must be gone after a delete or a rename away from it. */
export function leftoversOf(
  view: DcView,
  dhcp: Map<string, DhcpBlock>,
  hostname: string,
  ip: string | null,
  domain = 'linuxmuster.lan',
): string[] {
  const name = hostname.toLowerCase();
  const left: string[] = [];
  if (view.computers.has(`${name.toUpperCase()}$`)) left.push(`computer account ${name.toUpperCase()}$`);
  if (view.a.has(name)) left.push(`A record ${name} → ${view.a.get(name)!.join(', ')}`);
  if (ip && (view.ptr.get(ip) ?? []).includes(`${name}.${domain}`)) left.push(`PTR ${ip} → ${name}.${domain}`);
  if (dhcp.has(name)) left.push(`DHCP block host ${name}`);
  return left;
}
