import { Injectable } from '@nestjs/common';

import { dcHostname, NETBIOS_NAME_MAX } from '@app/provisioning';

import { ApiError } from '../common/api-error';
import {
  dcNameProblem,
  DEFAULT_ROLE,
  DEFAULT_SCHOOL_ID,
  DEFAULT_SCHOOL_NAME,
  roomNameProblem,
} from '../common/device-rules';
import { Paginated, paginated } from '../common/pagination';
import { EventsService } from '../events/events.service';
import type { Host, Operation, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { CreateHostDto, ListHostsQueryDto, UpdateHostDto } from './dto/host.dto';
import { HOST_WITH_NAMES, HostView, HostWithNames, toHostView } from './host.view';
import { countQuery, HostListRow, listWindow, pageQuery, rowToHost } from './host-list.query';

type Tx = Prisma.TransactionClient;

/** Rows a page may skip before GET /hosts counts first and reads it from the nearer end (list()). */
export const DEEP_PAGE_OFFSET = 1000;

/** What identifies a host on the DC; each must be unique (DOMAIN.md §6). */
export interface HostIdentity {
  hostname: string;
  macAddress: string;
  ipAddress: string | null;
}

interface NamedRef {
  id: string;
  name: string;
}

/** The school a host belongs to (its room's, or default-school) and what that school's rules need. */
export interface SchoolOfHost {
  id: string;
  name: string;
  dcId: string;
  csvCol0Source: string;
}

export interface HostRefs {
  room: NamedRef | null;
  config: NamedRef | null;
  school: SchoolOfHost;
}

/** A written host row plus the names it points at, without another query. */
function withNames(
  host: Host,
  room: { name: string } | null,
  config: { name: string } | null,
  school: SchoolOfHost,
): HostWithNames {
  return {
    ...host,
    room: room ? { name: room.name } : null,
    config: config ? { name: config.name } : null,
    school: { name: school.name, csvCol0Source: school.csvCol0Source },
  };
}

/**
 * devices.csv column 0 of a school that takes it from the config (`csvCol0Source: group`, DOMAIN.md §6):
 * the host needs a config, and its name must be a valid column 0 (the room-name rule: no '_').
 */
export function col0Problem(school: { name: string; csvCol0Source: string }, config: { name: string } | null) {
  if (school.csvCol0Source !== 'group') return null;
  if (config === null) {
    return `school ${school.name} writes the config's name into devices.csv column 0: a host needs a config`;
  }
  const p = roomNameProblem(config.name, 'config');
  return p === null ? null : `school ${school.name} writes the config's name into devices.csv column 0: ${p}`;
}

/** 400 DC_NAME_TOO_LONG when `S-hostname` does not fit the NetBIOS limit (the rule: dcNameProblem). */
export function assertDcName(school: string, hostname: string): void {
  const problem = dcNameProblem(school, hostname);
  if (problem) {
    const dcName = dcHostname(school, hostname);
    throw new ApiError(400, 'DC_NAME_TOO_LONG', problem, {
      field: 'hostname',
      dcName,
      length: dcName.length,
      max: NETBIOS_NAME_MAX,
    });
  }
}

export interface DeletedHost {
  id: string;
  hostname: string;
  /** the delete job, null when provisioning is off */
  operationId: string | null;
}

/**
 * Hosts (DOMAIN.md §6–8). Every change that reaches devices.csv is written together with its
 * provisioning Operation in ONE transaction (DOMAIN.md §8 outbox): ProvisioningService.enqueueHostChange
 * runs inside it, afterCommit() wakes the relay only once the rows are committed.
 */
@Injectable()
export class HostsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly provisioning: ProvisioningService,
    private readonly events: EventsService,
  ) {}

  /**
   * One page and the exact total, both computed in the database (host-list.query.ts). A page that
   * starts at least `deepOffset` rows in counts first and is then read from the nearer end of the list
   * (listWindow): the last page of 100,000 hosts skips no index entries instead of 99,980. Earlier
   * pages run both queries at once.
   */
  async list(q: ListHostsQueryDto, deepOffset = DEEP_PAGE_OFFSET): Promise<Paginated<HostView>> {
    const count = async () => (await this.prisma.$queryRaw<{ total: number }[]>(countQuery(q)))[0]?.total ?? 0;
    let total: number;
    let rows: HostListRow[];
    if ((q.page - 1) * q.limit < deepOffset) {
      [total, rows] = await Promise.all([count(), this.prisma.$queryRaw<HostListRow[]>(pageQuery(q))]);
    } else {
      total = await count();
      const window = listWindow(q, total);
      rows = window === null ? [] : await this.prisma.$queryRaw<HostListRow[]>(pageQuery(q, window));
    }
    return paginated(
      rows.map((row) => toHostView(rowToHost(row))),
      total,
      q.page,
      q.limit,
    );
  }

  async get(id: string): Promise<HostView> {
    const host = await this.prisma.host.findUnique({ where: { id }, include: HOST_WITH_NAMES });
    if (!host) throw ApiError.notFound(`Host ${id}`);
    return toHostView(host);
  }

  /**
   * By name: names are unique per school, so `school` picks one; without it the name must be unique
   * across the schools (409 AMBIGUOUS_HOSTNAME otherwise, naming the schools).
   */
  async getByName(hostname: string, school?: string): Promise<HostView> {
    // names are stored lower case (DOMAIN.md §6), so lower-casing the input is the case-insensitive match
    const hosts = await this.prisma.host.findMany({
      where: { hostname: hostname.toLowerCase(), ...(school ? { school: { name: school } } : {}) },
      include: HOST_WITH_NAMES,
      take: 10,
    });
    if (hosts.length === 0) throw ApiError.notFound(`Host "${hostname}"`);
    if (hosts.length > 1) {
      throw new ApiError(
        409,
        'AMBIGUOUS_HOSTNAME',
        `hostname ${hostname} exists in schools ${hosts.map((h) => h.school.name).join(', ')}: add ?school=`,
      );
    }
    return toHostView(hosts[0]);
  }

  async create(dto: CreateHostDto): Promise<HostView> {
    const { host, op } = await this.prisma.$transaction(async (tx) => {
      const refs = await this.resolveRefs(tx, dto.roomId ?? null, dto.configId ?? null);
      this.assertCol0(refs.school, refs.config);
      const identity = { hostname: dto.hostname, macAddress: dto.macAddress, ipAddress: dto.ipAddress ?? null };
      assertDcName(refs.school.name, identity.hostname);
      await this.assertUnique(tx, identity, refs.school);
      // no `include`: Prisma would re-read the row and both relations (4 more round trips)
      const row = await tx.host.create({
        data: {
          ...identity,
          roomId: dto.roomId ?? null,
          configId: dto.configId ?? null,
          schoolId: refs.school.id,
          dcId: refs.school.dcId,
          role: dto.role ?? DEFAULT_ROLE,
          // DOMAIN.md §6: default 1 (LINBO) with a config, else 0
          pxeFlag: dto.pxeFlag ?? (dto.configId ? 1 : 0),
          // already pending with its job's id: no UPDATE after the operation is written
          ...this.provisioning.pendingMark(),
        },
      });
      const created = withNames(row, refs.room, refs.config, refs.school);
      const queued = await this.provisioning.enqueueHostChange(tx, {
        action: 'create',
        host: created,
        inserted: true,
      });
      return { host: created, op: queued };
    });
    return this.publish(host, op, 'host.created');
  }

  async update(id: string, dto: UpdateHostDto): Promise<HostView> {
    for (const field of ['hostname', 'macAddress', 'role', 'pxeFlag'] as const) {
      if (dto[field] === null) throw ApiError.validation(field, `${field} must not be null`);
    }
    const { host, op, moved } = await this.prisma.$transaction(async (tx) => {
      const before = await tx.host.findUnique({ where: { id }, include: HOST_WITH_NAMES });
      if (!before) throw ApiError.notFound(`Host ${id}`);
      const roomId = dto.roomId !== undefined ? dto.roomId : before.roomId;
      const configId = dto.configId !== undefined ? dto.configId : before.configId;
      const refs = await this.resolveRefs(tx, roomId, configId);
      this.assertCol0(refs.school, refs.config);
      const identity: HostIdentity = {
        hostname: dto.hostname ?? before.hostname,
        macAddress: dto.macAddress ?? before.macAddress,
        ipAddress: dto.ipAddress !== undefined ? dto.ipAddress : before.ipAddress,
      };
      const otherSchool = refs.school.id !== before.schoolId;
      // only where the name on the DC changes: an older host that does not fit can still be edited otherwise
      if (otherSchool || identity.hostname !== before.hostname) assertDcName(refs.school.name, identity.hostname);
      await this.assertUnique(tx, identity, refs.school, id);
      // Moving to a room of another school is a delete in the old school and a create in the
      // new one, in this one transaction: the delete is written first, with the host as it was.
      const deleteOp = otherSchool
        ? await this.provisioning.enqueueHostChange(tx, { action: 'delete', host: before })
        : null;
      const row = await tx.host.update({
        where: { id },
        data: {
          ...identity,
          roomId,
          configId,
          schoolId: refs.school.id,
          dcId: refs.school.dcId,
          ...(dto.role !== undefined ? { role: dto.role } : {}),
          ...(dto.pxeFlag !== undefined ? { pxeFlag: dto.pxeFlag } : {}),
        },
      });
      const after = withNames(row, refs.room, refs.config, refs.school);
      if (otherSchool) {
        // `inserted`: for the new school's DC view this is a new host (no earlier operation there),
        // and the delete just written must not be superseded by it
        // (not marked at insert: the row still points at its old operation, enqueue marks it anew)
        const createOp = await this.provisioning.enqueueHostChange(tx, {
          action: 'create',
          host: { ...after, provisionStatus: null, provisionOpId: null },
          inserted: true,
        });
        return { host: after, op: createOp, moved: { before, deleteOp } };
      }
      // only a change that alters the devices.csv line becomes a job (DOMAIN.md §8)
      if (!this.provisioning.isProvisionedChange(before, after)) return { host: after, op: null, moved: null };
      const queued = await this.provisioning.enqueueHostChange(tx, {
        action: 'update',
        host: after,
        ...(before.hostname !== after.hostname ? { oldHostname: before.hostname } : {}),
      });
      return { host: after, op: queued, moved: null };
    });
    if (moved) {
      // subscribers of the old school see the host leave, those of the new one see it arrive
      this.provisioning.afterCommit([moved.deleteOp]);
      this.events.emit('host.deleted', toHostView(moved.before));
      return this.publish(host, op, 'host.created');
    }
    return this.publish(host, op, 'host.updated');
  }

  async remove(id: string): Promise<DeletedHost> {
    const { host, op } = await this.prisma.$transaction(async (tx) => {
      const existing = await tx.host.findUnique({ where: { id }, include: HOST_WITH_NAMES });
      if (!existing) throw ApiError.notFound(`Host ${id}`);
      // the job is written BEFORE the row goes, with the host as it was (docs/API.md "Hosts")
      const queued = await this.provisioning.enqueueHostChange(tx, { action: 'delete', host: existing });
      await tx.host.delete({ where: { id } });
      return { host: existing, op: queued };
    });
    this.provisioning.afterCommit([op]);
    this.events.emit('host.deleted', toHostView(host));
    return { id: host.id, hostname: host.hostname, operationId: op?.id ?? null };
  }

  /**
   * After commit: wake the relay and emit the host event. enqueueHostChange marked the host
   * pending with this op in the transaction; the view shows that without a re-read.
   */
  private publish(host: HostWithNames, op: Operation | null, type: 'host.created' | 'host.updated'): HostView {
    this.provisioning.afterCommit([op]);
    const current: HostWithNames = op
      ? { ...host, provisionStatus: 'pending', provisionOpId: op.id, provisionError: null }
      : host;
    const view = toHostView(current);
    this.events.emit(type, view);
    return view;
  }

  /**
   * Queues an update job for every host matching `where` (a renamed room or config changes
   * their devices.csv lines, DOMAIN.md §2 columns 0 and 2). Runs inside the caller's transaction.
   */
  async requeueHosts(
    tx: Tx,
    where: Prisma.HostWhereInput,
  ): Promise<{ ops: Array<Operation | null>; hostIds: string[] }> {
    const hosts = await tx.host.findMany({ where, include: HOST_WITH_NAMES, orderBy: { hostname: 'asc' } });
    const ops: Array<Operation | null> = [];
    for (const host of hosts) ops.push(await this.provisioning.enqueueHostChange(tx, { action: 'update', host }));
    return { ops, hostIds: hosts.map((h) => h.id) };
  }

  /**
   * After commit: wake the outbox relay, re-read the hosts (enqueueHostChange set their
   * provisionStatus in the transaction) and emit one event per host.
   */
  async announce(
    ops: Array<Operation | null>,
    hostIds: string[],
    type: 'host.created' | 'host.updated',
  ): Promise<HostView[]> {
    this.provisioning.afterCommit(ops);
    if (hostIds.length === 0) return [];
    const hosts = await this.prisma.host.findMany({ where: { id: { in: hostIds } }, include: HOST_WITH_NAMES });
    const byId = new Map(hosts.map((h) => [h.id, toHostView(h)]));
    const views = hostIds.map((id) => byId.get(id)).filter((v): v is HostView => v !== undefined);
    for (const view of views) this.events.emit(type, view);
    return views;
  }

  /**
   * The room and config a host points at, by id, and the school that follows from the room
   * (default-school without one). One that names nothing is bad input: 400 naming the field
   * (docs/API.md). The rows are locked FOR SHARE until the transaction ends, so a concurrent rename
   * waits and then re-queues this host too (RoomsService/ConfigsService.update) and a concurrent
   * delete cannot pull them away.
   */
  async resolveRefs(tx: Tx, roomId: string | null, configId: string | null): Promise<HostRefs> {
    let room: NamedRef | null = null;
    let school: SchoolOfHost;
    if (roomId !== null) {
      const found = (
        await tx.$queryRaw<(NamedRef & { schoolId: string; schoolName: string; dcId: string; col0: string })[]>`
          SELECT r.id::text AS id, r.name, s.id::text AS "schoolId", s.name AS "schoolName", s.dc_id AS "dcId",
                 s.csv_col0_source AS col0
            FROM rooms r JOIN schools s ON s.id = r.school_id
           WHERE r.id = ${roomId}::uuid FOR SHARE OF r`
      )[0];
      if (!found) throw ApiError.validation('roomId', `roomId ${roomId} does not name an existing room`);
      room = { id: found.id, name: found.name };
      school = { id: found.schoolId, name: found.schoolName, dcId: found.dcId, csvCol0Source: found.col0 };
    } else {
      school = await this.defaultSchool(tx);
    }
    const config =
      configId === null
        ? null
        : ((
            await tx.$queryRaw<
              NamedRef[]
            >`SELECT id::text AS id, name FROM configs WHERE id = ${configId}::uuid FOR SHARE`
          )[0] ?? null);
    if (configId !== null && !config) {
      throw ApiError.validation('configId', `configId ${configId} does not name an existing config`);
    }
    return { room, config, school };
  }

  /** default-school (fixed id, migration 20261203080000_schools_and_dcs): the school of room-less hosts. */
  async defaultSchool(tx: Tx | PrismaService = this.prisma): Promise<SchoolOfHost> {
    const row = await tx.school.findUnique({ where: { id: DEFAULT_SCHOOL_ID } });
    if (!row) throw new ApiError(500, 'INTERNAL_ERROR', `${DEFAULT_SCHOOL_NAME} is missing (migrations not applied?)`);
    return { id: row.id, name: row.name, dcId: row.dcId, csvCol0Source: row.csvCol0Source };
  }

  /** 400 COL0_INVALID when the school takes column 0 from the config and the host's config cannot give it. */
  assertCol0(school: SchoolOfHost, config: { name: string } | null): void {
    const problem = col0Problem(school, config);
    if (problem) throw new ApiError(400, 'COL0_INVALID', problem, { field: 'configId' });
  }

  /** Before a school switches to `csvCol0Source: group`: every host of it must fit (409 COL0_INVALID). */
  async assertGroupColumnFits(tx: Tx, schoolId: string): Promise<void> {
    const hosts = await tx.host.findMany({
      where: { schoolId },
      select: { hostname: true, config: { select: { name: true } } },
    });
    for (const h of hosts) {
      const problem = col0Problem({ name: 'this', csvCol0Source: 'group' }, h.config);
      if (problem) throw new ApiError(409, 'COL0_INVALID', `host ${h.hostname}: ${problem}`);
    }
  }

  /**
   * 409 DUPLICATE_ENTRY naming the field and the host that holds the value, so an admin can act.
   * The unique indexes stay the last word under concurrency (P2002 → 409 in the filter).
   */
  async assertUnique(
    tx: Tx,
    identity: HostIdentity,
    school: { id: string; dcId: string },
    exceptId?: string,
  ): Promise<void> {
    // hostnames are unique per school, MACs and IPs across the schools of one DC (one DC's DHCP and DNS)
    const or: Prisma.HostWhereInput[] = [
      { hostname: identity.hostname, schoolId: school.id },
      { macAddress: identity.macAddress, dcId: school.dcId },
    ];
    if (identity.ipAddress !== null) or.push({ ipAddress: identity.ipAddress, dcId: school.dcId });
    const clashes = await tx.host.findMany({
      where: { OR: or, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      select: { hostname: true, macAddress: true, ipAddress: true, schoolId: true, dcId: true },
    });
    for (const other of clashes) {
      if (other.hostname === identity.hostname && other.schoolId === school.id) {
        throw ApiError.duplicate('hostname', `hostname ${identity.hostname} is already used by another host`);
      }
      if (other.macAddress === identity.macAddress && other.dcId === school.dcId) {
        throw ApiError.duplicate(
          'macAddress',
          `macAddress ${identity.macAddress} is already used by host ${other.hostname}`,
        );
      }
      if (identity.ipAddress !== null && other.ipAddress === identity.ipAddress && other.dcId === school.dcId) {
        throw ApiError.duplicate(
          'ipAddress',
          `ipAddress ${identity.ipAddress} is already used by host ${other.hostname}`,
        );
      }
    }
  }
}
