import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';

import {
  MacctRepairOptions,
  ProvisionAction,
  ProvisionOptions,
  ProvisionStatus,
  REPAIR_ACTION,
} from '@app/provisioning';

import { ApiError } from '../common/api-error';
import { DEFAULT_SCHOOL_NAME } from '../common/device-rules';
import { AppConfig } from '../config/app-config';
import { EventsService } from '../events/events.service';
import { Operation, Prisma } from '../generated/prisma/client';
import { HOST_WITH_NAMES, HostWithNames } from '../hosts/host.view';
import { PrismaService } from '../prisma/prisma.service';
import { jobEventData } from './job-events';
import { OutboxRelay } from './outbox.relay';

export interface HostChange {
  action: ProvisionAction;
  /** after create/update; as it was for delete */
  host: HostWithNames;
  /** the name before a rename (used when the host has no earlier operation to learn the DC's name from) */
  oldHostname?: string;
  /** explicitly adopt a manual devices.csv line with the same name or MAC (DOMAIN.md §9) */
  adopt?: boolean;
  /**
   * The host row was INSERTed by this same transaction. Nobody else can see it yet and it has no
   * earlier operation (a new row has a new id; a deleted and re-created hostname is a new host, and
   * the old host's delete job stays queued ahead of this create in the stream), so the row lock and
   * both operation look-ups are skipped: they could not find anything. If the row was inserted with
   * `pendingMark()`, the operation takes that id and the host needs no UPDATE.
   */
  inserted?: boolean;
}

/** Fields to INSERT a new host with so that it already points at its (not yet written) create job. */
export interface PendingMark {
  provisionStatus: 'pending';
  provisionOpId: string;
  provisionError: null;
}

/** Operations this process cancelled while enqueueing `op` (for the events after commit). */
const supersededBy = new WeakMap<Operation, Operation[]>();

/** Statuses of an operation that is queued but not being worked on: a newer change cancels it. */
const QUEUED: ('pending' | 'retrying')[] = ['pending', 'retrying'];

/**
 * Turns host changes into provisioning operations (DOMAIN.md §8), inside the caller's transaction
 * (transactional outbox: the row is written with the host change; OutboxRelay publishes it).
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly config: AppConfig,
    private readonly events: EventsService,
    private readonly relay: OutboxRelay,
  ) {}

  get enabled(): boolean {
    return this.config.provisioningEnabled;
  }

  /**
   * Writes the operation for one host change in `tx` and supersedes older queued operations of
   * the host. Returns null when provisioning is off (DOMAIN.md §7: hosts keep provisionStatus null).
   *
   * What the DC knows is worked out from the host's previous operation, so a chain of quick
   * changes gives the right job even when every earlier one was superseded before it ran:
   * - previous op applied (completed, not dry-run) or running (assumed to land first, the stream
   *   is ordered): the DC knows the host under that op's hostname → `update`, with `oldHostname`
   *   when the name changed since;
   * - previous op not applied (queued, cancelled, failed, or a dry run): inherit its view — a host
   *   whose create never reached the DC stays a `create` (nothing to rename there), a pending
   *   rename passes its `oldHostname` on, and an `adopt` request is kept;
   * - no previous op (host predates provisioning): trust the caller's `oldHostname`.
   * A delete is always queued with the frozen snapshot (and the DC's name in `oldHostname`), even
   * if the create was cancelled: the DC may hold a partial earlier try, and deleting an absent host
   * is a no-op there.
   */
  async enqueueHostChange(tx: Prisma.TransactionClient, change: HostChange): Promise<Operation | null> {
    if (!this.config.provisioningEnabled) return null;
    const { host } = change;
    const fresh = change.inserted === true;
    if (!fresh) {
      // Serialise changes of one host: a concurrent change waits here and then sees this op.
      await tx.$queryRaw`SELECT 1 FROM hosts WHERE id = ${host.id}::uuid FOR UPDATE`;
    }

    const previous = fresh
      ? null
      : await tx.operation.findFirst({
          where: { hostId: host.id, type: 'provision_host' },
          orderBy: { seq: 'desc' },
        });
    const known = dcView(previous, change.oldHostname);
    const action: ProvisionAction =
      change.action === 'update' && !known.onDc && previous?.action === 'create' ? 'create' : change.action;
    const oldHostname = action !== 'create' && known.name && known.name !== host.hostname ? known.name : undefined;

    const options: ProvisionOptions = {
      ...snapshotOf(host),
      dryRun: this.config.provisioningDryRun,
      ...(oldHostname ? { oldHostname } : {}),
      ...(change.adopt || known.adopt ? { adopt: true } : {}),
    };
    // a host inserted with pendingMark() already names its operation
    const markedAtInsert =
      fresh && change.action !== 'delete' && host.provisionStatus === 'pending' && host.provisionOpId !== null;
    const id = markedAtInsert ? host.provisionOpId! : randomUUID();

    const queued = fresh
      ? []
      : await tx.operation.findMany({
          where: { hostId: host.id, type: 'provision_host', status: { in: QUEUED } },
        });
    const now = new Date();
    if (queued.length > 0) {
      // DOMAIN.md §8: a newer change supersedes older queued ones; a published one is skipped by the
      // worker when it fetches the operation and sees `cancelled`.
      await tx.operation.updateMany({
        where: { id: { in: queued.map((op) => op.id) }, status: { in: QUEUED } },
        data: { status: 'cancelled', completedAt: now, error: `superseded by operation ${id}` },
      });
    }

    const op = await tx.operation.create({
      data: {
        id,
        type: 'provision_host',
        action,
        targetHost: host.hostname,
        hostId: host.id,
        // the host's school and its DC: the DC's stream gets the job, its worker reports it
        school: host.school.name,
        dcId: host.dcId,
        options: options as unknown as Prisma.InputJsonValue,
        maxAttempts: this.config.maxAttempts,
      },
    });
    if (change.action !== 'delete' && !markedAtInsert) {
      await tx.host.update({
        where: { id: host.id },
        data: { provisionStatus: 'pending', provisionOpId: op.id, provisionError: null },
      });
    }
    supersededBy.set(
      op,
      queued.map((q) => ({ ...q, status: 'cancelled', completedAt: now, error: `superseded by operation ${id}` })),
    );
    return op;
  }

  /**
   * enqueueHostChange({ action: 'create', host, inserted: true }) for many hosts at once: hosts this
   * transaction INSERTed with pendingMark(), so each has no earlier operation and already names its
   * job. Their create operations go in with ONE multi-row INSERT instead of one round trip per host
   * (a 5,000-line import); the rows (ids, options, seq in the order given) are the
   * ones the one-by-one calls would write. A host not marked at insert takes the one-by-one path.
   * Returns the operations in the order of `hosts` (nulls when provisioning is off).
   */
  async enqueueInserted(tx: Prisma.TransactionClient, hosts: HostWithNames[]): Promise<Array<Operation | null>> {
    if (!this.config.provisioningEnabled) return hosts.map(() => null);
    if (hosts.some((h) => h.provisionStatus !== 'pending' || h.provisionOpId === null)) {
      const ops: Array<Operation | null> = [];
      for (const host of hosts) ops.push(await this.enqueueHostChange(tx, { action: 'create', host, inserted: true }));
      return ops;
    }
    if (hosts.length === 0) return [];
    // one INSERT … FROM unnest(arrays): createManyAndReturn costs ~1 ms of API CPU per row (it
    // serialises every field and re-reads every returned column in Prisma's interpreter)
    const col = <T>(f: (h: HostWithNames) => T) => hosts.map(f);
    const options = col((h) => JSON.stringify({ ...snapshotOf(h), dryRun: this.config.provisioningDryRun }));
    const written = await tx.$queryRaw<Operation[]>`
      INSERT INTO operations (id, type, action, target_host, host_id, school, dc_id, options, max_attempts, updated_at)
      SELECT id, 'provision_host', 'create', target, host, school, dc, options, ${this.config.maxAttempts}, now()
        FROM unnest(${col((h) => h.provisionOpId)}::uuid[], ${col((h) => h.hostname)}::text[],
                    ${col((h) => h.id)}::uuid[], ${col((h) => h.school.name)}::text[], ${col((h) => h.dcId)}::text[],
                    ${options}::jsonb[]) WITH ORDINALITY AS t(id, target, host, school, dc, options, n)
       ORDER BY n
      RETURNING id::text AS id, type::text AS type, action, target_host AS "targetHost", host_id::text AS "hostId",
                school, dc_id AS "dcId", options, status::text AS status, attempt, max_attempts AS "maxAttempts",
                result, error, published_at AS "publishedAt", stream_id AS "streamId", created_at AS "createdAt",
                updated_at AS "updatedAt", started_at AS "startedAt", completed_at AS "completedAt", seq`;
    const byId = new Map(written.map((op) => [op.id, op]));
    return hosts.map((host) => {
      const op = byId.get(host.provisionOpId!)!;
      supersededBy.set(op, []);
      return op;
    });
  }

  /**
   * For a host about to be INSERTed: the provisioning fields to insert it with (pending, pointing at
   * the create job enqueueHostChange({ inserted: true }) then writes with that id in the same
   * transaction), saving the UPDATE of the new row. null when provisioning is off (DOMAIN.md §7: the
   * host keeps provisionStatus null).
   */
  pendingMark(): PendingMark | null {
    if (!this.config.provisioningEnabled) return null;
    return { provisionStatus: 'pending', provisionOpId: randomUUID(), provisionError: null };
  }

  /**
   * POST /operations/provision: queue a job for an existing host without changing it (e.g. after
   * a failure past the retry limit, or to push hosts created while provisioning was off). The
   * default action is `update` (a never-synced host is still sent as `create`, see above).
   */
  async requestProvision(ref: HostRef, action?: 'create' | 'update'): Promise<Operation> {
    this.assertEnabled();
    const op = await this.prisma.$transaction(async (tx) => {
      const host = await findHost(tx, ref);
      if (!host) throw ApiError.notFound(`host ${ref.hostId ?? ref.hostname}`);
      return this.enqueueHostChange(tx, { action: action ?? 'update', host });
    });
    this.afterCommit([op]);
    return op!;
  }

  /**
   * POST /operations/macct-repair (DOMAIN.md §10): a machine-account repair of one host. A name that
   * is not (or no longer) in the database is allowed — the account may exist on the DC anyway;
   * an unknown hostId is 404. It does not touch the host's provisionStatus.
   */
  async requestMacctRepair(ref: HostRef): Promise<Operation> {
    this.assertEnabled();
    let hostname = ref.hostname?.toLowerCase();
    let hostId: string | null = null;
    let provisionStatus: ProvisionStatus | null = null;
    const host = await findHost(this.prisma, ref);
    let school: { name: string; dcId: string };
    if (host) {
      hostname = host.hostname;
      hostId = host.id;
      provisionStatus = host.provisionStatus;
      school = { name: host.school.name, dcId: host.dcId };
    } else if (ref.hostId) {
      throw ApiError.notFound(`host ${ref.hostId}`);
    } else {
      const row = await this.prisma.school.findUnique({ where: { name: ref.school ?? DEFAULT_SCHOOL_NAME } });
      if (!row) throw ApiError.notFound(`School "${ref.school}"`);
      school = { name: row.name, dcId: row.dcId };
    }
    const options: MacctRepairOptions = { hostname: hostname!, dryRun: this.config.provisioningDryRun };
    const op = await this.prisma.operation.create({
      data: {
        type: 'macct_repair',
        action: REPAIR_ACTION,
        targetHost: hostname!,
        hostId,
        school: school.name,
        dcId: school.dcId,
        options: options as unknown as Prisma.InputJsonValue,
        maxAttempts: this.config.maxAttempts,
      },
    });
    this.relay.wake();
    this.events.emit('provision.job.created', jobEventData(op, provisionStatus));
    return op;
  }

  private assertEnabled(): void {
    if (!this.config.provisioningEnabled) {
      throw new ApiError(
        409,
        'PROVISIONING_DISABLED',
        'DC provisioning is disabled (set DC_PROVISIONING_ENABLED=true to queue jobs)',
      );
    }
  }

  /** Whether a host update changes anything that ends up in devices.csv or on the DC. */
  isProvisionedChange(before: HostWithNames, after: HostWithNames): boolean {
    const a = snapshotOf(before);
    const b = snapshotOf(after);
    return (
      a.hostname !== b.hostname ||
      a.macAddress !== b.macAddress ||
      a.ipAddress !== b.ipAddress ||
      a.room !== b.room ||
      a.config !== b.config ||
      a.role !== b.role ||
      a.pxeFlag !== b.pxeFlag ||
      before.roomId !== after.roomId ||
      before.configId !== after.configId
    );
  }

  /**
   * Call once the transaction that enqueued `ops` committed: wakes the outbox relay (publish now,
   * not at the next poll) and emits provision.job.updated for superseded ops, then
   * provision.job.created (DOMAIN.md §7).
   */
  afterCommit(ops: Array<Operation | null>): void {
    const written = ops.filter((op): op is Operation => op !== null);
    if (written.length === 0) return;
    this.relay.wake();
    for (const op of written) {
      for (const cancelled of supersededBy.get(op) ?? []) {
        this.events.emit('provision.job.updated', jobEventData(cancelled, 'pending'));
      }
      this.events.emit('provision.job.created', jobEventData(op, op.action === 'delete' ? null : 'pending'));
    }
  }
}

/** The frozen host fields of an operation (DOMAIN.md §6). */
export function snapshotOf(host: HostWithNames): Omit<ProvisionOptions, 'dryRun'> {
  return {
    hostId: host.id,
    hostname: host.hostname,
    macAddress: host.macAddress,
    ipAddress: host.ipAddress,
    // devices.csv column 0 per school (csvCol0Source): the room's name, or the config's for a
    // school that does not organise hosts by rooms; the worker writes `room` into column 0 as it is
    room: host.school.csvCol0Source === 'group' ? (host.config?.name ?? null) : (host.room?.name ?? null),
    config: host.config?.name ?? null,
    role: host.role,
    pxeFlag: host.pxeFlag,
  };
}

/** A host named by id or by (case-insensitive) hostname, in `school` (names are unique per school). */
export interface HostRef {
  hostId?: string;
  hostname?: string;
  school?: string;
}

/** The host of a ref; a name in several schools without `school` is 409 AMBIGUOUS_HOSTNAME. */
async function findHost(db: Prisma.TransactionClient, ref: HostRef): Promise<HostWithNames | null> {
  if (ref.hostId) return db.host.findUnique({ where: { id: ref.hostId }, include: HOST_WITH_NAMES });
  const hosts = await db.host.findMany({
    where: { hostname: (ref.hostname ?? '').toLowerCase(), ...(ref.school ? { school: { name: ref.school } } : {}) },
    include: HOST_WITH_NAMES,
    take: 2,
  });
  if (hosts.length > 1) {
    throw new ApiError(
      409,
      'AMBIGUOUS_HOSTNAME',
      `hostname ${ref.hostname} exists in several schools: name the school`,
    );
  }
  return hosts[0] ?? null;
}

export interface DcView {
  /** the DC (probably) has the host */
  onDc: boolean;
  /** the name the DC knows it by */
  name?: string;
  adopt?: boolean;
}

/** What the DC knows of a host, judged from its latest operation (see enqueueHostChange). */
export function dcView(previous: Operation | null, callerOldName: string | undefined): DcView {
  if (!previous) return { onDc: true, name: callerOldName };
  const opts = previous.options as unknown as Partial<ProvisionOptions>;
  const applied = (previous.status === 'completed' && opts.dryRun === false) || previous.status === 'running';
  if (applied) return { onDc: true, name: opts.hostname };
  if (previous.action === 'create') return { onDc: false, adopt: opts.adopt };
  return { onDc: true, name: opts.oldHostname ?? opts.hostname, adopt: opts.adopt };
}
