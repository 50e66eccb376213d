import { Injectable } from '@nestjs/common';

import {
  BulkReportOutcome,
  BulkStatusReport,
  encodeJobPayload,
  JOBS_DLQ_STREAM,
  StatusReport,
  WorkerRetryOutcome,
} from '@app/provisioning';
import { StreamProducer } from '@app/redis-streams';

import { ApiError } from '../common/api-error';
import { EventsService } from '../events/events.service';
import { Operation, OperationType } from '../generated/prisma/client';
import { jobEventData } from './job-events';
import { toOperationView } from './operation.view';
import { OperationStatusRepository } from './operation-status.repository';
import { OutboxRelay, payloadOf } from './outbox.relay';
import { Change, copyState, emptyBatch, foldReports, foldUpdate, settle, Verdict } from './report-fold';
import { DeadLetter, planUserRetry, planWorkerRetry, Refusal } from './status-rules';

export type { WorkerRetryOutcome } from '@app/provisioning';

export interface AppliedReport {
  operation: Operation;
  /** false for an idempotent repeat or a late `running` after a terminal status */
  changed: boolean;
}

/**
 * Moves operations through their lifecycle (DOMAIN.md §8): worker status reports, user retries and
 * worker retries. One path for all of them: lock the rows (OperationStatusRepository), plan each
 * change by the rules (status-rules.ts), fold the plans over the locked rows and write them
 * set-wise (report-fold.ts), then — after commit — emit provision.job.updated (+ .failed) in
 * order. Changes of one operation are also serialised in-process, so their events leave in
 * commit order. A database outage rolls the whole change back (503 from the exception filter).
 */
@Injectable()
export class OperationStatusService {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: OperationStatusRepository,
    private readonly events: EventsService,
    private readonly relay: OutboxRelay,
    private readonly producer: StreamProducer,
  ) {}

  /**
   * PATCH /internal/operations/:id/status: a bulk report of one. Idempotent; a late `running`
   * after a terminal status is acknowledged without change; an illegal move is 409.
   */
  async applyReport(id: string, report: StatusReport): Promise<AppliedReport> {
    const [verdict] = await this.fold([{ ...report, id }]);
    if (verdict.outcome === 'not_found') throw ApiError.notFound(`operation ${id}`);
    if (verdict.outcome === 'rejected') throw refusalError(verdict.refusal);
    return { operation: verdict.op, changed: verdict.changed };
  }

  /**
   * PATCH /internal/operations/status: the reports of a batch, applied in the request's order in
   * ONE transaction, a constant number of statements whatever its size. The 404 / 409 of one
   * report becomes its outcome and writes nothing, so it loses none of the others.
   */
  async applyReports(reports: BulkStatusReport[]): Promise<BulkReportOutcome[]> {
    return (await this.fold(reports)).map((v): BulkReportOutcome => {
      if (v.outcome === 'not_found')
        return { id: v.id, outcome: v.outcome, error: { code: 'NOT_FOUND', message: v.message } };
      const operation = toOperationView(v.op);
      if (v.outcome === 'stored') return { id: v.id, outcome: v.outcome, changed: v.changed, operation };
      return { id: v.id, outcome: v.outcome, operation, error: { code: v.refusal.code, message: v.refusal.message } };
    });
  }

  /**
   * POST /operations/provision/:id/retry and /operations/macct/:id/retry (a user): see
   * planUserRetry. The new try is published through the outbox.
   */
  retryByUser(id: string, type: OperationType = 'provision_host'): Promise<Operation> {
    const key = id.toLowerCase();
    return this.serialise([key], async () => {
      const changes = await this.store.withLocked([key], async (locked, tx) => {
        const op = locked.ops.get(key);
        if (!op) throw ApiError.notFound(`operation ${id}`);
        const newer = op.type === 'provision_host' ? await tx.newerOperation(op) : null;
        const plan = planUserRetry(op, type, newer);
        if (plan.kind === 'refuse') throw refusalError(plan.refusal);
        const batch = emptyBatch();
        foldUpdate(batch, copyState(locked), op, plan.update);
        return settle(batch, await tx.save(batch)).changes;
      });
      this.afterCommit(changes);
      return changes[0].op;
    });
  }

  /**
   * POST /internal/operations/:id/retry (the worker, after a transient failure): see
   * planWorkerRetry. Past the bound the job is XADDed to `linbo:jobs:dlq` before the operation is
   * failed (DOMAIN.md §8); Redis refusing it changes nothing (503, the worker repeats the call).
   */
  retryByWorker(id: string, lastError?: string): Promise<WorkerRetryOutcome> {
    const key = id.toLowerCase();
    return this.serialise([key], async () => {
      const { outcome, changes } = await this.store.withLocked([key], async (locked, tx) => {
        const op = locked.ops.get(key);
        if (!op) throw ApiError.notFound(`operation ${id}`);
        const newer = op.type === 'provision_host' ? await tx.newerOperation(op) : null;
        const now = new Date();
        const plan = planWorkerRetry(op, newer, lastError, now);
        if (plan.kind === 'refuse') throw refusalError(plan.refusal);
        if (plan.kind === 'keep') return { outcome: plan.outcome, changes: [] };
        if (plan.deadLetter) await this.deadLetter(op, plan.deadLetter, now);
        const batch = emptyBatch();
        foldUpdate(batch, copyState(locked), op, plan.update);
        return { outcome: plan.outcome, changes: settle(batch, await tx.save(batch)).changes };
      });
      this.afterCommit(changes);
      return outcome;
    });
  }

  /** Applies status reports in order, under one lock of every operation they name. */
  private fold(reports: BulkStatusReport[]): Promise<Verdict[]> {
    const ids = [...new Set(reports.map((r) => r.id.toLowerCase()))];
    return this.serialise(ids, async () => {
      const { verdicts, changes } = await this.store.withLocked(ids, async (locked, tx) => {
        const batch = foldReports(reports, locked);
        return settle(batch, await tx.save(batch));
      });
      this.afterCommit(changes);
      return verdicts;
    });
  }

  /** The job of the try that just ended into the dead-letter stream, with its reason. */
  private async deadLetter(op: Operation, { tries, reason }: DeadLetter, now: Date): Promise<void> {
    try {
      await this.producer.add(JOBS_DLQ_STREAM, [
        ...encodeJobPayload(payloadOf({ ...op, attempt: tries - 1, target_host: op.targetHost })),
        'reason',
        reason,
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
        `cannot dead-letter operation ${op.id}: ${(err as Error).message}`,
      );
    }
  }

  /** After commit: publish new tries now (not at the next poll), then the events in order (DOMAIN.md §7). */
  private afterCommit(changes: Change[]): void {
    if (changes.some((c) => c.op.status === 'retrying')) this.relay.wake();
    for (const { op, provisionStatus } of changes) {
      const data = jobEventData(op, provisionStatus);
      this.events.emit('provision.job.updated', data);
      if (op.status === 'failed') this.events.emit('provision.job.failed', data);
    }
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

function refusalError(refusal: Refusal): ApiError {
  return new ApiError(refusal.status, refusal.code, refusal.message, refusal.details);
}
