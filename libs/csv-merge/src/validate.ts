import { parseDevicesCsv } from './csv';
import { COL, DEVICE_ROLES, isDeviceRole } from './device-line';
import { macForm, normalizeMac } from './mac';
import type { CsvLine, Finding, ParsedCsv, SophomorixVerdict } from './types';

export interface ValidateOptions {
  /** file name used in findings and messages */
  file?: string;
  /** CIDR list (e.g. `10.0.0.0/16`); when given, an IP outside all of them is a warning */
  subnets?: readonly string[];
}

/** Stable finding codes (SPEC §2). Errors first, then warnings. */
export const FINDING_CODES = {
  INVALID_ROOM: 'INVALID_ROOM',
  INVALID_HOSTNAME: 'INVALID_HOSTNAME',
  INVALID_GROUP: 'INVALID_GROUP',
  INVALID_MAC: 'INVALID_MAC',
  DUPLICATE_MAC: 'DUPLICATE_MAC',
  INVALID_IP: 'INVALID_IP',
  DUPLICATE_IP: 'DUPLICATE_IP',
  INVALID_ROLE: 'INVALID_ROLE',
  INVALID_PXE: 'INVALID_PXE',
  DUPLICATE_HOSTNAME: 'DUPLICATE_HOSTNAME',
  HOSTNAME_TOO_LONG: 'HOSTNAME_TOO_LONG',
  HOSTNAME_DASH: 'HOSTNAME_DASH',
  MAC_DASH_FORM: 'MAC_DASH_FORM',
  MAC_NO_DHCP: 'MAC_NO_DHCP',
  IP_NOT_PLAIN: 'IP_NOT_PLAIN',
  IP_BROADCAST: 'IP_BROADCAST',
  IP_OUTSIDE_SUBNETS: 'IP_OUTSIDE_SUBNETS',
  PXE_UNUSUAL: 'PXE_UNUSUAL',
} as const;
export type FindingCode = keyof typeof FINDING_CODES;

export const DUPLICATE_CODES: ReadonlySet<string> = new Set(['DUPLICATE_MAC', 'DUPLICATE_IP', 'DUPLICATE_HOSTNAME']);

const ROOM_RE = /^[A-Za-z0-9-]*$/;
const HOST_RE = /^[A-Za-z0-9-]+$/;
const GROUP_RE = /^[A-Za-z0-9_-]+$/;
const PLAIN_IPV4_RE = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
const PLAIN_OCTET_RE = /^(0|[1-9]\d{0,2})$/;
const PERL_NUMBER_RE =
  /^[ \t\n\r\f\v]*([+-]?)(?:(inf(?:inity)?)|(nan)|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))/i;

/** Perl's `int($s)`: leading number of the string, 0 when there is none (how sophomorix reads an octet). */
function perlInt(s: string): number {
  const m = PERL_NUMBER_RE.exec(s);
  if (!m) return 0;
  if (m[2]) return m[1] === '-' ? -Infinity : Infinity;
  if (m[3]) return Number.NaN;
  return Math.trunc(Number(m[1] + m[4]));
}

interface Subnet {
  net: number;
  mask: number;
  text: string;
}

function ipv4ToInt(ip: string): number | null {
  const m = PLAIN_IPV4_RE.exec(ip);
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

/** Parses `a.b.c.d/n`; throws on garbage so a misconfigured subnet list is noticed, not ignored. */
export function parseSubnet(cidr: string): Subnet {
  const [addr, bitsText] = cidr.trim().split('/');
  const base = ipv4ToInt(addr ?? '');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === null || !Number.isInteger(bits) || bits < 0 || bits > 32 || !/^\d*$/.test(bitsText ?? '')) {
    throw new Error(`invalid subnet "${cidr}" (expected CIDR like 10.0.0.0/16)`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { net: (base & mask) >>> 0, mask, text: cidr.trim() };
}

/** Makes control characters visible in messages ('\r' of CRLF lines). */
function show(v: string): string {
  return v.replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

interface Seen {
  line: number;
  host: string;
}

/** What earlier lines hold, for the duplicate checks (names lower-cased, MACs normalised, IPs exact). */
export interface DuplicateIndex {
  names: Map<string, Seen>;
  macs: Map<string, Seen>;
  ips: Map<string, Seen>;
}

export function newDuplicateIndex(): DuplicateIndex {
  return { names: new Map(), macs: new Map(), ips: new Map() };
}

interface Ctx {
  file?: string;
  subnets: Subnet[] | null;
}

function contextOf(opts: ValidateOptions | undefined): Ctx {
  return { file: opts?.file, subnets: opts?.subnets ? opts.subnets.map(parseSubnet) : null };
}

function where(ctx: Ctx, line: number): string {
  return ctx.file ? `${ctx.file} line ${line}` : `line ${line}`;
}

/**
 * All SPEC §2 rules for one data line, in sophomorix's order: room → host → group → MAC → IP →
 * keys (not checked) → role → pxe → duplicate name. Every finding is reported (an admin wants the
 * whole list), each with the verdict sophomorix would give when it reaches it; use
 * `sophomorixOutcome` for what a real run does (it stops at the first exit-88/die).
 */
function checkLine(fields: readonly string[], lineNo: number, ctx: Ctx, out: Finding[], seen?: DuplicateIndex): void {
  const file = ctx.file;
  const error = (
    column: number,
    code: FindingCode,
    sophomorix: SophomorixVerdict,
    message: string,
    relatedLine?: number,
  ) => {
    const f: Finding = { line: lineNo, column, severity: 'error', sophomorix, code, message };
    if (file !== undefined) f.file = file;
    if (relatedLine !== undefined) f.relatedLine = relatedLine;
    out.push(f);
  };
  const warning = (column: number, code: FindingCode, message: string) => {
    const f: Finding = { line: lineNo, column, severity: 'warning', code, message };
    if (file !== undefined) f.file = file;
    out.push(f);
  };
  // missing trailing fields behave like empty ones (Perl split drops them; SPEC §2)
  const room = fields[COL.room] ?? '';
  const host = fields[COL.hostname] ?? '';
  const group = fields[COL.config] ?? '';
  const mac = fields[COL.mac] ?? '';
  const ip = fields[COL.ip] ?? '';
  const role = fields[COL.role] ?? '';
  const pxe = fields[COL.pxe] ?? '';

  if (!ROOM_RE.test(room)) {
    error(COL.room, 'INVALID_ROOM', 'exit1', `room "${show(room)}" may only contain letters, digits and '-'`);
  }

  const hostOk = HOST_RE.test(host);
  if (!hostOk) {
    error(
      COL.hostname,
      'INVALID_HOSTNAME',
      'exit88',
      host === ''
        ? 'hostname (column 2) is empty'
        : `hostname "${show(host)}" may only contain letters, digits and '-'`,
    );
  } else {
    if (host.length > 15) {
      warning(
        COL.hostname,
        'HOSTNAME_TOO_LONG',
        `hostname "${host}" has ${host.length} characters: NetBIOS computer names are limited to 15`,
      );
    }
    if (host.startsWith('-') || host.endsWith('-')) {
      warning(COL.hostname, 'HOSTNAME_DASH', `hostname "${host}" starts or ends with '-', which DNS names must not`);
    }
  }

  if (!GROUP_RE.test(group)) {
    error(
      COL.config,
      'INVALID_GROUP',
      'exit88',
      group === ''
        ? 'device group (column 3) is empty (use nopxe for hosts without LINBO)'
        : `device group "${show(group)}" may only contain letters, digits, '_' and '-'`,
    );
  }

  const form = macForm(mac);
  if (form === 'invalid') {
    error(
      COL.mac,
      'INVALID_MAC',
      'die',
      `MAC "${show(mac)}" is not a MAC address (write it as AA:BB:CC:DD:EE:FF); sophomorix-device dies on it`,
    );
  } else {
    const norm = normalizeMac(mac) as string;
    const other = seen?.macs.get(norm);
    if (other) {
      error(
        COL.mac,
        'DUPLICATE_MAC',
        'exit88',
        `MAC ${norm} already used by host ${other.host} (${where(ctx, other.line)})`,
        other.line,
      );
    } else {
      seen?.macs.set(norm, { line: lineNo, host });
      if (form === 'dash') {
        warning(
          COL.mac,
          'MAC_DASH_FORM',
          `MAC "${mac}" is '-' separated: dhcpd rejects the generated DHCP file; write ${norm}`,
        );
      } else if (form !== 'colon') {
        warning(
          COL.mac,
          'MAC_NO_DHCP',
          `MAC "${show(mac)}" (${form} form) gets no DHCP entry and no boot links; write ${norm}`,
        );
      }
    }
  }

  checkIp(ip, host, lineNo, ctx, error, warning, seen);

  if (!isDeviceRole(role)) {
    error(
      COL.role,
      'INVALID_ROLE',
      'exit88',
      `role "${show(role)}" is not a sophomorix device role (valid: ${DEVICE_ROLES.join(', ')}; empty = classroom-studentcomputer)`,
    );
  }

  // sophomorix: anything containing a digit passes; otherwise only the option "ml" (SPEC §2)
  if (!/[0-9]/.test(pxe) && pxe !== 'ml') {
    error(
      COL.pxe,
      'INVALID_PXE',
      'exit88',
      `pxe flag "${show(pxe)}" is invalid: it must be 0 (none), 1 (LINBO), 2 (LINBO+OPSI) or 3 (OPSI)`,
    );
  } else if (!/^[0-3]\r?$/.test(pxe)) {
    warning(COL.pxe, 'PXE_UNUSUAL', `pxe flag "${show(pxe)}" is not one of 0, 1, 2, 3`);
  }

  if (hostOk && seen) {
    const key = host.toLowerCase();
    const other = seen.names.get(key);
    if (other) {
      error(
        COL.hostname,
        'DUPLICATE_HOSTNAME',
        'exit1',
        `host ${host} already defined as ${other.host} (${where(ctx, other.line)}); names are compared lower-cased`,
        other.line,
      );
    } else {
      seen.names.set(key, { line: lineNo, host });
    }
  }
}

function checkIp(
  ip: string,
  host: string,
  lineNo: number,
  ctx: Ctx,
  error: (column: number, code: FindingCode, v: SophomorixVerdict, m: string, related?: number) => void,
  warning: (column: number, code: FindingCode, m: string) => void,
  seen?: DuplicateIndex,
): void {
  if (ip === 'DHCP') return; // no DNS record, never a duplicate
  let plain = PLAIN_IPV4_RE.test(ip);
  let valid: boolean;
  if (plain) {
    valid = true;
    for (const o of ip.split('.')) if (Number(o) > 255) valid = false;
  } else {
    // sophomorix: exactly three dots, then int() of every octet within 0..255 (SPEC §2)
    let dots = 0;
    for (let i = 0; i < ip.length; i++) if (ip.charCodeAt(i) === 46) dots++;
    valid = dots === 3;
    if (valid) {
      for (const o of ip.split('.')) {
        const v = perlInt(o);
        if (v < 0 || v > 255) valid = false;
      }
    }
  }
  if (!valid) {
    error(
      COL.ip,
      'INVALID_IP',
      'exit88',
      `IP "${show(ip)}" must be DHCP (upper case) or an IPv4 address with exactly 3 dots and octets 0–255`,
    );
    return;
  }
  const other = seen?.ips.get(ip);
  if (other) {
    error(
      COL.ip,
      'DUPLICATE_IP',
      'exit88',
      `IP ${show(ip)} already used by host ${other.host} (${where(ctx, other.line)})`,
      other.line,
    );
    return;
  }
  seen?.ips.set(ip, { line: lineNo, host });
  if (!plain) {
    plain = ip.split('.').every((o) => PLAIN_OCTET_RE.test(o));
    warning(
      COL.ip,
      'IP_NOT_PLAIN',
      `IP "${show(ip)}" has octets that are not plain numbers: sophomorix reads them as numbers, DNS/DHCP tools may not`,
    );
    return;
  }
  if (ip.endsWith('.255')) {
    warning(COL.ip, 'IP_BROADCAST', `IP ${ip} ends in .255 (a broadcast address): no DHCP entry, no boot links`);
  }
  if (ctx.subnets) {
    const v = ipv4ToInt(ip) as number;
    if (!ctx.subnets.some((s) => (v & s.mask) >>> 0 === s.net)) {
      warning(
        COL.ip,
        'IP_OUTSIDE_SUBNETS',
        `IP ${ip} is outside every subnet (${ctx.subnets.map((s) => s.text).join(', ')}): no DHCP entry, no boot links`,
      );
    }
  }
}

/** The per-line rules of SPEC §2 (no duplicate checks: they need the whole file). */
export function validateLine(fields: readonly string[], lineNo: number, opts?: ValidateOptions): Finding[] {
  const out: Finding[] = [];
  checkLine(fields, lineNo, contextOf(opts), out);
  return out;
}

/**
 * Every SPEC §2 rule over a whole file, duplicates included (the second occurrence is the one
 * reported, naming the first). Comment and blank lines are skipped exactly like sophomorix does.
 */
export function validateDevicesCsv(input: string | ParsedCsv, opts?: ValidateOptions): Finding[] {
  const parsed = typeof input === 'string' ? parseDevicesCsv(input) : input;
  return validateCsvLines(parsed.lines, opts);
}

/** As validateDevicesCsv, over lines that may come from anywhere (the merge's output). */
export function validateCsvLines(
  lines: Iterable<Pick<CsvLine, 'kind' | 'fields' | 'lineNo'>>,
  opts?: ValidateOptions,
): Finding[] {
  const ctx = contextOf(opts);
  const seen = newDuplicateIndex();
  const out: Finding[] = [];
  for (const line of lines) {
    if (line.kind === 'data') checkLine(line.fields, line.lineNo, ctx, out, seen);
  }
  return out;
}

export type LineVerdict = 'ok' | SophomorixVerdict;

export interface SophomorixOutcome {
  /** 0 ok, 1 collected errors (room, duplicate name), 88 first class-A error, 255 Perl die (bad MAC) */
  exitCode: 0 | 1 | 88 | 255;
  verdict: LineVerdict;
  /** the finding that decides it (the first fatal one, else the first exit-1 one) */
  decisive?: Finding;
}

/** What a real sophomorix-device run makes of these findings: it stops at the first exit-88/die. */
export function sophomorixOutcome(findings: readonly Finding[]): SophomorixOutcome {
  let firstExit1: Finding | undefined;
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    if (f.sophomorix === 'exit88') return { exitCode: 88, verdict: 'exit88', decisive: f };
    if (f.sophomorix === 'die') return { exitCode: 255, verdict: 'die', decisive: f };
    if (!firstExit1) firstExit1 = f;
  }
  return firstExit1 ? { exitCode: 1, verdict: 'exit1', decisive: firstExit1 } : { exitCode: 0, verdict: 'ok' };
}

/** Per line: what sophomorix does when it reaches the line (first fatal error, else exit1, else ok). */
export function lineVerdicts(findings: readonly Finding[]): Map<number, LineVerdict> {
  const byLine = new Map<number, Finding[]>();
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    const list = byLine.get(f.line);
    if (list) list.push(f);
    else byLine.set(f.line, [f]);
  }
  const out = new Map<number, LineVerdict>();
  for (const [line, list] of byLine) out.set(line, sophomorixOutcome(list).verdict);
  return out;
}
