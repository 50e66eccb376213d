import { normalizeMac } from './mac';
import type { DeviceRecord } from './types';

/** First line of the delta file (SPEC §9 step 4); two spaces before DO. */
export const DELTA_HEADER = '# managed-by: linbo-provisioning  DO NOT EDIT MANUALLY';

/** Columns a merge may change in a master line (SPEC §9): room, host, group, MAC, IP, role, pxe. */
export const MANAGED_COLS: readonly number[] = [0, 1, 2, 3, 4, 8, 10];

/** Column indices (SPEC §2 table). */
export const COL = { room: 0, hostname: 1, config: 2, mac: 3, ip: 4, role: 8, pxe: 10, comment: 14 } as const;

/** sophomorix reads 15 fields; later ones are ignored (SPEC §2). */
export const DEVICE_LINE_WIDTH = 15;

export const DEFAULT_ROLE = 'classroom-studentcomputer';

/** Roles that get an AD computer account (SPEC §2). */
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
/** Roles that only get DNS records (SPEC §2). */
export const ROLES_DNS_ONLY = ['iponly', 'thinclient', 'voip', 'byod', 'router', 'wlan', 'switch'] as const;
/** Every role sophomorix accepts, case-sensitive (SPEC §2 column 8). */
export const DEVICE_ROLES = [...ROLES_WITH_ACCOUNT, ...ROLES_DNS_ONLY] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

const ROLE_SET = new Set<string>(DEVICE_ROLES);
const ACCOUNT_ROLE_SET = new Set<string>(ROLES_WITH_ACCOUNT);

/** Case-sensitive, as sophomorix looks roles up (SPEC §2). The empty role is the default one. */
export function isDeviceRole(role: string): boolean {
  return role === '' || ROLE_SET.has(role);
}

/** Whether sophomorix creates a computer account for this role (empty = default role = yes). */
export function hasComputerAccount(role: string): boolean {
  return ACCOUNT_ROLE_SET.has(role === '' ? DEFAULT_ROLE : role);
}

/**
 * The fields of a host's line: managed columns from the record, everything else empty. Role and
 * pxe are never blank (an empty pxe makes sophomorix exit 88, SPEC §2).
 */
export function deviceFields(rec: DeviceRecord, width = DEVICE_LINE_WIDTH): string[] {
  const fields = new Array<string>(Math.max(width, DEVICE_LINE_WIDTH)).fill('');
  applyRecord(fields, rec);
  return fields;
}

/** Writes the managed columns of `rec` into `fields` (which must have ≥ 11 entries). */
export function applyRecord(fields: string[], rec: DeviceRecord): void {
  fields[COL.room] = rec.room ?? '';
  fields[COL.hostname] = rec.hostname;
  fields[COL.config] = rec.config ?? 'nopxe';
  fields[COL.mac] = normalizeMac(rec.mac) ?? rec.mac;
  fields[COL.ip] = rec.ip ?? 'DHCP';
  fields[COL.role] = rec.role === '' ? DEFAULT_ROLE : rec.role;
  fields[COL.pxe] = String(rec.pxeFlag);
}

/**
 * `room;host;group;MAC;IP;;;;role;;pxe;;;;` — 15 columns (14 semicolons); `width` > 15 pads with
 * empty columns to match a wider master.
 */
export function formatDeviceLine(rec: DeviceRecord, width = DEVICE_LINE_WIDTH): string {
  return deviceFields(rec, width).join(';');
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
  const pxeText = get(COL.pxe).trim();
  const pxeFlag = /^[+-]?\d/.test(pxeText) ? Number.parseInt(pxeText, 10) : Number.NaN;
  const config = get(COL.config);
  const ip = get(COL.ip);
  const mac = get(COL.mac);
  const role = get(COL.role);
  return {
    room: get(COL.room) === '' ? null : get(COL.room),
    hostname: get(COL.hostname),
    config: config === 'nopxe' && pxeFlag === 0 ? null : config,
    mac: normalizeMac(mac) ?? mac,
    ip: ip === 'DHCP' ? null : ip,
    role: role === '' ? DEFAULT_ROLE : role,
    pxeFlag,
  };
}
