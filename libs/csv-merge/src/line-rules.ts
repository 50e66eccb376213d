/**
 * The per-line rules of DOMAIN.md §2, in sophomorix's check order: what one data line is worth on
 * its own (findings with sophomorix's verdict) and the keys the file check compares (LineFacts).
 */
import { COL, DEVICE_ROLES, isDeviceRole } from './device-line';
import { fastLineFacts, ipKeyOf, isPlainIpv4 } from './fast-line';
import { acceptedMacForm, macNumber, normalizeMac } from './mac';
import type { Finding, SophomorixVerdict } from './types';

export interface ValidateOptions {
  /** file name used in findings and messages */
  file?: string;
  /** CIDR list (e.g. `10.0.0.0/16`); when given, an IP outside all of them is a warning */
  subnets?: readonly string[];
}

/** Stable finding codes (DOMAIN.md §2). Errors first, then warnings. */
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

const ROOM_RE = /^[A-Za-z0-9-]*$/;
const HOST_RE = /^[A-Za-z0-9-]+$/;
const GROUP_RE = /^[A-Za-z0-9_-]+$/;
const PLAIN_IPV4_RE = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;
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

export interface Subnet {
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
export function show(v: string): string {
  return v.replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

/**
 * What one data line contributes to a file check: its own findings (rules that need no other
 * line) and the keys the duplicate checks compare. Computed once per line and reused while a
 * batch is re-planned.
 */
export interface LineFacts {
  /** column 1 as written (named in messages about this line) */
  host: string;
  /** lower-cased hostname when it passes the host rule, else null (no duplicate check) */
  nameKey: string | null;
  /** normalised MAC as a number (see macNumber) when valid, else null */
  macKey: number | null;
  /** the IP when valid and not DHCP (a number when plain, see ipKeyOf), else null (DHCP never duplicates) */
  ipKey: number | string | null;
  /** findings of this line alone, in sophomorix's check order; null when none */
  findings: Finding[] | null;
}

export interface Ctx {
  file?: string;
  subnets: Subnet[] | null;
}

export function contextOf(opts: ValidateOptions | undefined): Ctx {
  return { file: opts?.file, subnets: opts?.subnets ? opts.subnets.map(parseSubnet) : null };
}

export function where(ctx: Ctx, line: number): string {
  return ctx.file ? `${ctx.file} line ${line}` : `line ${line}`;
}

export function makeError(
  ctx: Ctx,
  line: number,
  column: number,
  code: FindingCode,
  sophomorix: SophomorixVerdict,
  message: string,
  relatedLine?: number,
): Finding {
  const f: Finding = { line, column, severity: 'error', sophomorix, code, message };
  if (ctx.file !== undefined) f.file = ctx.file;
  if (relatedLine !== undefined) f.relatedLine = relatedLine;
  return f;
}

function pushError(
  out: Finding[],
  ctx: Ctx,
  line: number,
  column: number,
  code: FindingCode,
  sophomorix: SophomorixVerdict,
  message: string,
): void {
  out.push(makeError(ctx, line, column, code, sophomorix, message));
}

function pushWarning(out: Finding[], ctx: Ctx, line: number, column: number, code: FindingCode, message: string): void {
  const f: Finding = { line, column, severity: 'warning', code, message };
  if (ctx.file !== undefined) f.file = ctx.file;
  out.push(f);
}

/**
 * The per-line rules of DOMAIN.md §2 in sophomorix's order: room → host → group → MAC → IP → keys (not
 * checked) → role → pxe (duplicates are added by the file check). Every finding is reported (an
 * admin wants the whole list), each with the verdict sophomorix gives when it reaches it; use
 * `sophomorixOutcome` for what a real run does (it stops at the first exit-88/die).
 */
function checkLine(fields: readonly string[], lineNo: number, ctx: Ctx, out: Finding[]): LineFacts {
  // missing trailing fields behave like empty ones (Perl split drops them; DOMAIN.md §2)
  const room = fields[0] ?? '';
  const host = fields[1] ?? '';
  const group = fields[2] ?? '';
  const mac = fields[3] ?? '';
  const ip = fields[4] ?? '';
  const role = fields[8] ?? '';
  const pxe = fields[10] ?? '';

  if (room !== '' && !ROOM_RE.test(room)) {
    pushError(
      out,
      ctx,
      lineNo,
      COL.room,
      'INVALID_ROOM',
      'exit1',
      `room "${show(room)}" may only contain letters, digits and '-'`,
    );
  }

  const hostOk = HOST_RE.test(host);
  if (!hostOk) {
    const message =
      host === ''
        ? 'hostname (column 2) is empty'
        : `hostname "${show(host)}" may only contain letters, digits and '-'`;
    pushError(out, ctx, lineNo, COL.hostname, 'INVALID_HOSTNAME', 'exit88', message);
  } else {
    if (host.length > 15) {
      const message = `hostname "${host}" has ${host.length} characters: NetBIOS computer names are limited to 15`;
      pushWarning(out, ctx, lineNo, COL.hostname, 'HOSTNAME_TOO_LONG', message);
    }
    if (host.charCodeAt(0) === 45 || host.charCodeAt(host.length - 1) === 45) {
      const message = `hostname "${host}" starts or ends with '-', which DNS names must not`;
      pushWarning(out, ctx, lineNo, COL.hostname, 'HOSTNAME_DASH', message);
    }
  }

  if (!GROUP_RE.test(group)) {
    const message =
      group === ''
        ? 'device group (column 3) is empty (use nopxe for hosts without LINBO)'
        : `device group "${show(group)}" may only contain letters, digits, '_' and '-'`;
    pushError(out, ctx, lineNo, COL.config, 'INVALID_GROUP', 'exit88', message);
  }

  const norm = normalizeMac(mac);
  if (norm === null) {
    const message = `MAC "${show(mac)}" is not a MAC address (write it as AA:BB:CC:DD:EE:FF); sophomorix-device dies on it`;
    pushError(out, ctx, lineNo, COL.mac, 'INVALID_MAC', 'die', message);
  } else if (norm !== mac) {
    const form = acceptedMacForm(mac);
    if (form === 'dash') {
      const message = `MAC "${mac}" is '-' separated: dhcpd rejects the generated DHCP file; write ${norm}`;
      pushWarning(out, ctx, lineNo, COL.mac, 'MAC_DASH_FORM', message);
    } else if (form !== 'colon') {
      const message = `MAC "${show(mac)}" (${form} form) gets no DHCP entry and no boot links; write ${norm}`;
      pushWarning(out, ctx, lineNo, COL.mac, 'MAC_NO_DHCP', message);
    }
  }

  // DHCP: no DNS record, never a duplicate
  const ipOk = ip !== 'DHCP' && checkIp(ip, lineNo, ctx, out);

  if (!isDeviceRole(role)) {
    const message = `role "${show(role)}" is not a sophomorix device role (valid: ${DEVICE_ROLES.join(', ')}; empty = classroom-studentcomputer)`;
    pushError(out, ctx, lineNo, COL.role, 'INVALID_ROLE', 'exit88', message);
  }

  // sophomorix: anything containing a digit passes; otherwise only the option "ml" (DOMAIN.md §2)
  if (!/^[0-3]\r?$/.test(pxe)) {
    if (!/[0-9]/.test(pxe) && pxe !== 'ml') {
      const message = `pxe flag "${show(pxe)}" is invalid: it must be 0 (none), 1 (LINBO), 2 (LINBO+OPSI) or 3 (OPSI)`;
      pushError(out, ctx, lineNo, COL.pxe, 'INVALID_PXE', 'exit88', message);
    } else {
      pushWarning(out, ctx, lineNo, COL.pxe, 'PXE_UNUSUAL', `pxe flag "${show(pxe)}" is not one of 0, 1, 2, 3`);
    }
  }
  return {
    host,
    nameKey: hostOk ? host.toLowerCase() : null,
    macKey: norm === null ? null : macNumber(norm),
    ipKey: ipOk ? ipKeyOf(ip) : null,
    findings: null,
  };
}

/** Checks a non-DHCP IP; returns whether sophomorix accepts it (so it takes part in duplicate checks). */
function checkIp(ip: string, lineNo: number, ctx: Ctx, out: Finding[]): boolean {
  const plain = isPlainIpv4(ip);
  if (!plain) {
    // sophomorix: exactly three dots, then int() of every octet within 0..255 (DOMAIN.md §2)
    let dots = 0;
    for (let i = 0; i < ip.length; i++) if (ip.charCodeAt(i) === 46) dots++;
    let valid = dots === 3;
    if (valid) {
      for (const o of ip.split('.')) {
        const v = perlInt(o);
        if (v < 0 || v > 255) valid = false;
      }
    }
    if (!valid) {
      const message = `IP "${show(ip)}" must be DHCP (upper case) or an IPv4 address with exactly 3 dots and octets 0–255`;
      pushError(out, ctx, lineNo, COL.ip, 'INVALID_IP', 'exit88', message);
      return false;
    }
    const message = `IP "${show(ip)}" has octets that are not plain numbers: sophomorix reads them as numbers, DNS/DHCP tools may not`;
    pushWarning(out, ctx, lineNo, COL.ip, 'IP_NOT_PLAIN', message);
    return true;
  }
  if (ip.endsWith('.255')) {
    pushWarning(
      out,
      ctx,
      lineNo,
      COL.ip,
      'IP_BROADCAST',
      `IP ${ip} ends in .255 (a broadcast address): no DHCP entry, no boot links`,
    );
  }
  if (ctx.subnets) {
    const v = ipv4ToInt(ip) as number;
    if (!ctx.subnets.some((s) => (v & s.mask) >>> 0 === s.net)) {
      const message = `IP ${ip} is outside every subnet (${ctx.subnets.map((s) => s.text).join(', ')}): no DHCP entry, no boot links`;
      pushWarning(out, ctx, lineNo, COL.ip, 'IP_OUTSIDE_SUBNETS', message);
    }
  }
  return true;
}

/** Per-line findings and duplicate keys of one data line, by the full rule set. */
export function slowLineFacts(fields: readonly string[], lineNo: number, ctx: Ctx): LineFacts {
  const out: Finding[] = [];
  const facts = checkLine(fields, lineNo, ctx, out);
  if (out.length > 0) facts.findings = out;
  return facts;
}

/**
 * Facts of one data line: the allocation-free fast path for the common well-formed line
 * (fast-line.ts, property-tested to agree with the full rules), the full rules otherwise.
 */
export function lineFacts(raw: string, fields: readonly string[] | undefined, lineNo: number, ctx: Ctx): LineFacts {
  const fast = ctx.subnets === null ? fastLineFacts(raw) : null;
  return fast ?? slowLineFacts(fields ?? raw.split(';'), lineNo, ctx);
}

/** The per-line rules of DOMAIN.md §2 (no duplicate checks: they need the whole file). */
export function validateLine(fields: readonly string[], lineNo: number, opts?: ValidateOptions): Finding[] {
  return slowLineFacts(fields, lineNo, contextOf(opts)).findings ?? [];
}
