import { Injectable, Logger } from '@nestjs/common';

import { parseDevicesCsv, validateDevicesCsv } from '@app/csv-merge';

import { ApiError } from '../common/api-error';
import { dcNameProblem, DEFAULT_SCHOOL_NAME, NO_CONFIG_MARKER } from '../common/device-rules';
import { EventsService } from '../events/events.service';
import type { Host, Operation, Prisma } from '../generated/prisma/client';
import { HostWithNames } from '../hosts/host.view';
import { HostListRow, hostsNamedQuery, rowToHost } from '../hosts/host-list.query';
import { col0Problem, SchoolOfHost } from '../hosts/hosts.service';
import { PrismaService } from '../prisma/prisma.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { ImportSummaryDto } from './dto/import.dto';
import { desiredFromFields, DesiredHost, key, sameHost } from './import-row';
import { insertHosts } from './insert-hosts';

/** rows written per transaction; a failing chunk is replayed row by row to isolate the bad row */
const CHUNK_ROWS = 1000;

interface PlannedChange {
  line: number;
  action: 'create' | 'update';
  desired: DesiredHost;
  /** for updates: the host as it is */
  existing?: HostWithNames;
}

interface NamedRow {
  id: string;
  name: string;
}

/**
 * `POST /import/devices` (DOMAIN.md §7): devices.csv lines in, one host change (and provisioning job)
 * per changed row. The text is parsed exactly like sophomorix does (@app/csv-merge: split on
 * ';', no quoting), never with a generic CSV parser.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger(ImportService.name);

  constructor(
    private readonly prisma: PrismaService,
    private readonly provisioning: ProvisioningService,
    private readonly events: EventsService,
  ) {}

  /**
   * One school's devices.csv (DOMAIN.md §2): rooms are looked up and created in that school, hostnames
   * matched in it, MACs and IPs checked across the schools of its DC. In a school with
   * `csvCol0Source: group`, column 0 must equal the config (column 2); new hosts go into the room
   * named like the school (created on demand), existing hosts keep their room.
   */
  async importDevices(text: string, dryRun: boolean, schoolName = DEFAULT_SCHOOL_NAME): Promise<ImportSummaryDto> {
    const schoolRow = await this.prisma.school.findUnique({ where: { name: schoolName } });
    if (!schoolRow) throw ApiError.notFound(`School "${schoolName}"`);
    const school: SchoolOfHost = {
      id: schoolRow.id,
      name: schoolRow.name,
      dcId: schoolRow.dcId,
      csvCol0Source: schoolRow.csvCol0Source,
    };
    const groupColumn = school.csvCol0Source === 'group';
    const isDefault = school.name === DEFAULT_SCHOOL_NAME;
    const summary: ImportSummaryDto = {
      dryRun,
      created: 0,
      updated: 0,
      skipped: 0,
      failed: 0,
      errors: [],
      roomsCreated: [],
      configsCreated: [],
      jobsQueued: 0,
    };
    const fail = (line: number, message: string) => {
      summary.failed += 1;
      summary.errors.push({ line, message });
    };

    // 1. sophomorix's own errors over the whole file (duplicates inside the file included: the
    //    second occurrence fails, naming the first); warnings are covered by the API rules below
    const parsed = parseDevicesCsv(text);
    const sophomorixErrors = new Map<number, string[]>();
    for (const f of validateDevicesCsv(parsed)) {
      if (f.severity !== 'error') continue;
      const list = sophomorixErrors.get(f.line) ?? [];
      list.push(f.message);
      sophomorixErrors.set(f.line, list);
    }

    // 2. plan every row against the database as it is plus the rows before it. Only the hosts that
    //    share a name, MAC or IP with a row of the file can matter, so only they are read (three
    //    unique-index look-ups): a re-import costs what the file holds, not what the table holds.
    const hosts = await this.hostsNamedIn(parsed.lines, school);
    // a host of another school of the DC is named so that it never equals a hostname of this file
    const owner = (h: HostWithNames) =>
      h.schoolId === school.id ? h.hostname : `${h.hostname} (school ${h.school.name})`;
    const byName = new Map(hosts.filter((h) => h.schoolId === school.id).map((h) => [h.hostname, h]));
    const nameByMac = new Map(hosts.map((h) => [h.macAddress, owner(h)]));
    const nameByIp = new Map(hosts.filter((h) => h.ipAddress !== null).map((h) => [h.ipAddress as string, owner(h)]));
    const rooms = new Map(
      (await this.prisma.room.findMany({ where: { schoolId: school.id }, select: { id: true, name: true } })).map(
        (r) => [key(r.name), r],
      ),
    );
    const configs = new Map(
      (await this.prisma.config.findMany({ select: { id: true, name: true } })).map((c) => [key(c.name), c]),
    );
    const newRooms = new Map<string, string>();
    const newConfigs = new Map<string, string>();
    const changes: PlannedChange[] = [];
    const planned = new Set<string>();

    for (const line of parsed.lines) {
      if (line.kind !== 'data') continue;
      const lineErrors = sophomorixErrors.get(line.lineNo);
      if (lineErrors) {
        fail(line.lineNo, lineErrors.join('; '));
        continue;
      }
      const { desired, problems } = desiredFromFields(line.fields);
      if (groupColumn) {
        if (desired.config === null || desired.room !== desired.config) {
          problems.push(`school ${school.name} takes column 0 from the config: column 0 must equal column 2`);
        } else {
          const p = col0Problem(school, { name: desired.config });
          if (p) problems.push(p);
        }
        // the host's room: its current one, or the school's catch-all room
        desired.room = byName.get(desired.hostname)?.room?.name ?? school.name;
      } else if (desired.room === null && !isDefault) {
        problems.push(
          `a host of school ${school.name} needs a room (column 0): without one it belongs to ${DEFAULT_SCHOOL_NAME}`,
        );
      }
      // a new host gets its name on the DC here; an existing one keeps it (an import never renames)
      if (problems.length === 0 && !byName.has(desired.hostname)) {
        const p = dcNameProblem(school.name, desired.hostname);
        if (p) problems.push(p);
      }
      if (problems.length > 0) {
        fail(line.lineNo, problems.join('; '));
        continue;
      }
      if (desired.config !== null && key(desired.config) === NO_CONFIG_MARKER) {
        fail(line.lineNo, `config ${desired.config} is reserved: nopxe marks hosts without a LINBO group`);
        continue;
      }
      const macOwner = nameByMac.get(desired.macAddress);
      if (macOwner !== undefined && macOwner !== desired.hostname) {
        fail(line.lineNo, `MAC ${desired.macAddress} is already used by host ${macOwner}`);
        continue;
      }
      const ipOwner = desired.ipAddress === null ? undefined : nameByIp.get(desired.ipAddress);
      if (ipOwner !== undefined && ipOwner !== desired.hostname) {
        fail(line.lineNo, `IP ${desired.ipAddress} is already used by host ${ipOwner}`);
        continue;
      }
      // the file's duplicate check already fails a second row of a name; this keeps the plan sound regardless
      if (planned.has(desired.hostname)) {
        fail(line.lineNo, `hostname ${desired.hostname} appears more than once in the file`);
        continue;
      }
      const existing = byName.get(desired.hostname);
      if (existing && sameHost(existing, desired, groupColumn)) {
        summary.skipped += 1;
        continue;
      }
      if (existing) {
        nameByMac.delete(existing.macAddress);
        if (existing.ipAddress !== null) nameByIp.delete(existing.ipAddress);
      }
      nameByMac.set(desired.macAddress, desired.hostname);
      if (desired.ipAddress !== null) nameByIp.set(desired.ipAddress, desired.hostname);
      if (desired.room !== null && !rooms.has(key(desired.room))) newRooms.set(key(desired.room), desired.room);
      if (desired.config !== null && !configs.has(key(desired.config))) {
        newConfigs.set(key(desired.config), desired.config);
      }
      changes.push({ line: line.lineNo, action: existing ? 'update' : 'create', desired, existing });
      planned.add(desired.hostname);
    }

    summary.roomsCreated = [...newRooms.values()];
    summary.configsCreated = [...newConfigs.values()];
    if (dryRun) {
      for (const c of changes) summary[c.action === 'create' ? 'created' : 'updated'] += 1;
      return summary;
    }

    // 3. rooms and configs on demand, then the host changes in chunks
    await this.createNamed('room', [...newRooms.values()], rooms, school.id);
    await this.createNamed('config', [...newConfigs.values()], configs, school.id);
    for (let i = 0; i < changes.length; i += CHUNK_ROWS) {
      const chunk = changes.slice(i, i + CHUNK_ROWS);
      try {
        const ops = await this.prisma.$transaction((tx) => this.applyAll(tx, chunk, rooms, configs, school), {
          timeout: 60_000,
          maxWait: 10_000,
        });
        this.count(summary, chunk, ops);
      } catch {
        // someone changed a host meanwhile (a unique index refused a row): replay row by row
        for (const change of chunk) {
          try {
            const ops = await this.prisma.$transaction((tx) => this.applyAll(tx, [change], rooms, configs, school));
            this.count(summary, [change], ops);
          } catch (err) {
            fail(change.line, this.describeFailure(change, err));
          }
        }
      }
    }
    summary.errors.sort((a, b) => a.line - b.line);
    this.events.emit('import.completed', { ...summary });
    return summary;
  }

  /** The hosts whose hostname, MAC or IP appears in a data line of the file (as the plan reads them). */
  private async hostsNamedIn(
    lines: ReturnType<typeof parseDevicesCsv>['lines'],
    school: SchoolOfHost,
  ): Promise<HostWithNames[]> {
    const names = new Set<string>();
    const macs = new Set<string>();
    const ips = new Set<string>();
    for (const line of lines) {
      if (line.kind !== 'data') continue;
      const { desired } = desiredFromFields(line.fields);
      names.add(desired.hostname);
      macs.add(desired.macAddress);
      if (desired.ipAddress !== null) ips.add(desired.ipAddress);
    }
    if (names.size === 0) return [];
    // raw SQL with three array parameters: Prisma's `in` sends one parameter per value (15,000 for a
    // 5,000-line file) and builds the rows in its interpreter, ~1 s of API CPU at that size
    const rows = await this.prisma.$queryRaw<HostListRow[]>(hostsNamedQuery([...names], [...macs], [...ips], school));
    return rows.map(rowToHost);
  }

  private count(summary: ImportSummaryDto, chunk: PlannedChange[], ops: Array<Operation | null>): void {
    for (const c of chunk) summary[c.action === 'create' ? 'created' : 'updated'] += 1;
    summary.jobsQueued += ops.filter((op) => op !== null).length;
    this.provisioning.afterCommit(ops);
  }

  /**
   * Writes the planned rows and their jobs in the caller's transaction. New hosts go in with one
   * INSERT (createManyAndReturn); room/config names are known from the plan, so nothing is re-read.
   */
  private async applyAll(
    tx: Prisma.TransactionClient,
    changes: PlannedChange[],
    rooms: Map<string, NamedRow>,
    configs: Map<string, NamedRow>,
    school: SchoolOfHost,
  ): Promise<Array<Operation | null>> {
    const refs = (d: DesiredHost) => {
      const room = d.room === null ? null : (rooms.get(key(d.room)) ?? null);
      const config = d.config === null ? null : (configs.get(key(d.config)) ?? null);
      return { room, config };
    };
    const row = (d: DesiredHost) => {
      const { room, config } = refs(d);
      return {
        hostname: d.hostname,
        macAddress: d.macAddress,
        ipAddress: d.ipAddress,
        roomId: room?.id ?? null,
        configId: config?.id ?? null,
        schoolId: school.id,
        dcId: school.dcId,
        role: d.role,
        pxeFlag: d.pxeFlag,
      };
    };
    const withNames = (host: Host, d: DesiredHost): HostWithNames => {
      const { room, config } = refs(d);
      return {
        ...host,
        room: room ? { name: room.name } : null,
        config: config ? { name: config.name } : null,
        school: { name: school.name, csvCol0Source: school.csvCol0Source },
      };
    };

    const creates = changes.filter((c) => c.action === 'create' || !c.existing);
    // new rows go in already pending with their job's id (no UPDATE per row afterwards)
    const created = creates.length
      ? await insertHosts(
          tx,
          creates.map((c) => ({ ...row(c.desired), ...this.provisioning.pendingMark() })),
        )
      : [];
    const createdByName = new Map(created.map((h) => [h.hostname, h] as const));
    // the new hosts' create jobs in one INSERT, then each update with its own job
    const createOps = await this.provisioning.enqueueInserted(
      tx,
      creates.map((c) => withNames(createdByName.get(c.desired.hostname) as Host, c.desired)),
    );
    const createOpByName = new Map(creates.map((c, i) => [c.desired.hostname, createOps[i]] as const));
    const ops: Array<Operation | null> = [];
    for (const change of changes) {
      const { desired, existing } = change;
      if (change.action === 'create' || !existing) {
        ops.push(createOpByName.get(desired.hostname) ?? null);
        continue;
      }
      const host = withNames(await tx.host.update({ where: { id: existing.id }, data: row(desired) }), desired);
      ops.push(await this.provisioning.enqueueHostChange(tx, { action: change.action, host }));
    }
    return ops;
  }

  /** Rooms in the school, configs (shared by every school: LINBO groups live per server) globally. */
  private async createNamed(
    kind: 'room' | 'config',
    names: string[],
    into: Map<string, NamedRow>,
    schoolId: string,
  ): Promise<void> {
    if (names.length === 0) return;
    const ci = (name: string) => ({ name: { equals: name, mode: 'insensitive' as const } });
    // skipDuplicates: a concurrent request may have created the same name meanwhile
    const rows =
      kind === 'room'
        ? (await this.prisma.room.createMany({ data: names.map((name) => ({ name, schoolId })), skipDuplicates: true }),
          await this.prisma.room.findMany({
            where: { schoolId, OR: names.map(ci) },
            select: { id: true, name: true },
          }))
        : (await this.prisma.config.createMany({ data: names.map((name) => ({ name })), skipDuplicates: true }),
          await this.prisma.config.findMany({ where: { OR: names.map(ci) }, select: { id: true, name: true } }));
    for (const row of rows) into.set(key(row.name), row);
  }

  private describeFailure(change: PlannedChange, err: unknown): string {
    const code = (err as { code?: string }).code;
    if (code === 'P2002') {
      return `host ${change.desired.hostname}: hostname, MAC or IP was taken by another host during the import`;
    }
    if (code === 'P2025') return `host ${change.desired.hostname} was deleted during the import`;
    this.logger.error(`import of line ${change.line} failed: ${(err as Error).stack ?? String(err)}`);
    return `host ${change.desired.hostname} could not be saved (internal error)`;
  }
}
