import { normalizeMac } from './mac';
import type { DeviceRecord } from './types';

/** First line of the delta file (DOMAIN.md §9 step 4); two spaces before DO. */
export const DELTA_HEADER = '# managed-by: linbo-provisioning  DO NOT EDIT MANUALLY';

/** Columns a merge may change in a master line (DOMAIN.md §9): room, host, group, MAC, IP, role, pxe. */
export const MANAGED_COLS: readonly number[] = [0, 1, 2, 3, 4, 8, 10];

/** Column indices (DOMAIN.md §2 table). */
export const COL = { room: 0, hostname: 1, config: 2, mac: 3, ip: 4, role: 8, pxe: 10, comment: 14 } as const;

/** sophomorix reads 15 fields; later ones are ignored (DOMAIN.md §2). */
export const DEVICE_LINE_WIDTH = 15;

export const DEFAULT_ROLE = 'classroom-studentcomputer';

/** Roles that get an AD computer account (DOMAIN.md §2). */
export const ROLES_WITH_ACCOUNT = [
  'classroom-studentcomputer',
  'classroom-teachercomputer',
  'faculty-teachercomputer',
  'staffcomputer',
  'server',
  'addc',
  'mobile',
  'printer',
] as const;
/** Roles that only get DNS records (DOMAIN.md §2). */
export const ROLES_DNS_ONLY = ['iponly', 'thinclient', 'voip', 'byod', 'router', 'wlan', 'switch'] as const;
/** Every role sophomorix accepts, case-sensitive (DOMAIN.md §2 column 8). */
export const DEVICE_ROLES = [...ROLES_WITH_ACCOUNT, ...ROLES_DNS_ONLY] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

const ROLE_SET = new Set<string>(DEVICE_ROLES);
const ACCOUNT_ROLE_SET = new Set<string>(ROLES_WITH_ACCOUNT);

/** Case-sensitive, as sophomorix looks roles up (DOMAIN.md §2). The empty role is the default one. */
export function isDeviceRole(role: string): boolean {
  return role === '' || ROLE_SET.has(role);
}

/** Whether sophomorix creates a computer account for this role (empty = default role = yes). */
export function hasComputerAccount(role: string): boolean {
  return ACCOUNT_ROLE_SET.has(role === '' ? DEFAULT_ROLE : role);
}

/**
 * The fields of a host's line: managed columns from the record, everything else empty. Role and
 * pxe are never blank (an empty pxe makes sophomorix exit 88, DOMAIN.md §2).
 */
export function deviceFields(rec: DeviceRecord, width = DEVICE_LINE_WIDTH): string[] {
  const fields = new Array<string>(Math.max(width, DEVICE_LINE_WIDTH)).fill('');
  applyRecord(fields, rec);
  return fields;
}

/** Writes the managed columns of `rec` into `fields` (which must have ≥ 11 entries). */
export function applyRecord(fields: string[], rec: DeviceRecord): void {
  const v = managedValues(rec);
  fields[COL.room] = v[0];
  fields[COL.hostname] = v[1];
  fields[COL.config] = v[2];
  fields[COL.mac] = v[3];
  fields[COL.ip] = v[4];
  fields[COL.role] = v[5];
  fields[COL.pxe] = v[6];
}

/** The managed columns of `rec` as written: room, host, group, MAC, IP, role, pxe (MANAGED_COLS order). */
export function managedValues(rec: DeviceRecord): [string, string, string, string, string, string, string] {
  return [
    rec.room ?? '',
    rec.hostname,
    rec.config ?? 'nopxe',
    normalizeMac(rec.mac) ?? rec.mac,
    rec.ip ?? 'DHCP',
    rec.role === '' ? DEFAULT_ROLE : rec.role,
    String(rec.pxeFlag),
  ];
}

/**
 * `room;host;group;MAC;IP;;;;role;;pxe;;;;` — 15 columns (14 semicolons); `width` > 15 pads with
 * empty columns to match a wider master.
 */
export function formatDeviceLine(rec: DeviceRecord, width = DEVICE_LINE_WIDTH): string {
  // deviceFields(rec, width).join(';'), written directly (the merge formats every new line)
  const v = managedValues(rec);
  const tail = ';'.repeat(Math.max(width, DEVICE_LINE_WIDTH) - 1 - COL.pxe);
  return `${v[0]};${v[1]};${v[2]};${v[3]};${v[4]};;;;${v[5]};;${v[6]}${tail}`;
}

/**
 * Reads a host record back from a line's fields (the API's CSV import, the delta file). `DHCP` →
 * null IP; `nopxe` with pxe 0 → null config; empty role → classroom-studentcomputer; the MAC is
 * normalised when it is valid (kept as written otherwise, for the caller's validation to reject).
 * A CRLF line's '\r' is dropped from its last field: it is not part of the value. pxe is the
 * leading integer of the field (NaN when there is none) — validate the line first.
 */
export function recordFromFields(fields: readonly string[]): DeviceRecord {
  const f = fields.slice(0, DEVICE_LINE_WIDTH);
  const last = f.length - 1;
  if (last >= 0 && f[last].endsWith('\r')) f[last] = f[last].slice(0, -1);
  const get = (i: number): string => f[i] ?? '';
  return recordOf(
    get(COL.room),
    get(COL.hostname),
    get(COL.config),
    get(COL.mac),
    get(COL.ip),
    get(COL.role),
    get(COL.pxe),
  );
}

/** The record of a line's managed fields as written (a CRLF line's '\r' already dropped). */
function recordOf(
  room: string,
  hostname: string,
  config: string,
  mac: string,
  ip: string,
  role: string,
  pxe: string,
): DeviceRecord {
  const pxeFlag = pxeFlagOf(pxe);
  return {
    room: room === '' ? null : room,
    hostname,
    config: config === 'nopxe' && pxeFlag === 0 ? null : config,
    mac: normalizeMac(mac) ?? mac,
    ip: ip === 'DHCP' ? null : ip,
    role: role === '' ? DEFAULT_ROLE : role,
    pxeFlag,
  };
}

/** The leading integer of a pxe field (NaN when there is none); one digit, the usual field, directly. */
function pxeFlagOf(pxe: string): number {
  const digit = pxe.charCodeAt(0) - 48;
  if (pxe.length === 1 && digit >= 0 && digit <= 9) return digit;
  const text = pxe.trim();
  return /^[+-]?\d/.test(text) ? Number.parseInt(text, 10) : Number.NaN;
}

/** Slot of each of the first 15 columns in DeviceLineReader's values (room … pxe), -1 when not managed. */
const MANAGED_SLOT = [0, 1, 2, 3, 4, -1, -1, -1, 5, -1, 6, -1, -1, -1, -1];

/**
 * Reads host records from the lines of a text: `recordFromFields(line.split(';'))` without a
 * string per field (the merge reads the whole delta file on every batch). After each read,
 * `formatted` says whether `formatDeviceLine(record)` gives the line back — true for the lines we
 * wrote, so the delta file can be written again without formatting them.
 */
export class DeviceLineReader {
  formatted = false;
  private readonly values = ['', '', '', '', '', '', ''];

  /**
   * The record of text[start, end), one line without its '\n'; `bytes` are the text's char codes
   * (bytes.ts), where the fields are looked for.
   */
  read(text: string, bytes: Uint8Array, start: number, end: number): DeviceRecord {
    const values = this.values.fill('');
    // formatDeviceLine writes exactly 15 fields with every unmanaged one empty
    let otherEmpty = true;
    let p = start;
    let i = 0;
    for (; i < DEVICE_LINE_WIDTH; i++) {
      let semi = p;
      while (semi < end && bytes[semi] !== 59) semi++;
      const last = semi === end;
      const slot = MANAGED_SLOT[i];
      if (slot < 0) otherEmpty &&= semi === p;
      else {
        // the line's last field loses a CRLF line's '\r' (as in recordFromFields)
        values[slot] = text.slice(p, last && semi > p && bytes[semi - 1] === 13 ? semi - 1 : semi);
      }
      if (last) break;
      p = semi + 1;
    }
    const rec = recordOf(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
    // i === 14 with the line ending there: exactly 15 fields. The managed values come back as
    // written unless normalised: MAC, empty role, pxe (see recordOf and applyRecord).
    this.formatted =
      i === DEVICE_LINE_WIDTH - 1 &&
      otherEmpty &&
      rec.mac === values[3] &&
      values[5] !== '' &&
      String(rec.pxeFlag) === values[6];
    return rec;
  }
}
