import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { DEFAULT_ROLE } from '../common/device-rules';
import { Paginated, paginated } from '../common/pagination';
import { EventsService } from '../events/events.service';
import type { Host, Operation, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { ProvisioningService } from '../provisioning/provisioning.service';
import { CreateHostDto, ListHostsQueryDto, UpdateHostDto } from './dto/host.dto';
import { countQuery, HostListRow, pageQuery, rowToHost } from './host-list.query';
import { HOST_WITH_NAMES, HostView, HostWithNames, toHostView } from './host.view';

type Tx = Prisma.TransactionClient;

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

export interface HostRefs {
  room: NamedRef | null;
  config: NamedRef | null;
}

/** A written host row plus the names it points at, without another query. */
function withNames(host: Host, room: { name: string } | null, config: { name: string } | null): HostWithNames {
  return { ...host, room: room ? { name: room.name } : null, config: config ? { name: config.name } : null };
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

  /** One page and the exact total, both computed in the database (host-list.query.ts). */
  async list(q: ListHostsQueryDto): Promise<Paginated<HostView>> {
    const [counted, rows] = await Promise.all([
      this.prisma.$queryRaw<{ total: number }[]>(countQuery(q)),
      this.prisma.$queryRaw<HostListRow[]>(pageQuery(q)),
    ]);
    return paginated(
      rows.map((row) => toHostView(rowToHost(row))),
      counted[0]?.total ?? 0,
      q.page,
      q.limit,
    );
  }

  async get(id: string): Promise<HostView> {
    const host = await this.prisma.host.findUnique({ where: { id }, include: HOST_WITH_NAMES });
    if (!host) throw ApiError.notFound(`Host ${id}`);
    return toHostView(host);
  }

  async getByName(hostname: string): Promise<HostView> {
    // names are stored lower case (DOMAIN.md §6), so lower-casing the input is the case-insensitive match
    const host = await this.prisma.host.findUnique({
      where: { hostname: hostname.toLowerCase() },
      include: HOST_WITH_NAMES,
    });
    if (!host) throw ApiError.notFound(`Host "${hostname}"`);
    return toHostView(host);
  }

  async create(dto: CreateHostDto): Promise<HostView> {
    const { host, op } = await this.prisma.$transaction(async (tx) => {
      const refs = await this.resolveRefs(tx, dto.roomId ?? null, dto.configId ?? null);
      const identity = { hostname: dto.hostname, macAddress: dto.macAddress, ipAddress: dto.ipAddress ?? null };
      await this.assertUnique(tx, identity);
      // no `include`: Prisma would re-read the row and both relations (4 more round trips)
      const row = await tx.host.create({
        data: {
          ...identity,
          roomId: dto.roomId ?? null,
          configId: dto.configId ?? null,
          role: dto.role ?? DEFAULT_ROLE,
          // DOMAIN.md §6: default 1 (LINBO) with a config, else 0
          pxeFlag: dto.pxeFlag ?? (dto.configId ? 1 : 0),
          // already pending with its job's id: no UPDATE after the operation is written
          ...this.provisioning.pendingMark(),
        },
      });
      const created = withNames(row, refs.room, refs.config);
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
    const { host, op } = await this.prisma.$transaction(async (tx) => {
      const before = await tx.host.findUnique({ where: { id }, include: HOST_WITH_NAMES });
      if (!before) throw ApiError.notFound(`Host ${id}`);
      const refs = await this.resolveRefs(tx, dto.roomId ?? null, dto.configId ?? null);
      const identity: HostIdentity = {
        hostname: dto.hostname ?? before.hostname,
        macAddress: dto.macAddress ?? before.macAddress,
        ipAddress: dto.ipAddress !== undefined ? dto.ipAddress : before.ipAddress,
      };
      await this.assertUnique(tx, identity, id);
      const row = await tx.host.update({
        where: { id },
        data: {
          ...identity,
          ...(dto.roomId !== undefined ? { roomId: dto.roomId } : {}),
          ...(dto.configId !== undefined ? { configId: dto.configId } : {}),
          ...(dto.role !== undefined ? { role: dto.role } : {}),
          ...(dto.pxeFlag !== undefined ? { pxeFlag: dto.pxeFlag } : {}),
        },
      });
      const after = withNames(
        row,
        dto.roomId !== undefined ? refs.room : before.room,
        dto.configId !== undefined ? refs.config : before.config,
      );
      // only a change that alters the devices.csv line becomes a job (DOMAIN.md §8)
      if (!this.provisioning.isProvisionedChange(before, after)) return { host: after, op: null };
      const queued = await this.provisioning.enqueueHostChange(tx, {
        action: 'update',
        host: after,
        ...(before.hostname !== after.hostname ? { oldHostname: before.hostname } : {}),
      });
      return { host: after, op: queued };
    });
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
   * The room and config a host points at, by id. One that names nothing is bad input: 400 naming
   * the field (docs/API.md). The rows are locked FOR SHARE until the transaction ends, so a
   * concurrent rename waits and then re-queues this host too (RoomsService/ConfigsService.update)
   * and a concurrent delete cannot pull them away.
   */
  async resolveRefs(tx: Tx, roomId: string | null, configId: string | null): Promise<HostRefs> {
    const room =
      roomId === null
        ? null
        : ((
            await tx.$queryRaw<NamedRef[]>`SELECT id::text AS id, name FROM rooms WHERE id = ${roomId}::uuid FOR SHARE`
          )[0] ?? null);
    if (roomId !== null && !room) {
      throw ApiError.validation('roomId', `roomId ${roomId} does not name an existing room`);
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
    return { room, config };
  }

  /**
   * 409 DUPLICATE_ENTRY naming the field and the host that holds the value, so an admin can act.
   * The unique indexes stay the last word under concurrency (P2002 → 409 in the filter).
   */
  async assertUnique(tx: Tx, identity: HostIdentity, exceptId?: string): Promise<void> {
    const or: Prisma.HostWhereInput[] = [{ hostname: identity.hostname }, { macAddress: identity.macAddress }];
    if (identity.ipAddress !== null) or.push({ ipAddress: identity.ipAddress });
    const clashes = await tx.host.findMany({
      where: { OR: or, ...(exceptId ? { NOT: { id: exceptId } } : {}) },
      select: { hostname: true, macAddress: true, ipAddress: true },
    });
    for (const other of clashes) {
      if (other.hostname === identity.hostname) {
        throw ApiError.duplicate('hostname', `hostname ${identity.hostname} is already used by another host`);
      }
      if (other.macAddress === identity.macAddress) {
        throw ApiError.duplicate(
          'macAddress',
          `macAddress ${identity.macAddress} is already used by host ${other.hostname}`,
        );
      }
      if (identity.ipAddress !== null && other.ipAddress === identity.ipAddress) {
        throw ApiError.duplicate(
          'ipAddress',
          `ipAddress ${identity.ipAddress} is already used by host ${other.hostname}`,
        );
      }
    }
  }
}
