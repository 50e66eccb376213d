import { Injectable } from '@nestjs/common';
import { formatDeviceLine } from '@app/csv-merge';
import { HOST_WITH_NAMES } from '../hosts/host.view';
import { PrismaService } from '../prisma/prisma.service';

/**
 * `GET /export/devices` (SPEC §7): every host as a 15-column devices.csv line, written by
 * @app/csv-merge's formatDeviceLine — the same writer the worker uses, so exported lines are
 * byte-identical to what the DC gets and re-import as "skipped".
 */
@Injectable()
export class ExportService {
  constructor(private readonly prisma: PrismaService) {}

  async devicesCsv(now = new Date()): Promise<string> {
    const hosts = await this.prisma.host.findMany({ include: HOST_WITH_NAMES, orderBy: { hostname: 'asc' } });
    // a comment line: sophomorix skips lines with '#' in column 0 (SPEC §2)
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
}
