import { DEVICE_ROLES } from './device-line';
import type { LineFacts } from './validate';

/**
 * The fast path of the SPEC §2 line check: recognises, without splitting the line or using a
 * regex, the common line that has no finding at all (room/host/group characters, canonical-colon
 * MAC in any case, DHCP or a plain IP not ending in .255, known role, pxe 0–3) and returns its
 * duplicate keys; null means "not sure" and the caller runs the full rules. A 100k-line master is
 * checked on every batch (issue 2: < 150 ms), and this path allocates only the keys.
 * `fast-line.spec.ts` checks it against the full rules on generated lines.
 */
const ROLES = new Set<string>(DEVICE_ROLES);

const isAlnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * The address as a number when `s[start, end)` is a plain dotted quad (digits only, no leading
 * zeros, every octet ≤ 255), else -1. For plain quads, equal numbers ⇔ equal strings, so the
 * number is the duplicate key (SPEC §2 compares IPs by exact string).
 */
export function plainIpv4Value(s: string, start: number, end: number): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let dots = 0;
  let value = 0;
  let digits = 0;
  let first = 0;
  let address = 0;
  for (let i = start; i <= end; i++) {
    const c = i === end ? 46 : s.charCodeAt(i);
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
  return plainIpv4Value(ip, 0, ip.length) >= 0;
}

/** A duplicate key for an IP: its number when plain, else the exact string. */
export function ipKeyOf(ip: string): number | string {
  const v = plainIpv4Value(ip, 0, ip.length);
  return v >= 0 ? v : ip;
}

/** The IP a duplicate key stands for (dotted quad for numbers). */
export function ipFromKey(key: number | string): string {
  if (typeof key === 'string') return key;
  return [key >>> 24, (key >>> 16) & 255, (key >>> 8) & 255, key & 255].join('.');
}

export function fastLineFacts(raw: string): LineFacts | null {
  const n = raw.length;
  // 0 room: [A-Za-z0-9-]*
  let e = raw.indexOf(';');
  if (e < 0) return null;
  for (let i = 0; i < e; i++) {
    const c = raw.charCodeAt(i);
    if (!isAlnum(c) && c !== 45) return null;
  }
  // 1 host: [A-Za-z0-9-]{1,15}, no leading/trailing '-' (else a warning)
  let p = e + 1;
  e = raw.indexOf(';', p);
  if (e < 0 || e === p || e - p > 15 || raw.charCodeAt(p) === 45 || raw.charCodeAt(e - 1) === 45) return null;
  let upper = false;
  for (let i = p; i < e; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 65 && c <= 90) upper = true;
    else if (!isAlnum(c) && c !== 45) return null;
  }
  const host = raw.slice(p, e);
  // 2 group: [A-Za-z0-9_-]+
  p = e + 1;
  e = raw.indexOf(';', p);
  if (e < 0 || e === p) return null;
  for (let i = p; i < e; i++) {
    const c = raw.charCodeAt(i);
    if (!isAlnum(c) && c !== 45 && c !== 95) return null;
  }
  // 3 MAC: colon pairs (any case; other forms draw a warning)
  p = e + 1;
  e = raw.indexOf(';', p);
  if (e < 0 || e - p !== 17) return null;
  let mac = 0;
  for (let k = 0; k < 17; k++) {
    const c = raw.charCodeAt(p + k);
    if (k % 3 === 2) {
      if (c !== 58) return null;
    } else if (c >= 48 && c <= 57) {
      mac = mac * 16 + (c - 48);
    } else if (c >= 65 && c <= 70) {
      mac = mac * 16 + (c - 55);
    } else if (c >= 97 && c <= 102) {
      mac = mac * 16 + (c - 87);
    } else {
      return null;
    }
  }
  // 4 IP: DHCP, or a plain address not ending in .255
  p = e + 1;
  e = raw.indexOf(';', p);
  if (e < 0) return null;
  let ip: number | null = null;
  if (!(e - p === 4 && raw.startsWith('DHCP', p))) {
    ip = plainIpv4Value(raw, p, e);
    if (ip < 0 || ip % 256 === 255) return null;
  }
  // 5–7 not checked
  for (let k = 0; k < 3; k++) {
    e = raw.indexOf(';', e + 1);
    if (e < 0) return null;
  }
  // 8 role: empty (= default) or a known role
  p = e + 1;
  e = raw.indexOf(';', p);
  if (e < 0 || (e > p && !ROLES.has(raw.slice(p, e)))) return null;
  // 9 not checked
  e = raw.indexOf(';', e + 1);
  if (e < 0) return null;
  // 10 pxe: one digit 0–3, ending the field (a CRLF line's '\r' may follow when it is the last field)
  p = e + 1;
  const c = raw.charCodeAt(p);
  if (c < 48 || c > 51) return null;
  const next = p + 1;
  if (!(next === n || raw.charCodeAt(next) === 59 || (next === n - 1 && raw.charCodeAt(next) === 13))) return null;
  return { host, nameKey: upper ? host.toLowerCase() : host, macKey: mac, ipKey: ip, findings: null };
}
