import { Injectable, Logger } from '@nestjs/common';
import {
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

export interface AppliedReport {
  operation: Operation;
  /** false for an idempotent repeat or a late `running` after a terminal status */
  changed: boolean;
}

export type WorkerRetryOutcome =
  | { retried: true; attempt: number }
  | { retried: false; deadLettered: true; attempt: number }
  | { retried: false; superseded: true; supersededBy: string };

interface Applied {
  op: Operation;
  changed: boolean;
  provisionStatus: ProvisionStatus | null;
}

/**
 * Moves operations through their lifecycle (SPEC §8): worker status reports, user retries and
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
    return this.serialise(id, async () => {
      const applied = await this.prisma.$transaction(async (tx): Promise<Applied> => {
        const op = await lockOperation(tx, id);
        const from = op.status;
        const to = report.status;
        const verdict = checkTransition(from, to);
        if (verdict === 'noop' || (verdict === 'reject' && to === 'running' && isTerminal(from))) {
          return { op, changed: false, provisionStatus: null };
        }
        if (verdict === 'reject') {
          throw new ApiError(409, 'INVALID_TRANSITION', `operation ${id} cannot move from ${from} to ${to}`, {
            from,
            to,
          });
        }
        const now = new Date();
        const data: Prisma.OperationUpdateInput = { status: to };
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
        const updated = await tx.operation.update({ where: { id }, data });
        return { op: updated, changed: true, provisionStatus: await applyToHost(tx, updated) };
      });
      if (applied.changed && applied.op.status === 'retrying') this.relay.wake();
      this.emitChange(applied);
      return { operation: applied.op, changed: applied.changed };
    });
  }

  /**
   * PATCH /internal/operations/status: each report goes through applyReport — the same transition
   * check, attempt counting, host sync and events as the single route — one after the other in the
   * request's order, each in its own transaction, so a rejected report loses none of the others.
   * The 404 / 409 of one report becomes its outcome. The database failing stops the request with
   * 503: the worker resends it, and the reports already stored come back as idempotent repeats.
   */
  async applyReports(reports: BulkStatusReport[]): Promise<BulkReportOutcome[]> {
    const outcomes: BulkReportOutcome[] = [];
    for (const [index, { id, ...report }] of reports.entries()) {
      try {
        outcomes.push(await this.reportOutcome(id, report));
      } catch (err) {
        if (!isDatabaseUnavailable(err)) throw err;
        this.logger.warn(`status reports stopped at ${index + 1} of ${reports.length}: ${(err as Error).message}`);
        throw new ApiError(
          503,
          'SERVICE_UNAVAILABLE',
          `database unavailable: ${index} of ${reports.length} reports stored; resend the request`,
        );
      }
    }
    return outcomes;
  }

  private async reportOutcome(id: string, report: StatusReport): Promise<BulkReportOutcome> {
    try {
      const { operation, changed } = await this.applyReport(id, report);
      return { id, outcome: 'stored', changed, operation: toOperationView(operation) };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const error = { code: err.code, message: err.message };
      if (err.getStatus() === 404) return { id, outcome: 'not_found', error };
      if (err.getStatus() !== 409) throw err;
      // the single route answers 409 with the reason only; the worker also wants the real status
      const current = await this.prisma.operation.findUnique({ where: { id } });
      return current
        ? { id, outcome: 'rejected', operation: toOperationView(current), error }
        : { id, outcome: 'rejected', error };
    }
  }

  /**
   * POST /operations/provision/:id/retry and /operations/macct/:id/retry (a user): only a failed
   * operation of that type that has tries left and (provisioning) is still the host's latest change — retrying an older one would put stale
   * data on the DC (SPEC §8). The new try is published through the outbox.
   */
  retryByUser(id: string, type: OperationType = 'provision_host'): Promise<Operation> {
    return this.serialise(id, async () => {
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
   * is XADDed to `linbo:jobs:dlq` and fails with "gave up after N attempts: <last error>" (SPEC §8).
   * The try that just ended is counted here if the worker never reported it `running`. Repeating
   * the call returns the same outcome without publishing twice.
   */
  retryByWorker(id: string, lastError?: string): Promise<WorkerRetryOutcome> {
    return this.serialise(id, async () => {
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
            // a newer change of the host is queued: this try must not run again (SPEC §8)
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

  /** Runs changes of one operation one after the other, so their events leave in commit order. */
  private serialise<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.then(
      () => undefined,
      () => undefined,
    );
    this.chains.set(key, tail);
    void tail.then(() => {
      if (this.chains.get(key) === tail) this.chains.delete(key);
    });
    return next;
  }
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

/**
 * SPEC §8: only the operation named in host.provisionOpId changes host.provisionStatus. Returns
 * the host's provisionStatus after the change (null when the host is gone).
 */
async function applyToHost(tx: Prisma.TransactionClient, op: Operation): Promise<ProvisionStatus | null> {
  if (!op.hostId) return null;
  const host = await tx.host.findUnique({
    where: { id: op.hostId },
    select: { provisionOpId: true, provisionStatus: true },
  });
  if (!host) return null;
  if (host.provisionOpId !== op.id) return host.provisionStatus;
  const dryRun = (op.options as { dryRun?: unknown } | null)?.dryRun === true;
  const next = hostStatusFor(op.status, dryRun);
  if (next === undefined) return host.provisionStatus;
  await tx.host.update({
    where: { id: op.hostId },
    data: { provisionStatus: next, provisionError: op.status === 'failed' ? op.error : null },
  });
  return next;
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
