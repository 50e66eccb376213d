import { Injectable } from '@nestjs/common';
import Papa from 'papaparse';

import { formatDeviceLine } from '@app/csv-merge';

import { ApiError } from '../common/api-error';
import { DEFAULT_SCHOOL_NAME } from '../common/device-rules';
import { Prisma } from '../generated/prisma/client';
import { HOST_WITH_NAMES } from '../hosts/host.view';
import { hostColumns, HostListRow, rowToHost } from '../hosts/host-list.query';
import { PrismaService } from '../prisma/prisma.service';

/** Hosts read per query of a streamed export. */
export const EXPORT_BATCH = 1000;

export interface ExportSchool {
  id: string;
  name: string;
  csvCol0Source: string;
}

/** Columns of the spreadsheet export, in order. */
export const HOSTS_SHEET_COLUMNS = [
  'hostname',
  'macAddress',
  'ipAddress',
  'room',
  'config',
  'role',
  'pxeFlag',
  'provisionStatus',
  'provisionError',
  'updatedAt',
] as const;

/**
 * `GET /export/devices` (DOMAIN.md §7): every host as a 15-column devices.csv line, written by
 * @app/csv-merge's formatDeviceLine — the same writer the worker uses, so exported lines are
 * byte-identical to what the DC gets and re-import as "skipped".
 */
@Injectable()
export class ExportService {
  constructor(private readonly prisma: PrismaService) {}

  /** The school of an export (`?school=`, default-school without): 404 when there is none. */
  async school(name = DEFAULT_SCHOOL_NAME): Promise<ExportSchool> {
    const row = await this.prisma.school.findUnique({ where: { name } });
    if (!row) throw ApiError.notFound(`School "${name}"`);
    return { id: row.id, name: row.name, csvCol0Source: row.csvCol0Source };
  }

  async devicesCsv(now = new Date(), schoolName?: string): Promise<string> {
    const school = await this.school(schoolName);
    let text = '';
    for await (const chunk of this.devicesCsvChunks(school, now)) text += chunk;
    return text;
  }

  /**
   * The same file in chunks of EXPORT_BATCH lines, read by keyset (hostname > last) so memory stays
   * flat however many hosts there are (100,000 hosts, docs/BENCHMARKS.md "Scale"); the controller streams it.
   * The count in the header comment is taken first; a host created while the export runs may be in the
   * lines but not in the count.
   */
  async *devicesCsvChunks(school: ExportSchool, now = new Date()): AsyncGenerator<string> {
    const total = await this.prisma.host.count({ where: { schoolId: school.id } });
    // a comment line: sophomorix skips lines with '#' in column 0 (DOMAIN.md §2)
    yield `# devices.csv of school ${school.name} exported by linbo-provisioning at ${now.toISOString()} (${total} hosts)\n`;
    const groupColumn = school.csvCol0Source === 'group';
    let after: string | undefined;
    for (;;) {
      const hosts = await this.prisma.host.findMany({
        where: { schoolId: school.id, ...(after === undefined ? {} : { hostname: { gt: after } }) },
        include: HOST_WITH_NAMES,
        orderBy: { hostname: 'asc' },
        take: EXPORT_BATCH,
      });
      if (hosts.length === 0) return;
      const lines = hosts.map((h) =>
        formatDeviceLine({
          room: groupColumn ? (h.config?.name ?? null) : (h.room?.name ?? null),
          hostname: h.hostname,
          config: h.config?.name ?? null,
          mac: h.macAddress,
          ip: h.ipAddress,
          role: h.role,
          pxeFlag: h.pxeFlag,
        }),
      );
      yield `${lines.join('\n')}\n`;
      if (hosts.length < EXPORT_BATCH) return;
      after = hosts[hosts.length - 1].hostname;
    }
  }

  /**
   * `GET /export/hosts`: the hosts with their provisioning state as an ordinary spreadsheet CSV
   * (header row, `,` separated, RFC 4180 quoting). This is where papaparse belongs: unlike a
   * devices.csv (no quoting at all, DOMAIN.md §2) this file is read by LibreOffice/Excel, and an error
   * message may contain commas, quotes or newlines. `escapeFormulae` keeps a value that starts with
   * `=`, `+`, `-` or `@` from being run as a formula when the sheet is opened.
   */
  async hostsSpreadsheet(schoolName?: string): Promise<string> {
    const school = schoolName === undefined ? undefined : await this.school(schoolName);
    let text = '';
    for await (const chunk of this.hostsSpreadsheetChunks(school)) text += chunk;
    return text;
  }

  /**
   * The same file in chunks of EXPORT_BATCH rows, read by keyset on (hostname, school_id) — the
   * file's order and a unique key — so memory stays flat for every school at once (at
   * 100,000 hosts); the controller streams it. Byte for byte what one `Papa.unparse` of all rows
   * writes: the header line, then each batch unparsed without header (papaparse ends a file with no
   * rows with an empty line after the header; so does this).
   */
  async *hostsSpreadsheetChunks(school?: ExportSchool, batch = EXPORT_BATCH): AsyncGenerator<string> {
    const options = { escapeFormulae: true, newline: '\r\n' };
    yield Papa.unparse({ fields: [...HOSTS_SHEET_COLUMNS], data: [] }, options);
    let after: { hostname: string; schoolId: string } | undefined;
    for (;;) {
      // a row comparison is one range of hosts_hostname_school_id_key: each batch starts where the
      // last one ended (an OR of the two keys would be a filter, re-reading every earlier row)
      const rows = await this.prisma.$queryRaw<HostListRow[]>`
        SELECT ${hostColumns('h')}, r.name AS "roomName", c.name AS "configName", s.name AS "schoolName",
               s.csv_col0_source AS "csvCol0Source"
          FROM hosts h
          JOIN schools s ON s.id = h.school_id
          LEFT JOIN rooms r ON r.id = h.room_id
          LEFT JOIN configs c ON c.id = h.config_id
         WHERE ${school ? Prisma.sql`h.school_id = ${school.id}::uuid` : Prisma.sql`TRUE`}
           AND ${after ? Prisma.sql`(h.hostname, h.school_id) > (${after.hostname}, ${after.schoolId}::uuid)` : Prisma.sql`TRUE`}
         ORDER BY h.hostname, h.school_id
         LIMIT ${batch}`;
      const hosts = rows.map(rowToHost);
      if (hosts.length === 0 && after === undefined) yield '\r\n';
      if (hosts.length === 0) return;
      const lines = hosts.map((h) => [
        h.hostname,
        h.macAddress,
        h.ipAddress ?? 'DHCP',
        h.room?.name ?? '',
        h.config?.name ?? '',
        h.role,
        h.pxeFlag,
        h.provisionStatus ?? '',
        h.provisionError ?? '',
        h.updatedAt.toISOString(),
      ]);
      yield `${Papa.unparse({ fields: [...HOSTS_SHEET_COLUMNS], data: lines }, { ...options, header: false })}\r\n`;
      if (hosts.length < batch) return;
      const last = hosts[hosts.length - 1];
      after = { hostname: last.hostname, schoolId: last.schoolId };
    }
  }
}
