import { randomUUID } from 'node:crypto';

import type { Host, Prisma } from '../generated/prisma/client';
import { hostColumns } from '../hosts/host-list.query';

export type NewHostRow = Pick<
  Host,
  'hostname' | 'macAddress' | 'ipAddress' | 'roomId' | 'configId' | 'schoolId' | 'dcId' | 'role' | 'pxeFlag'
> &
  Partial<Pick<Host, 'provisionStatus' | 'provisionOpId' | 'provisionError'>>;

/**
 * New hosts in ONE INSERT … SELECT FROM unnest(arrays) RETURNING (what createManyAndReturn does, at a
 * fraction of its API CPU: Prisma serialises and re-reads every row and column one by one, ~1 ms per
 * row). Ids are drawn here as Prisma's `@default(uuid())` would; created_at and
 * updated_at are the transaction's now(), as the columns' default and `@updatedAt` give.
 */
export async function insertHosts(tx: Prisma.TransactionClient, rows: NewHostRow[]): Promise<Host[]> {
  const col = <T>(f: (r: NewHostRow) => T) => rows.map(f);
  return tx.$queryRaw<Host[]>`
    INSERT INTO hosts (id, hostname, mac_address, ip_address, room_id, config_id, school_id, dc_id, role, pxe_flag,
                       provision_status, provision_op_id, provision_error, created_at, updated_at)
    SELECT id, hostname, mac, ip, room, config, school, dc, role, pxe, status::"ProvisionStatus", op, err, now(), now()
      FROM unnest(${col(() => randomUUID())}::uuid[], ${col((r) => r.hostname)}::text[],
                  ${col((r) => r.macAddress)}::text[], ${col((r) => r.ipAddress)}::text[],
                  ${col((r) => r.roomId)}::uuid[], ${col((r) => r.configId)}::uuid[],
                  ${col((r) => r.schoolId)}::uuid[], ${col((r) => r.dcId)}::text[], ${col((r) => r.role)}::text[],
                  ${col((r) => r.pxeFlag)}::int[], ${col((r) => r.provisionStatus ?? null)}::text[],
                  ${col((r) => r.provisionOpId ?? null)}::uuid[], ${col((r) => r.provisionError ?? null)}::text[])
           AS t(id, hostname, mac, ip, room, config, school, dc, role, pxe, status, op, err)
    RETURNING ${hostColumns('')}`;
}
