import { likeLiteral } from '../common/pagination';
import { Prisma } from '../generated/prisma/client';
import type { HostSortField, ListHostsQueryDto } from './dto/host.dto';
import type { HostWithNames } from './host.view';

/**
 * The SQL of `GET /hosts` (DOMAIN.md §7) at 100,000 hosts (docs/BENCHMARKS.md "Scale"). Filter, search, sort
 * and page all run in PostgreSQL on the indexes of migration 20261202180000_hosts_list_indexes:
 *
 * - every sort key has a btree ending in the unique hostname, so a page is one range of one index,
 *   scanned forward (asc) or backward (desc);
 * - the page is picked as hostnames only (an index-only scan: skipping N rows reads N index entries,
 *   not N table rows), then just those rows are read with their room and config names;
 * - `search` is a substring match on the trigram GIN indexes of hostname, MAC and IP.
 *
 * Pagination stays `page`/`limit` with an exact `total` (the contract of DOMAIN.md §7); docs/API.md
 * "Pagination" explains why this is not a cursor.
 */

/** Sort expression of each field; the IP sorts as inet (numeric), matching hosts_ip_inet_hostname_idx. */
const SORT_KEY: Record<HostSortField, (alias: string) => string> = {
  hostname: (a) => `${a}"hostname"`,
  createdAt: (a) => `${a}"created_at"`,
  updatedAt: (a) => `${a}"updated_at"`,
  ipAddress: (a) => `(${a}"ip_address"::inet)`,
};

/**
 * ORDER BY for a sort field and direction; hostname (unique) ends every key so the order is total.
 * NULLs (DHCP hosts in an IP sort) sort last ascending and first descending, PostgreSQL's default,
 * which is what one btree scanned both ways gives.
 */
export function orderBy(sort: HostSortField, order: 'asc' | 'desc', alias = ''): Prisma.Sql {
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  const a = alias ? `${alias}.` : '';
  // (hostname, school_id) is unique (hostnames are unique per school)
  const tail = [SORT_KEY.hostname(a), `${a}"school_id"`];
  const keys = sort === 'hostname' ? tail : [SORT_KEY[sort](a), ...tail];
  // identifiers from the constant map above only, never from the request
  return Prisma.raw(keys.map((k) => `${k} ${dir}`).join(', '));
}

/**
 * WHERE of the list. The search is case-insensitive by construction: hostnames are stored lower case
 * and MACs upper case (CHECK constraints, DOMAIN.md §6) and IPs have no letters, so a plain LIKE with
 * the term in each column's case matches what ILIKE would, on the same trigram indexes, for less CPU
 * per row when a short term (under 3 characters, no trigram) has to scan.
 */
export function hostFilter(q: ListHostsQueryDto): Prisma.Sql {
  const and: Prisma.Sql[] = [];
  if (q.search) {
    const term = likeLiteral(q.search);
    and.push(
      Prisma.sql`("hostname" LIKE ${`%${term.toLowerCase()}%`} OR "mac_address" LIKE ${`%${term.toUpperCase()}%`} OR "ip_address" LIKE ${`%${term}%`})`,
    );
  }
  if (q.school) and.push(Prisma.sql`"school_id" = (SELECT id FROM schools WHERE name = ${q.school})`);
  if (q.roomId) and.push(Prisma.sql`"room_id" = ${q.roomId}::uuid`);
  if (q.configId) and.push(Prisma.sql`"config_id" = ${q.configId}::uuid`);
  if (q.provisionStatus) and.push(Prisma.sql`"provision_status" = ${q.provisionStatus}::"ProvisionStatus"`);
  return and.length > 0 ? Prisma.sql`WHERE ${Prisma.join(and, ' AND ')}` : Prisma.empty;
}

interface HostListRow {
  id: string;
  hostname: string;
  macAddress: string;
  ipAddress: string | null;
  roomId: string | null;
  configId: string | null;
  schoolId: string;
  dcId: string;
  role: string;
  pxeFlag: number;
  provisionStatus: HostWithNames['provisionStatus'];
  provisionOpId: string | null;
  provisionError: string | null;
  createdAt: Date;
  updatedAt: Date;
  roomName: string | null;
  configName: string | null;
  schoolName: string;
  csvCol0Source: string;
}

/** The columns of a Host row under the Prisma field names (for raw SQL that returns hosts). */
export function hostColumns(alias: string): Prisma.Sql {
  const a = alias ? `${alias}.` : '';
  // identifiers only, from the constant alias of the caller
  return Prisma.raw(
    `${a}id::text AS "id", ${a}hostname, ${a}mac_address AS "macAddress", ${a}ip_address AS "ipAddress",
     ${a}room_id::text AS "roomId", ${a}config_id::text AS "configId",
     ${a}school_id::text AS "schoolId", ${a}dc_id AS "dcId", ${a}role, ${a}pxe_flag AS "pxeFlag",
     ${a}provision_status::text AS "provisionStatus", ${a}provision_op_id::text AS "provisionOpId",
     ${a}provision_error AS "provisionError", ${a}created_at AS "createdAt", ${a}updated_at AS "updatedAt"`,
  );
}

/** The names a HostListRow carries besides the host's columns (joined as r, c, s). */
const NAME_COLUMNS = Prisma.raw(
  `r.name AS "roomName", c.name AS "configName", s.name AS "schoolName", s.csv_col0_source AS "csvCol0Source"`,
);

/**
 * The hosts an import of one school must know (ImportService.hostsNamedIn): those named like a line
 * in the school, or holding one of its MACs or IPs in the school's DC. Three array parameters, each
 * an `= ANY` on a unique index (hostname, school_id), (dc_id, mac_address), (dc_id, ip_address): the
 * look-up reads one index entry per value of the file, whatever the table holds. Each array is
 * wrapped in a sub-select so the planner costs it as one unknown value, not as its 1,000 literal
 * elements: with the literals it priced 3 × 1,000 index descents above a (parallel) sequential scan
 * and chose the scan — 120 ms at 100,000 hosts instead of 13 ms on the indexes (docs/BENCHMARKS.md).
 */
export function hostsNamedQuery(
  names: string[],
  macs: string[],
  ips: string[],
  school: { id: string; dcId: string },
): Prisma.Sql {
  return Prisma.sql`
    SELECT ${hostColumns('h')}, ${NAME_COLUMNS}
      FROM hosts h
      JOIN schools s ON s.id = h.school_id
      LEFT JOIN rooms r ON r.id = h.room_id
      LEFT JOIN configs c ON c.id = h.config_id
     WHERE (h.hostname = ANY((SELECT ${names}::text[])::text[]) AND h.school_id = ${school.id}::uuid)
        OR (h.dc_id = ${school.dcId} AND h.mac_address = ANY((SELECT ${macs}::text[])::text[]))
        OR (h.dc_id = ${school.dcId} AND h.ip_address = ANY((SELECT ${ips}::text[])::text[]))`;
}

/**
 * Which rows of the list order a page reads: `offset`/`limit` counted from the start, or, with
 * `fromEnd`, from the end of the list (the index scanned the other way, so the rows skipped are
 * those after the page). The rows are the same and come back in list order either way.
 */
export interface PageWindow {
  offset: number;
  limit: number;
  fromEnd: boolean;
}

/**
 * The window of page `q.page` when the list holds `total` rows: counted from whichever end is nearer,
 * so a page never skips more than half the list (the last page of 100,000 hosts skips none instead
 * of 99,980). null when the page lies past the end.
 */
export function listWindow(q: { page: number; limit: number }, total: number): PageWindow | null {
  const offset = (q.page - 1) * q.limit;
  if (offset >= total) return null;
  const limit = Math.min(q.limit, total - offset);
  const fromEndOffset = total - offset - limit;
  return fromEndOffset < offset ? { offset: fromEndOffset, limit, fromEnd: true } : { offset, limit, fromEnd: false };
}

/** The page's rows with their room and config names, in list order. */
export function pageQuery(q: ListHostsQueryDto, window?: PageWindow): Prisma.Sql {
  const w = window ?? { offset: (q.page - 1) * q.limit, limit: q.limit, fromEnd: false };
  const scan = w.fromEnd ? (q.order === 'desc' ? 'asc' : 'desc') : q.order;
  return Prisma.sql`
    SELECT ${hostColumns('h')}, ${NAME_COLUMNS}
      FROM (SELECT "hostname", "school_id" FROM hosts ${hostFilter(q)}
             ORDER BY ${orderBy(q.sort, scan)}
            OFFSET ${w.offset} LIMIT ${w.limit}) AS page
      JOIN hosts h ON h.hostname = page.hostname AND h.school_id = page.school_id
      JOIN schools s ON s.id = h.school_id
      LEFT JOIN rooms r ON r.id = h.room_id
      LEFT JOIN configs c ON c.id = h.config_id
     ORDER BY ${orderBy(q.sort, q.order, 'h')}`;
}

export function countQuery(q: ListHostsQueryDto): Prisma.Sql {
  return Prisma.sql`SELECT count(*)::int AS total FROM hosts ${hostFilter(q)}`;
}

export function rowToHost(row: HostListRow): HostWithNames {
  const { roomName, configName, schoolName, csvCol0Source, ...host } = row;
  return {
    ...host,
    pxeFlag: Number(host.pxeFlag),
    room: roomName === null ? null : { name: roomName },
    config: configName === null ? null : { name: configName },
    school: { name: schoolName, csvCol0Source },
  };
}

export type { HostListRow };
