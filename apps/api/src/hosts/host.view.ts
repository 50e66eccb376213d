import type { Host } from '../generated/prisma/client';

/** A host row with the names of its room and config (they become devices.csv columns 0 and 2). */
export type HostWithNames = Host & { room: { name: string } | null; config: { name: string } | null };

/** Prisma `include` that loads exactly what HostWithNames needs. */
export const HOST_WITH_NAMES = { room: { select: { name: true } }, config: { select: { name: true } } } as const;

/** The host as every route and event shows it (docs/API.md "Hosts": the host view). */
export interface HostView {
  id: string;
  hostname: string;
  macAddress: string;
  /** null = DHCP */
  ipAddress: string | null;
  roomId: string | null;
  room: string | null;
  configId: string | null;
  config: string | null;
  role: string;
  pxeFlag: number;
  provisionStatus: 'pending' | 'running' | 'synced' | 'failed' | null;
  provisionOpId: string | null;
  provisionError: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toHostView(host: HostWithNames): HostView {
  return {
    id: host.id,
    hostname: host.hostname,
    macAddress: host.macAddress,
    ipAddress: host.ipAddress,
    roomId: host.roomId,
    room: host.room?.name ?? null,
    configId: host.configId,
    config: host.config?.name ?? null,
    role: host.role,
    pxeFlag: host.pxeFlag,
    provisionStatus: host.provisionStatus,
    provisionOpId: host.provisionOpId,
    provisionError: host.provisionError,
    createdAt: host.createdAt.toISOString(),
    updatedAt: host.updatedAt.toISOString(),
  };
}
