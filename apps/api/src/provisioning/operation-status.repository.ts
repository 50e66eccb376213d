import { Injectable } from '@nestjs/common';

import type { ProvisionStatus } from '@app/provisioning';

import { Operation, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import type { FoldedBatch, HostWrite, LockedRows } from './report-fold';
import type { HostState } from './status-rules';

/** A batch of 500 reports takes well under a second; the default 5 s is too tight on a busy machine. */
const TRANSACTION_TIMEOUT_MS = 30_000;

/** What a change may do inside the transaction that holds its locks. */
export interface LockedTransaction {
  /** The first provisioning operation queued after `op` for the same host or the same name. */
  newerOperation(op: Operation): Promise<Operation | null>;
  /** Writes the folded rows (one UPDATE of the operations, one of the hosts) and reads them back by id. */
  save(batch: Pick<FoldedBatch, 'operations' | 'hosts'>): Promise<Map<string, Operation>>;
}

/**
 * The SQL of the operation lifecycle (OperationStatusService): lock, read, write set-wise. Every
 * change runs in one transaction that locks every host involved and then every operation, each
 * set in id order — the lock order of the whole API (ProvisioningService.enqueueHostChange locks
 * the host first too), so no two changes deadlock.
 */
@Injectable()
export class OperationStatusRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Runs `work` in a transaction holding the locks of the operations `ids` (any case) and their hosts. */
  withLocked<T>(ids: string[], work: (locked: LockedRows, tx: LockedTransaction) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(
      async (tx) => {
        const locked = await lockOperations(tx, ids);
        return work(locked, {
          newerOperation: (op) => newerOperation(tx, op),
          save: async (batch) => {
            await writeOperations(tx, batch.operations, locked.ops);
            await writeHosts(tx, batch.hosts);
            return readOperations(tx, [...batch.operations.keys()]);
          },
        });
      },
      { timeout: TRANSACTION_TIMEOUT_MS },
    );
  }
}

/** Returns the operations and their hosts' provisioning state (read under the locks) by id. */
async function lockOperations(tx: Prisma.TransactionClient, ids: string[]): Promise<LockedRows> {
  const unique = [...new Set(ids.map((id) => id.toLowerCase()))].sort();
  const peek = await tx.operation.findMany({ where: { id: { in: unique } }, select: { hostId: true } });
  const hostIds = [...new Set(peek.flatMap((p) => (p.hostId ? [p.hostId] : [])))].sort();
  const hosts = new Map<string, HostState>();
  if (hostIds.length > 0) {
    const rows = await tx.$queryRaw<
      Array<{ id: string; provision_op_id: string | null; provision_status: ProvisionStatus | null }>
    >`
      SELECT id::text, provision_op_id::text, provision_status::text FROM hosts
      WHERE id = ANY(${hostIds}::uuid[]) ORDER BY id FOR UPDATE`;
    for (const h of rows) hosts.set(h.id, { provisionOpId: h.provision_op_id, provisionStatus: h.provision_status });
  }
  if (peek.length === 0) return { ops: new Map(), hosts };
  await tx.$queryRaw`SELECT 1 FROM operations WHERE id = ANY(${unique}::uuid[]) ORDER BY id FOR UPDATE`;
  const ops = await tx.operation.findMany({ where: { id: { in: unique } } });
  return { ops: new Map(ops.map((op) => [op.id, op])), hosts };
}

/**
 * One UPDATE for every changed operation: the folded rows' mutable columns (the rows are locked,
 * so the attempt counted from them is current). A result is sent only when a change set one: an
 * absent one stays as stored.
 */
async function writeOperations(
  tx: Prisma.TransactionClient,
  rows: Map<string, Operation>,
  before: Map<string, Operation>,
): Promise<void> {
  if (rows.size === 0) return;
  const records = [...rows.values()].map((op) => ({
    id: op.id,
    status: op.status,
    attempt: op.attempt,
    started_at: op.startedAt,
    completed_at: op.completedAt,
    result: op.result === before.get(op.id)?.result ? undefined : op.result,
    error: op.error,
    published_at: op.publishedAt,
    stream_id: op.streamId,
    updated_at: op.updatedAt,
  }));
  const count = await tx.$executeRaw`
    UPDATE operations AS o
       SET status = w.status::"OperationStatus", attempt = w.attempt, started_at = w.started_at,
           completed_at = w.completed_at, result = COALESCE(w.result, o.result), error = w.error,
           published_at = w.published_at, stream_id = w.stream_id, updated_at = w.updated_at
      FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS w(
             id uuid, status text, attempt int, started_at timestamptz, completed_at timestamptz,
             result jsonb, error text, published_at timestamptz, stream_id text, updated_at timestamptz)
     WHERE o.id = w.id`;
  if (count !== rows.size) throw new Error(`operation status: ${count} of ${rows.size} operations written`);
}

/** One UPDATE for every host whose provisioning state changed (its last state). */
async function writeHosts(tx: Prisma.TransactionClient, hosts: Map<string, HostWrite>): Promise<void> {
  if (hosts.size === 0) return;
  const records = [...hosts].map(([id, h]) => ({
    id,
    provision_status: h.provisionStatus,
    provision_error: h.provisionError,
    updated_at: h.updatedAt,
  }));
  await tx.$executeRaw`
    UPDATE hosts AS h
       SET provision_status = w.provision_status::"ProvisionStatus", provision_error = w.provision_error,
           updated_at = w.updated_at
      FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS w(
             id uuid, provision_status text, provision_error text, updated_at timestamptz)
     WHERE h.id = w.id`;
}

/** The written operations as Prisma rows (what the database stored), by id. */
async function readOperations(tx: Prisma.TransactionClient, ids: string[]): Promise<Map<string, Operation>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.operation.findMany({ where: { id: { in: ids } } });
  return new Map(rows.map((op) => [op.id, op]));
}

function newerOperation(tx: Prisma.TransactionClient, op: Operation): Promise<Operation | null> {
  const sameHost: Prisma.OperationWhereInput[] = [{ targetHost: op.targetHost }];
  if (op.hostId) sameHost.push({ hostId: op.hostId });
  return tx.operation.findFirst({
    where: { type: 'provision_host', seq: { gt: op.seq }, OR: sameHost },
    orderBy: { seq: 'asc' },
  });
}
