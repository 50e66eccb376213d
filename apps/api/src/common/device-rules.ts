/**
 * The API's rules for the values that end up in a devices.csv line (DOMAIN.md §2, §6). They are
 * stricter than sophomorix: the API never creates a line that sophomorix rejects or that only
 * gives a warning (DOMAIN.md §2 "The API never creates a line that has either kind of finding").
 * Each `…Problem` function returns null for a good value, else a message naming the field and
 * saying why, so an admin can fix the input (DOMAIN.md §11 scenario 12).
 */
import { ValidateBy, ValidationOptions } from 'class-validator';

import { DEVICE_ROLES, DeviceRole, normalizeMac } from '@app/csv-merge';
import { dcNameOverflow, NETBIOS_NAME_MAX } from '@app/provisioning';

export const ROOM_NAME_MAX = 32;
export const CONFIG_NAME_MAX = 64;
/** a hostname alone is a computer account name: the NetBIOS limit (with a school prefix see dcNameProblem) */
export const HOSTNAME_MAX = NETBIOS_NAME_MAX;
export const ROOM_NAME_RE = /^[A-Za-z0-9-]{1,32}$/;
export const CONFIG_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const HOSTNAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** sophomorix roles (DOMAIN.md §2 column 8): one list for the whole project, kept in @app/csv-merge. */
export const HOST_ROLES = DEVICE_ROLES;
export type HostRole = DeviceRole;
export const DEFAULT_ROLE: HostRole = 'classroom-studentcomputer';
/** devices.csv's marker for "no LINBO group" (DOMAIN.md §2 column 2): written for config null, so reserved. */
export const NO_CONFIG_MARKER = 'nopxe';

/** `;` → "';'", newline → "a newline": the character as an admin would name it. */
export function describeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return 'a newline';
    case '\r':
      return 'a carriage return';
    case '\t':
      return 'a tab';
    case ' ':
      return 'a space';
    default:
      return `'${ch}'`;
  }
}

function firstBadChar(value: string, allowed: RegExp): string | undefined {
  return [...value].find((ch) => !allowed.test(ch));
}

function nameProblem(field: string, value: unknown, max: number, allowed: RegExp, allowedText: string, why: string) {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (value.length === 0) return `${field} must not be empty`;
  const bad = firstBadChar(value, allowed);
  if (bad !== undefined)
    return `${field} must not contain ${describeChar(bad)}: only ${allowedText} are allowed (${why})`;
  if (value.length > max) return `${field} must be at most ${max} characters long (got ${value.length})`;
  return null;
}

/** Room name: devices.csv column 0 (DOMAIN.md §6). */
export function roomNameProblem(value: unknown, field = 'name'): string | null {
  return nameProblem(
    field,
    value,
    ROOM_NAME_MAX,
    /[A-Za-z0-9-]/,
    "letters, digits and '-'",
    'it becomes devices.csv column 0',
  );
}

/** Config (LINBO group) name: devices.csv column 2 (DOMAIN.md §6). */
export function configNameProblem(value: unknown, field = 'name'): string | null {
  return nameProblem(
    field,
    value,
    CONFIG_NAME_MAX,
    /[A-Za-z0-9_-]/,
    "letters, digits, '_' and '-'",
    'it becomes devices.csv column 2',
  );
}

/** The school every room-less host belongs to, and that an old single-school database migrates into. */
export const DEFAULT_SCHOOL_NAME = 'default-school';
/** Its fixed id (migration 20261203080000_schools_and_dcs). */
export const DEFAULT_SCHOOL_ID = '00000000-0000-4000-8000-000000000001';
/** The DC of a single-school installation. */
export const DEFAULT_DC_ID = 'default';
export const SCHOOL_NAME_MAX = 16;
export const CSV_COL0_SOURCES = ['room', 'group'] as const;
export type CsvCol0Source = (typeof CSV_COL0_SOURCES)[number];

/**
 * School name as sophomorix uses it (`/etc/linuxmuster/sophomorix/<S>/`, `-s <S>`, the `<S>-` prefix of
 * AD/DNS names): lower-case letters, digits and '-', starting with a letter, not ending with '-'.
 */
export function schoolNameProblem(value: unknown, field = 'name'): string | null {
  const p = nameProblem(
    field,
    value,
    SCHOOL_NAME_MAX,
    /[a-z0-9-]/,
    "lower-case letters, digits and '-'",
    'it names the school directory and prefixes AD names',
  );
  if (p) return p;
  if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(value as string)) {
    return `${field} must start with a letter and not end with '-'`;
  }
  return null;
}

/**
 * The host's name on the DC must fit the NetBIOS limit with its school's prefix (DOMAIN.md §2 "school
 * prefixes": `north` + `pc01` → `north-pc01`, at most 15 characters). Checked wherever that name can
 * change: a host created, renamed or moved to another school, a new host of an import.
 */
export function dcNameProblem(school: string, hostname: string): string | null {
  const over = dcNameOverflow(school, hostname);
  if (!over) return null;
  const room = NETBIOS_NAME_MAX - school.length - 1;
  return (
    `hostname ${hostname} becomes ${over.name} on the DC of school ${school} (${over.length} characters): ` +
    `a computer account name may have at most ${NETBIOS_NAME_MAX} (NetBIOS limit), so hostnames of ${school} ` +
    `may have at most ${room}`
  );
}

/** The longest name a new school may have: its prefix must leave room for a one-character hostname. */
export const SCHOOL_NAME_WITH_HOSTS_MAX = NETBIOS_NAME_MAX - 2;

/**
 * A new school whose `S-` prefix leaves no room for any hostname could never hold a host; school names
 * never change, so refusing it when it is created is the whole check on the school side (DOMAIN.md §2).
 */
export function schoolPrefixProblem(school: string): string | null {
  if (dcNameOverflow(school, 'x') === null) return null;
  return (
    `school name ${school} (${school.length} characters) leaves no room for a hostname: ${school}-<hostname> ` +
    `must fit ${NETBIOS_NAME_MAX} characters on the DC (NetBIOS limit), so a new school's name may have at most ` +
    `${SCHOOL_NAME_WITH_HOSTS_MAX}`
  );
}

/** DC id: part of a Redis stream key and ACL user name (`linbo:jobs:<id>`). */
export function dcIdProblem(value: unknown, field = 'id'): string | null {
  const p = nameProblem(field, value, 32, /[a-z0-9-]/, "lower-case letters, digits and '-'", 'it names a Redis stream');
  if (p) return p;
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value as string)) return `${field} must not start or end with '-'`;
  // linbo:jobs:dlq is the dead-letter stream
  if (value === 'dlq') return `${field} dlq is reserved (linbo:jobs:dlq is the dead-letter stream)`;
  return null;
}

/** Hostname after lower-casing: DNS node and NetBIOS computer account (DOMAIN.md §2 column 1, §6). */
export function hostnameProblem(value: unknown, field = 'hostname'): string | null {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (value.length === 0) return `${field} must not be empty`;
  const bad = firstBadChar(value, /[a-z0-9-]/);
  if (bad !== undefined)
    return `${field} must not contain ${describeChar(bad)}: only letters, digits and '-' are allowed`;
  if (value.length > HOSTNAME_MAX) {
    return `${field} must be at most ${HOSTNAME_MAX} characters long (got ${value.length}; NetBIOS limit)`;
  }
  if (!HOSTNAME_RE.test(value)) return `${field} must not start or end with '-'`;
  return null;
}

/**
 * IPv4 for devices.csv column 4: dotted quad, octets 0–255 written as plain decimal numbers, last
 * octet neither 0 nor 255 (DOMAIN.md §2: such lines get no DHCP entry or only a warning).
 */
export function ipProblem(value: unknown, field = 'ipAddress'): string | null {
  const hint = `${field} must be an IPv4 address like 10.0.100.1 (null means DHCP)`;
  if (typeof value !== 'string') return hint;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(value);
  if (!m) return hint;
  const octets = m.slice(1);
  for (const o of octets) {
    if (o.length > 1 && o.startsWith('0'))
      return `${field} ${value}: octet ${o} must be a plain decimal number (no leading zero)`;
    if (Number(o) > 255) return `${field} ${value}: octet ${o} is greater than 255`;
  }
  const last = Number(octets[3]);
  if (last === 0 || last === 255) return `${field} ${value} must not end in .0 or .255 (network/broadcast address)`;
  return null;
}

/** MAC in any form sophomorix accepts (DOMAIN.md §2 column 3); normalise with normalizeMac afterwards. */
export function macProblem(value: unknown, field = 'macAddress'): string | null {
  if (typeof value === 'string' && normalizeMac(value) !== null) return null;
  return `${field} must be a MAC address like 00:11:22:33:44:55 (also accepted: '-', ' ' or '_' separated pairs, Cisco 0011.2233.4455, 12 hex digits)`;
}

/** class-validator decorator from a `…Problem` function: the message is the function's own text. */
export function SatisfiesRule(
  name: string,
  problem: (value: unknown, field: string) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value, args) => problem(value, args?.property ?? name) === null,
        defaultMessage: (args) => problem(args?.value, args?.property ?? name) ?? `${args?.property} is invalid`,
      },
    },
    options,
  );
}
