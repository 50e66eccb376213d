import { recordFromFields } from '@app/csv-merge';
import type { HostSnapshot } from '@app/provisioning';

import {
  configNameProblem,
  HOST_ROLES,
  hostnameProblem,
  ipProblem,
  macProblem,
  NO_CONFIG_MARKER,
  roomNameProblem,
} from '../common/device-rules';
import { HostWithNames } from '../hosts/host.view';

/** A host as one import row wants it: the job snapshot's fields, before the host has an id. */
export type DesiredHost = Omit<HostSnapshot, 'hostId'>;

/** Room and config names compare case-insensitively (RoomsService/ConfigsService keep them unique that way). */
export const key = (name: string) => name.toLowerCase();

/**
 * Reads one data line's record and checks it against the API's own rules (stricter than
 * sophomorix, DOMAIN.md §2 "The API never creates a line that has either kind of finding").
 */
export function desiredFromFields(fields: readonly string[]): { desired: DesiredHost; problems: string[] } {
  const rec = recordFromFields(fields);
  const desired: DesiredHost = {
    hostname: rec.hostname.toLowerCase(),
    macAddress: rec.mac,
    ipAddress: rec.ip,
    room: rec.room,
    // the API never has a config named nopxe (ConfigsService refuses it), so the marker always
    // means "no config" and an export re-imports unchanged whatever the pxe flag
    config: rec.config === NO_CONFIG_MARKER ? null : rec.config,
    role: rec.role,
    pxeFlag: rec.pxeFlag,
  };
  const problems = [
    desired.room === null ? null : roomNameProblem(desired.room, 'room'),
    hostnameProblem(desired.hostname, 'hostname'),
    desired.config === null ? null : configNameProblem(desired.config, 'config'),
    macProblem(desired.macAddress, 'mac'),
    desired.ipAddress === null ? null : ipProblem(desired.ipAddress, 'ip'),
    (HOST_ROLES as readonly string[]).includes(desired.role) ? null : `role "${desired.role}" is not a sophomorix role`,
    Number.isInteger(desired.pxeFlag) && desired.pxeFlag >= 0 && desired.pxeFlag <= 3
      ? null
      : 'pxe flag must be 0, 1, 2 or 3',
  ].filter((p): p is string => p !== null);
  return { desired, problems };
}

/** The row asks for nothing the host does not already have: the import skips it. */
export function sameHost(h: HostWithNames, d: DesiredHost, groupColumn: boolean): boolean {
  return (
    h.macAddress === d.macAddress &&
    h.ipAddress === d.ipAddress &&
    // room/config names compare case-insensitively: RoomsService/ConfigsService keep them unique that way
    // (a `group` school's column 0 is the config, not the room: the host keeps its room)
    (groupColumn || (h.room ? key(h.room.name) : null) === (d.room ? key(d.room) : null)) &&
    (h.config ? key(h.config.name) : null) === (d.config ? key(d.config) : null) &&
    h.role === d.role &&
    h.pxeFlag === d.pxeFlag
  );
}
