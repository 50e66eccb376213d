import { Injectable, Logger } from '@nestjs/common';
import {
  ApiErrorCode,
  BulkReportOutcome,
  BulkStatusReport,
  checkTransition,
  encodeJobPayload,
  hostStatusFor,
  isTerminal,
  JOBS_DLQ_STREAM,
  OperationStatus,
  ProvisionStatus,
  startsAttempt,
  StatusReport,
  WorkerRetryOutcome,
} from '@app/provisioning';
import { StreamProducer } from '@app/redis-streams';
import { ApiError } from '../common/api-error';
import { EventsService } from '../events/events.service';
import { Operation, OperationType, Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';
import { isDatabaseUnavailable } from './database-errors';
import { jobEventData } from './job-events';
import { toOperationView } from './operation.view';
import { OutboxRelay, payloadOf } from './outbox.relay';
import { applyReportUpdate, ReportUpdate } from './report-update';

/** A batch of 500 reports takes well under a second; the default 5 s is too tight on a busy machine. */
const BULK_TRANSACTION_TIMEOUT_MS = 30_000;

export interface AppliedReport {
  operation: Operation;
  /** false for an idempotent repeat or a late `running` after a terminal status */
  changed: boolean;
}

interface Applied {
  op: Operation;
  changed: boolean;
  provisionStatus: ProvisionStatus | null;
}

/**
 * Moves operations through their lifecycle (DOMAIN.md §8): worker status reports, user retries and
 * worker retries. Every change runs in one transaction that locks the host row before the
 * operation row (the same order as ProvisioningService.enqueueHostChange, so the two never
 * deadlock) and is followed, after commit, by provision.job.updated (+ .failed) events — in order:
 * changes of one operation are also serialised in-process.
 */
@Injectable()
export class OperationStatusService {
  private readonly logger = new Logger(OperationStatusService.name);
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly prisma: PrismaService,
    private readonly events: EventsService,
    private readonly relay: OutboxRelay,
    private readonly producer: StreamProducer,
  ) {}

  /**
   * Applies a worker's status report (PATCH /internal/operations/:id/status). Idempotent: a repeat
   * of the current status changes nothing. A late `running` after a terminal status (a redelivered
   * message) is acknowledged without change; any other illegal move is 409 INVALID_TRANSITION.
   * `report.attempt` is informational: the API counts tries itself, once per try.
   */
  applyReport(id: string, report: StatusReport): Promise<AppliedReport> {
    return this.serialise([id], async () => {
      const applied = await this.prisma.$transaction(async (tx): Promise<Applied> => {
        const op = await lockOperation(tx, id);
        const data = planReport(op, report);
        if (!data) return { op, changed: false, provisionStatus: null };
        const updated = await tx.operation.update({ where: { id }, data });
        return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
      });
      if (applied.changed && applied.op.status === 'retrying') this.relay.wake();
      this.emitChange(applied);
      return { operation: applied.op, changed: applied.changed };
    });
  }

  /**
   * PATCH /internal/operations/status: the reports of a batch, applied in the request's order by
   * the same rules as applyReport (planReport, the host rule of applyToHost, the same events), but
   * in ONE transaction that locks every host and then every operation involved, each set in id
   * order (the API's lock order; two bulk requests cannot deadlock). The reports are folded in
   * memory over the rows read under those locks (several reports of one operation each see the
   * one before), then written set-wise: one UPDATE of the operations, one of the hosts, one read
   * back — a constant number of statements whatever the size of the batch. The 404 / 409 of one
   * report becomes its outcome and writes nothing, so it loses none of the others. The database
   * failing rolls the whole request back: 503, the worker resends it.
   */
  applyReports(reports: BulkStatusReport[]): Promise<BulkReportOutcome[]> {
    const ids = reports.map((r) => r.id.toLowerCase());
    return this.serialise([...new Set(ids)], async () => {
      let settled: SettledBatch;
      try {
        settled = await this.prisma.$transaction(
          async (tx) => {
            const locked = await lockOperations(tx, ids);
            const batch = foldReports(reports, ids, locked);
            await writeOperations(tx, batch.operations, locked.ops);
            await writeHosts(tx, batch.hosts);
            return settle(batch, await readOperations(tx, [...batch.operations.keys()]));
          },
          { timeout: BULK_TRANSACTION_TIMEOUT_MS },
        );
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        this.logger.warn(`bulk status report of ${reports.length} rolled back: ${(err as Error).message}`);
        throw new ApiError(
          503,
          'SERVICE_UNAVAILABLE',
          'database unavailable: no report was stored; resend the request',
        );
      }
      const { outcomes, changes } = settled;
      if (changes.some((c) => c.op.status === 'retrying')) this.relay.wake();
      for (const change of changes) this.emitChange(change);
      return outcomes;
    });
  }

  /**
   * POST /operations/provision/:id/retry and /operations/macct/:id/retry (a user): only a failed
   * operation of that type that has tries left and (provisioning) is still the host's latest change — retrying an older one would put stale
   * data on the DC (DOMAIN.md §8). The new try is published through the outbox.
   */
  retryByUser(id: string, type: OperationType = 'provision_host'): Promise<Operation> {
    return this.serialise([id], async () => {
      const applied = await this.prisma.$transaction(async (tx): Promise<Applied> => {
        const op = await lockOperation(tx, id);
        if (op.type !== type) {
          throw ApiError.notFound(
            `${type === 'macct_repair' ? 'machine-account repair' : 'provisioning'} operation ${id}`,
          );
        }
        if (op.status !== 'failed') {
          throw new ApiError(409, 'RETRY_NOT_ALLOWED', `only failed operations can be retried; ${id} is ${op.status}`);
        }
        if (op.attempt >= op.maxAttempts) {
          throw new ApiError(
            409,
            'RETRY_LIMIT_REACHED',
            `operation ${id} already had ${op.attempt} of ${op.maxAttempts} attempts; queue a new one with POST /operations/provision`,
          );
        }
        const newer = op.type === 'provision_host' ? await newerOperation(tx, op) : null;
        if (newer) {
          throw new ApiError(
            409,
            'RETRY_NOT_ALLOWED',
            `operation ${id} was superseded by operation ${newer.id} for host ${newer.targetHost}; retrying it would put stale data on the DC`,
          );
        }
        const updated = await tx.operation.update({
          where: { id },
          data: { status: 'retrying', publishedAt: null, streamId: null, completedAt: null },
        });
        return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
      });
      this.relay.wake();
      this.emitChange(applied);
      return applied.op;
    });
  }

  /**
   * POST /internal/operations/:id/retry (the worker, after a transient failure). With tries left
   * the operation goes to `retrying` and is published again through the outbox; past the bound it
   * is XADDed to `linbo:jobs:dlq` and fails with "gave up after N attempts: <last error>" (DOMAIN.md §8).
   * The try that just ended is counted here if the worker never reported it `running`. Repeating
   * the call returns the same outcome without publishing twice.
   */
  retryByWorker(id: string, lastError?: string): Promise<WorkerRetryOutcome> {
    return this.serialise([id], async () => {
      let outcome: WorkerRetryOutcome | undefined;
      const applied = await this.prisma.$transaction(async (tx): Promise<Applied> => {
        const op = await lockOperation(tx, id);
        if (op.status === 'retrying') {
          outcome = { retried: true, attempt: op.attempt };
          return { op, changed: false, provisionStatus: null };
        }
        if (op.status === 'failed' && isDeadLettered(op)) {
          outcome = { retried: false, deadLettered: true, attempt: op.attempt };
          return { op, changed: false, provisionStatus: null };
        }
        if (op.status === 'completed' || op.status === 'cancelled') {
          throw new ApiError(409, 'RETRY_NOT_ALLOWED', `operation ${id} is ${op.status}; nothing to retry`);
        }
        const now = new Date();
        if (op.type === 'provision_host') {
          const newer = await newerOperation(tx, op);
          if (newer) {
            // a newer change of the host is queued: this try must not run again (DOMAIN.md §8)
            const updated = await tx.operation.update({
              where: { id },
              data: {
                status: 'cancelled',
                completedAt: now,
                error: `superseded by operation ${newer.id}; not retried`,
              },
            });
            outcome = { retried: false, superseded: true, supersededBy: newer.id };
            return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
          }
        }
        const tries = op.status === 'pending' ? op.attempt + 1 : op.attempt;
        const error = lastError?.trim() || op.error || 'unknown error';
        if (tries < op.maxAttempts) {
          const updated = await tx.operation.update({
            where: { id },
            data: { status: 'retrying', attempt: tries, error, publishedAt: null, streamId: null, completedAt: null },
          });
          outcome = { retried: true, attempt: tries };
          return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
        }
        const message = `gave up after ${tries} attempts: ${error}`;
        try {
          await this.producer.add(JOBS_DLQ_STREAM, [
            ...encodeJobPayload(payloadOf({ ...op, attempt: tries - 1, target_host: op.targetHost })),
            'reason',
            message,
            'failed_at',
            now.toISOString(),
            'source',
            'api',
          ]);
        } catch (err) {
          // nothing is changed: the worker repeats the call once Redis is back
          throw new ApiError(
            503,
            'SERVICE_UNAVAILABLE',
            `cannot dead-letter operation ${id}: ${(err as Error).message}`,
          );
        }
        const result = { ...(asObject(op.result) ?? {}), code: 'DEAD_LETTERED', deadLettered: true };
        const updated = await tx.operation.update({
          where: { id },
          data: { status: 'failed', attempt: tries, error: message, completedAt: now, result },
        });
        outcome = { retried: false, deadLettered: true, attempt: tries };
        return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
      });
      if (applied.changed && applied.op.status === 'retrying') this.relay.wake();
      this.emitChange(applied);
      return outcome!;
    });
  }

  private emitChange(applied: Applied): void {
    if (!applied.changed) return;
    const data = jobEventData(applied.op, applied.provisionStatus);
    this.events.emit('provision.job.updated', data);
    if (applied.op.status === 'failed') this.events.emit('provision.job.failed', data);
  }

  /**
   * Runs changes of the same operations one after the other, so their events leave in commit
   * order; a bulk report waits for (and holds back) every operation it names.
   */
  private serialise<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    const previous = Promise.all(keys.map((key) => this.chains.get(key)));
    const next = previous.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) this.chains.set(key, tail);
    void tail.then(() => {
      for (const key of keys) if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }
}

/**
 * The transition rules of a worker's status report (DOMAIN.md §8), shared by the single and the bulk
 * route: the update to write, or null for an idempotent repeat or a late `running` after a
 * terminal status (a redelivered message). 409 INVALID_TRANSITION for any other illegal move.
 * `report.attempt` is informational: the API counts tries itself, once per try.
 */
export function planReport(op: Operation, report: StatusReport): ReportUpdate | null {
  const { id, status: from } = op;
  const to = report.status;
  const verdict = checkTransition(from, to);
  if (verdict === 'noop' || (verdict === 'reject' && to === 'running' && isTerminal(from))) return null;
  if (verdict === 'reject') {
    throw new ApiError(409, 'INVALID_TRANSITION', `operation ${id} cannot move from ${from} to ${to}`, { from, to });
  }
  const now = new Date();
  const data: ReportUpdate = { status: to };
  if (countsAttempt(from, to)) data.attempt = { increment: 1 };
  if (startsAttempt(from, to)) data.startedAt = now;
  if (isTerminal(to)) data.completedAt = now;
  if (report.result !== undefined) data.result = report.result as Prisma.InputJsonValue;
  if (to === 'failed') data.error = report.error?.trim() || 'the worker reported a failure without a message';
  if (to === 'completed') data.error = null;
  if (to === 'retrying') {
    // failed → retrying by report is a retry like any other: bounded, and published again
    if (op.attempt >= op.maxAttempts) {
      throw new ApiError(
        409,
        'RETRY_LIMIT_REACHED',
        `operation ${id} already had ${op.attempt} of ${op.maxAttempts} attempts`,
      );
    }
    Object.assign(data, { publishedAt: null, streamId: null, completedAt: null });
  }
  return data;
}

/** A try ended without a `running` report (pending/retrying → completed/failed) still counts once. */
export function countsAttempt(from: OperationStatus, to: OperationStatus): boolean {
  return (
    startsAttempt(from, to) || ((from === 'pending' || from === 'retrying') && (to === 'completed' || to === 'failed'))
  );
}

/** Locks the operation's host (if any) and then the operation: the lock order of the whole API. */
async function lockOperation(tx: Prisma.TransactionClient, id: string): Promise<Operation> {
  const peek = await tx.operation.findUnique({ where: { id }, select: { hostId: true } });
  if (!peek) throw ApiError.notFound(`operation ${id}`);
  if (peek.hostId) await tx.$queryRaw`SELECT 1 FROM hosts WHERE id = ${peek.hostId}::uuid FOR UPDATE`;
  await tx.$queryRaw`SELECT 1 FROM operations WHERE id = ${id}::uuid FOR UPDATE`;
  return tx.operation.findUniqueOrThrow({ where: { id } });
}

interface HostState {
  provisionOpId: string | null;
  provisionStatus: ProvisionStatus | null;
}

interface LockedRows {
  ops: Map<string, Operation>;
  hosts: Map<string, HostState>;
}

/**
 * lockOperation for many: every host, then every operation, each set in id order. Returns the
 * operations and their hosts' provisioning state (read under the lock) by id.
 */
async function lockOperations(tx: Prisma.TransactionClient, ids: string[]): Promise<LockedRows> {
  const unique = [...new Set(ids)].sort();
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
  await tx.$queryRaw`SELECT 1 FROM operations WHERE id = ANY(${unique}::uuid[]) ORDER BY id FOR UPDATE`;
  const ops = await tx.operation.findMany({ where: { id: { in: unique } } });
  return { ops: new Map(ops.map((op) => [op.id, op])), hosts };
}

/**
 * DOMAIN.md §8: only the operation named in host.provisionOpId changes host.provisionStatus. Returns
 * the host's provisionStatus after the change (null when the host is gone).
 */
async function applyToHost(tx: Prisma.TransactionClient, op: Operation): Promise<ProvisionStatus | null> {
  if (!op.hostId) return null;
  const host = await tx.host.findUnique({
    where: { id: op.hostId },
    select: { provisionOpId: true, provisionStatus: true },
  });
  if (!host) return null;
  const change = hostChangeBy(op, host);
  if (!change) return host.provisionStatus;
  await tx.host.update({ where: { id: op.hostId }, data: change });
  return change.provisionStatus;
}

interface HostChange {
  provisionStatus: ProvisionStatus;
  provisionError: string | null;
}

/** What `op` (just changed) does to its host: nothing unless it is the host's provisionOpId (DOMAIN.md §8). */
function hostChangeBy(op: Operation, host: HostState): HostChange | undefined {
  if (host.provisionOpId !== op.id) return undefined;
  const dryRun = (op.options as { dryRun?: unknown } | null)?.dryRun === true;
  const next = hostStatusFor(op.status, dryRun);
  if (next === undefined) return undefined;
  return { provisionStatus: next, provisionError: op.status === 'failed' ? op.error : null };
}

/** The outcome of one bulk report, with the operation as a row until the batch is settled. */
type Verdict =
  | Extract<BulkReportOutcome, { outcome: 'not_found' }>
  | { id: string; outcome: 'rejected'; op: Operation; error: { code: ApiErrorCode; message: string } }
  | { id: string; outcome: 'stored'; changed: boolean; op: Operation };

interface HostWrite extends HostChange {
  updatedAt: Date;
}

/** A bulk report folded in memory: what to answer, what to emit, and the last state to write. */
interface FoldedBatch {
  verdicts: Verdict[];
  changes: Applied[];
  /** the last state of every changed operation, by id */
  operations: Map<string, Operation>;
  /** the last state of every changed host, by id */
  hosts: Map<string, HostWrite>;
}

interface SettledBatch {
  outcomes: BulkReportOutcome[];
  changes: Applied[];
}

/**
 * Applies the reports in request order to in-memory copies of the locked rows, exactly as
 * applyReport would one after the other: each report sees the state the ones before it left.
 */
function foldReports(reports: BulkStatusReport[], ids: string[], locked: LockedRows): FoldedBatch {
  const current = new Map(locked.ops);
  const batch: FoldedBatch = { verdicts: [], changes: [], operations: new Map(), hosts: new Map() };
  for (const [i, { id: given, ...report }] of reports.entries()) {
    const op = current.get(ids[i]);
    if (!op) {
      batch.verdicts.push({
        id: given,
        outcome: 'not_found',
        error: { code: 'NOT_FOUND', message: `operation ${ids[i]} not found` },
      });
      continue;
    }
    let data: ReportUpdate | null;
    try {
      data = planReport(op, report);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      batch.verdicts.push({ id: given, outcome: 'rejected', op, error: { code: err.code, message: err.message } });
      continue;
    }
    if (!data) {
      batch.verdicts.push({ id: given, outcome: 'stored', changed: false, op });
      continue;
    }
    const updated = applyReportUpdate(op, data);
    current.set(updated.id, updated);
    batch.operations.set(updated.id, updated);
    const provisionStatus = foldIntoHost(batch.hosts, locked.hosts, updated);
    batch.changes.push({ op: updated, changed: true, provisionStatus });
    batch.verdicts.push({ id: given, outcome: 'stored', changed: true, op: updated });
  }
  return batch;
}

/** applyToHost in memory: the host's provisionStatus after `op` changed (null when it is gone). */
function foldIntoHost(
  writes: Map<string, HostWrite>,
  hosts: Map<string, HostState>,
  op: Operation,
): ProvisionStatus | null {
  if (!op.hostId) return null;
  const host = hosts.get(op.hostId);
  if (!host) return null;
  const change = hostChangeBy(op, host);
  if (!change) return host.provisionStatus;
  host.provisionStatus = change.provisionStatus;
  writes.set(op.hostId, { ...change, updatedAt: new Date() });
  return change.provisionStatus;
}

/**
 * One UPDATE for every changed operation: the folded rows' mutable columns (the rows are locked,
 * so the attempt counted from them is current). A result is sent only when a report set one: an
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
  if (count !== rows.size) throw new Error(`bulk status report: ${count} of ${rows.size} operations written`);
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

/**
 * The answer and the events of a folded batch. An operation's last state is shown as read back;
 * an intermediate one (a report followed by another of the same operation) as folded.
 */
function settle(batch: FoldedBatch, stored: Map<string, Operation>): SettledBatch {
  const row = (op: Operation) => (batch.operations.get(op.id) === op ? (stored.get(op.id) ?? op) : op);
  const outcomes = batch.verdicts.map((v): BulkReportOutcome => {
    if (v.outcome === 'not_found') return v;
    const operation = toOperationView(row(v.op));
    return v.outcome === 'rejected'
      ? { id: v.id, outcome: v.outcome, operation, error: v.error }
      : { id: v.id, outcome: v.outcome, changed: v.changed, operation };
  });
  return { outcomes, changes: batch.changes.map((c) => ({ ...c, op: row(c.op) })) };
}

/** The first provisioning operation queued after `op` for the same host or the same name. */
function newerOperation(tx: Prisma.TransactionClient, op: Operation): Promise<Operation | null> {
  const sameHost: Prisma.OperationWhereInput[] = [{ targetHost: op.targetHost }];
  if (op.hostId) sameHost.push({ hostId: op.hostId });
  return tx.operation.findFirst({
    where: { type: 'provision_host', seq: { gt: op.seq }, OR: sameHost },
    orderBy: { seq: 'asc' },
  });
}

function isDeadLettered(op: Operation): boolean {
  return asObject(op.result)?.deadLettered === true;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
