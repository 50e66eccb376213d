import { Injectable } from '@nestjs/common';
import { formatDeviceLine } from '@app/csv-merge';
import Papa from 'papaparse';
import { HOST_WITH_NAMES } from '../hosts/host.view';
import { PrismaService } from '../prisma/prisma.service';

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

  async devicesCsv(now = new Date()): Promise<string> {
    const hosts = await this.prisma.host.findMany({ include: HOST_WITH_NAMES, orderBy: { hostname: 'asc' } });
    // a comment line: sophomorix skips lines with '#' in column 0 (DOMAIN.md §2)
    const lines = [`# devices.csv exported by linbo-provisioning at ${now.toISOString()} (${hosts.length} hosts)`];
    for (const h of hosts) {
      lines.push(
        formatDeviceLine({
          room: h.room?.name ?? null,
          hostname: h.hostname,
          config: h.config?.name ?? null,
          mac: h.macAddress,
          ip: h.ipAddress,
          role: h.role,
          pxeFlag: h.pxeFlag,
        }),
      );
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * `GET /export/hosts`: the hosts with their provisioning state as an ordinary spreadsheet CSV
   * (header row, `,` separated, RFC 4180 quoting). This is where papaparse belongs: unlike a
   * devices.csv (no quoting at all, DOMAIN.md §2) this file is read by LibreOffice/Excel, and an error
   * message may contain commas, quotes or newlines. `escapeFormulae` keeps a value that starts with
   * `=`, `+`, `-` or `@` from being run as a formula when the sheet is opened.
   */
  async hostsSpreadsheet(): Promise<string> {
    const hosts = await this.prisma.host.findMany({ include: HOST_WITH_NAMES, orderBy: { hostname: 'asc' } });
    const rows = hosts.map((h) => [
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
    return `${Papa.unparse({ fields: [...HOSTS_SHEET_COLUMNS], data: rows }, { escapeFormulae: true, newline: '\r\n' })}\r\n`;
  }
}
