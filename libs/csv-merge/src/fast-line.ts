import { bytesOf } from './bytes';
import { DEVICE_ROLES } from './device-line';
import type { LineFacts } from './line-rules';

/*
 * The fast path of the DOMAIN.md §2 line check: recognises, without splitting the line or using a
 * regex, the common line that has no finding at all (room/host/group characters, canonical-colon
 * MAC in any case, DHCP or a plain IP not ending in .255, known role, pxe 0–3) and reads its
 * duplicate keys; "no" means "not sure" and the caller runs the full rules. A 100k-line master is
 * checked on every batch (the merge's budget: < 150 ms for 100k lines): CleanLine reads a line in place in the master's
 * bytes (bytes.ts) and allocates nothing. `fast-line.spec.ts` checks it (through fastLineFacts)
 * against the full rules on generated lines.
 */

/** Roles by length, as char codes: the role column is compared in place (no slice per line). */
const ROLES_BY_LENGTH: number[][][] = [];
for (const role of DEVICE_ROLES) (ROLES_BY_LENGTH[role.length] ??= []).push([...role].map((c) => c.charCodeAt(0)));

/** Whether b[start, end) is one of the roles sophomorix knows (case-sensitive). */
function isRoleAt(b: Uint8Array, start: number, end: number): boolean {
  const candidates = ROLES_BY_LENGTH[end - start];
  if (candidates === undefined) return false;
  for (const role of candidates) {
    let k = 0;
    while (k < role.length && b[start + k] === role[k]) k++;
    if (k === role.length) return true;
  }
  return false;
}

// Per char code (bytes.ts keeps codes below 256): one table look-up per character instead of
// range comparisons, in the loops that see every character of columns 0–3.
/** [A-Za-z0-9-]: room and host characters */
const NAME_CHAR = 1;
/** [A-Za-z0-9_-]: device group characters */
const GROUP_CHAR = 2;
const CHAR_CLASS = new Uint8Array(256);
/** hex digit value + 1, 0 for anything else */
const HEX_DIGIT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9-]/.test(ch)) CHAR_CLASS[c] = NAME_CHAR | GROUP_CHAR;
  else if (ch === '_') CHAR_CLASS[c] = GROUP_CHAR;
  if (/[0-9A-Fa-f]/.test(ch)) HEX_DIGIT[c] = Number.parseInt(ch, 16) + 1;
}

/**
 * The address as a number when `b[start, end)` (char codes, see bytes.ts) is a plain dotted quad
 * (digits only, no leading zeros, every octet ≤ 255), else -1. For plain quads, equal numbers ⇔
 * equal strings, so the number is the duplicate key (DOMAIN.md §2 compares IPs by exact string).
 */
export function plainIpv4Value(b: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let dots = 0;
  let value = 0;
  let digits = 0;
  let first = 0;
  let address = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : b[i];
    if (c === 46) {
      if (digits === 0 || value > 255 || (digits > 1 && first === 48)) return -1;
      address = address * 256 + value;
      if (i < end) {
        if (++dots > 3) return -1;
        value = 0;
        digits = 0;
      }
    } else if (c >= 48 && c <= 57) {
      if (digits === 0) first = c;
      value = value * 10 + (c - 48);
      if (++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return dots === 3 ? address : -1;
}

export function isPlainIpv4(ip: string): boolean {
  return plainIpv4Value(bytesOf(ip), 0, ip.length) >= 0;
}

/** A duplicate key for an IP: its number when plain, else the exact string. */
export function ipKeyOf(ip: string): number | string {
  const v = plainIpv4Value(bytesOf(ip), 0, ip.length);
  return v >= 0 ? v : ip;
}

/** The IP a duplicate key stands for (dotted quad for numbers). */
export function ipFromKey(key: number | string): string {
  if (typeof key === 'string') return key;
  return [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255].join('.');
}

/**
 * FNV-1a over the ASCII-lower-cased characters of s[start, end): the hash of a name key. Names
 * equal case-insensitively hash equal, so the master's name index needs no lower-cased copy of
 * each line's host (name keys are ASCII: the host rule admits letters, digits and '-' only).
 */
export function nameHash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c + 32 : c), FNV_PRIME);
  }
  return h;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Index of the first ';' in b[p, end), or end. */
export function fieldEnd(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== 59) p++;
  return p;
}

/**
 * What the fast path read from a clean line: where its host is and its duplicate keys. One
 * instance is reused for every line of a master, so reading a line allocates nothing.
 */
export class CleanLine {
  hostStart = 0;
  hostEnd = 0;
  /** nameHash of the host */
  hash = 0;
  /** the host has an upper-case letter (its name key is the lower-cased host) */
  upper = false;
  /** the MAC as a number (macNumber) */
  mac = 0;
  /** the IP as a number (plainIpv4Value), -1 for DHCP */
  ip = -1;

  /**
   * Reads b[start, end) (char codes, see bytes.ts), one line without its '\n' (a CRLF line's '\r'
   * included); false means "not sure": run the full rules.
   */
  read(b: Uint8Array, start: number, end: number): boolean {
    // 0 room: [A-Za-z0-9-]*
    let p = start;
    let c = 0;
    while (p < end && (c = b[p]) !== 59) {
      if ((CHAR_CLASS[c] & NAME_CHAR) === 0) return false;
      p++;
    }
    if (p === end) return false;
    // 1 host: [A-Za-z0-9-]{1,15}, no leading/trailing '-' (else a warning)
    const hostStart = ++p;
    let upper = false;
    let h = FNV_OFFSET;
    while (p < end && (c = b[p]) !== 59) {
      if ((CHAR_CLASS[c] & NAME_CHAR) === 0) return false;
      if (c <= 90 && c >= 65) {
        upper = true;
        c += 32;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
      p++;
    }
    if (p === end || p === hostStart || p - hostStart > 15) return false;
    if (b[hostStart] === 45 || b[p - 1] === 45) return false;
    const hostEnd = p;
    // 2 group: [A-Za-z0-9_-]+
    const groupStart = ++p;
    while (p < end && (c = b[p]) !== 59) {
      if ((CHAR_CLASS[c] & GROUP_CHAR) === 0) return false;
      p++;
    }
    if (p === end || p === groupStart) return false;
    // 3 MAC: six hex pairs joined by ':' (any case; other forms draw a warning)
    p++;
    if (end - p < 18 || b[p + 17] !== 59) return false;
    let mac = 0;
    for (let pair = 0; pair < 6; pair++, p += 3) {
      const hi = HEX_DIGIT[b[p]];
      const lo = HEX_DIGIT[b[p + 1]];
      if (hi === 0 || lo === 0 || (pair < 5 && b[p + 2] !== 58)) return false;
      mac = mac * 256 + (hi - 1) * 16 + (lo - 1);
    }
    // 4 IP: DHCP, or a plain address not ending in .255 (p is past the MAC's ';')
    let e = fieldEnd(b, p, end);
    if (e === end) return false;
    let ip = -1;
    if (!(e - p === 4 && b[p] === 68 && b[p + 1] === 72 && b[p + 2] === 67 && b[p + 3] === 80)) {
      ip = plainIpv4Value(b, p, e);
      if (ip < 0 || (ip & 255) === 255) return false;
    }
    // 5–7 not checked
    for (let k = 0; k < 3; k++) {
      e = fieldEnd(b, e + 1, end);
      if (e === end) return false;
    }
    // 8 role: empty (= default) or a known role
    p = e + 1;
    e = fieldEnd(b, p, end);
    if (e === end || (e > p && !isRoleAt(b, p, e))) return false;
    // 9 not checked
    e = fieldEnd(b, e + 1, end);
    if (e === end) return false;
    // 10 pxe: one digit 0–3, ending the field (a CRLF line's '\r' may follow when it is the last field)
    p = e + 1;
    c = p < end ? b[p] : 0;
    if (c < 48 || c > 51) return false;
    const next = p + 1;
    if (!(next === end || b[next] === 59 || (next === end - 1 && b[next] === 13))) return false;
    this.hostStart = hostStart;
    this.hostEnd = hostEnd;
    this.hash = h;
    this.upper = upper;
    this.mac = mac;
    this.ip = ip;
    return true;
  }
}

const oneLine = new CleanLine();

/** The fast path for one line as a string: its facts when it is clean, null when not sure. */
export function fastLineFacts(raw: string): LineFacts | null {
  if (!oneLine.read(bytesOf(raw), 0, raw.length)) return null;
  const host = raw.slice(oneLine.hostStart, oneLine.hostEnd);
  return {
    host,
    nameKey: oneLine.upper ? host.toLowerCase() : host,
    macKey: oneLine.mac,
    ipKey: oneLine.ip < 0 ? null : oneLine.ip,
    findings: null,
  };
}
