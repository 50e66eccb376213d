import { DEFAULT_SCHOOL } from './constants';

/**
 * The longest computer account name (sAMAccountName without the `$`) AD accepts: the NetBIOS limit
 * (DOMAIN.md §2 hostname column). It bounds the name on the DC, prefix included.
 */
export const NETBIOS_NAME_MAX = 15;

/**
 * The name a host has in AD and DNS (DOMAIN.md §2 "school prefixes"): linuxmuster prefixes a
 * non-default school's hostnames with `S-` (school `north`, host `pc01` → `north-pc01`).
 * The one place both the API (length check) and the worker (verification) take it from.
 */
export function dcHostname(school: string, hostname: string): string {
  return (school === DEFAULT_SCHOOL ? hostname : `${school}-${hostname}`).toLowerCase();
}

/** The DC name and its length when it does not fit the NetBIOS limit, else null. */
export function dcNameOverflow(school: string, hostname: string): { name: string; length: number } | null {
  const name = dcHostname(school, hostname);
  return name.length > NETBIOS_NAME_MAX ? { name, length: name.length } : null;
}
