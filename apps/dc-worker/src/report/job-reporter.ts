import { Inject, Injectable } from '@nestjs/common';

import { BulkStatusReport, JobErrorCode, SkipReason, StatusReport } from '@app/provisioning';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { QueuedJob, StreamConsumer } from '../consumer/stream-consumer';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import type { AckPort, ReportsPort } from '../pipeline/ports';
import { faultPoint } from '../processors/fault-injection';
import { mapLimit } from '../processors/map-limit';
import { ApiClient, BulkReportResult, heldStatus } from './api-client';

/** Worker-initiated retries in flight at once (each is its own POST; rare). */
const RETRY_CONCURRENCY = 8;

/** A terminal verdict for one job, reported and then ACKed. */
export type JobVerdict =
  | { status: 'completed'; result: Record<string, unknown> }
  | { status: 'failed'; code: JobErrorCode; message: string; result?: Record<string, unknown> }
  | { status: 'cancelled'; message: string; result?: Record<string, unknown> }
  /** transient (DOMAIN.md §8): ask the API for another bounded try instead of failing for good */
  | { status: 'retry'; code: JobErrorCode; message: string };

/** A verdict the API stores as a status (completed, failed, cancelled). */
export type TerminalVerdict = Exclude<JobVerdict, { status: 'retry' }>;

/** A job ACKed without a status report: why (the contract's SkipReason), and the log's message. */
export interface Skip {
  reason: SkipReason;
  message: string;
}

export function failed(
  code: JobErrorCode,
  message: string,
  result?: Record<string, unknown>,
): Extract<JobVerdict, { status: 'failed' }> {
  return { status: 'failed', code, message, result };
}

/**
 * DOMAIN.md §9 step 9: report each terminal status (retried by ApiClient until stored), then XACK.
 * Never ACK before the report is stored (scenario 15); a report the API refuses for good (409,
 * 404) is final, so the message is ACKed too.
 */
@Injectable()
export class JobReporter {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Inject(ApiClient) private readonly api: ReportsPort,
    @Inject(StreamConsumer) private readonly consumer: AckPort,
    private readonly metrics: WorkerMetrics,
  ) {}

  async finish(job: QueuedJob, verdict: JobVerdict): Promise<void> {
    await this.finishMany([[job, verdict]]);
  }

  /**
   * A batch's verdicts: the terminal statuses in one bulk report (ApiClient.reportMany, retried
   * until every item has a final answer), retries through the API one by one, then one XACK for
   * all. Nothing is ACKed before every report of the call is stored or refused for good.
   */
  async finishMany(verdicts: Array<[QueuedJob, JobVerdict]>): Promise<void> {
    if (verdicts.length === 0) return;
    const retries = verdicts.filter(([, v]) => v.status === 'retry');
    const terminal = verdicts.filter((e): e is [QueuedJob, TerminalVerdict] => e[1].status !== 'retry');
    await mapLimit(retries, RETRY_CONCURRENCY, async ([job, verdict]) => {
      if (verdict.status !== 'retry') return;
      const opId = job.payload.operation_id;
      const error = `${verdict.code}: ${verdict.message}`;
      const { outcome, data } = await this.api.retry(opId, error);
      this.logger.warn(
        { operationId: opId, streamId: job.id, error, outcome, retry: data },
        'job handed to the API for a retry',
      );
      const deadLettered = data !== undefined && 'deadLettered' in data;
      this.metrics.jobFinished(deadLettered ? 'failed' : 'retried');
      if (deadLettered) this.metrics.deadLettered('retry_limit');
    });
    const reports: BulkStatusReport[] = terminal.map(([job, verdict]) => ({
      id: job.payload.operation_id,
      ...statusReportOf(verdict),
    }));
    const results = reports.length ? await this.api.reportMany(reports) : [];
    this.reported(terminal, reports, results);
    faultPoint(this.config, this.logger, 'before-ack');
    await this.ack(verdicts.map(([job]) => job));
  }

  private reported(
    terminal: Array<[QueuedJob, TerminalVerdict]>,
    reports: BulkStatusReport[],
    results: BulkReportResult[],
  ): void {
    terminal.forEach(([job, verdict], i) => {
      const log = {
        operationId: job.payload.operation_id,
        streamId: job.id,
        status: verdict.status,
        report: results[i].outcome,
      };
      if (verdict.status === 'failed') this.logger.warn({ ...log, error: reports[i].error }, 'job failed');
      else this.logger.info(log, `job ${verdict.status}`);
      this.metrics.jobFinished(verdict.status);
    });
  }

  /** The job needs no status change (already terminal, unknown operation): just ACK it. */
  async skip(job: QueuedJob, skip: Skip): Promise<void> {
    await this.skipMany([[job, skip]]);
  }

  /** Several skips, one XACK. */
  async skipMany(skips: Array<[QueuedJob, Skip]>): Promise<void> {
    if (skips.length === 0) return;
    for (const [job, { reason, message }] of skips) {
      this.logger.info(
        { operationId: job.payload.operation_id, streamId: job.id, reason, why: message },
        'job skipped',
      );
    }
    await this.ack(skips.map(([job]) => job));
  }

  /**
   * An ACK that fails (Redis briefly away) must not turn a finished job into a failure: the entry
   * stays pending, comes back after a restart or claim, finds its operation terminal and is ACKed
   * then (at-least-once delivery, idempotent handling).
   */
  private async ack(jobs: QueuedJob[]): Promise<void> {
    try {
      await this.consumer.ack(...jobs);
    } catch (err) {
      this.logger.error(
        {
          operationIds: jobs.map((j) => j.payload.operation_id),
          streamIds: jobs.map((j) => j.id),
          err: (err as Error).message,
        },
        'XACK failed; the entries stay pending and are settled on redelivery',
      );
    }
  }

  /**
   * Reports `running`; true only when the API now holds `running` (also on a redelivery after a
   * crash, when it already did). A 200 carrying another status — the operation was cancelled
   * (superseded) or finished between our fetch and this report — or a refusal means: do not run it.
   */
  async running(job: QueuedJob): Promise<boolean> {
    return (await this.runningMany([job]))[0];
  }

  /**
   * `running` for a batch in one bulk report; per job whether the API now holds `running`. Jobs
   * already settled before running (superseded in the batch, not a provision job) go first in the
   * same request — applied in order, as if reported one by one — and are ACKed once stored.
   */
  async runningMany(jobs: QueuedJob[], settle: Array<[QueuedJob, TerminalVerdict]> = []): Promise<boolean[]> {
    if (jobs.length === 0 && settle.length === 0) return [];
    const reports: BulkStatusReport[] = [
      ...settle.map(([job, verdict]) => ({ id: job.payload.operation_id, ...statusReportOf(verdict) })),
      ...jobs.map((j): BulkStatusReport => ({ id: j.payload.operation_id, status: 'running' })),
    ];
    const results = await this.api.reportMany(reports);
    this.reported(settle, reports, results);
    if (settle.length) {
      faultPoint(this.config, this.logger, 'before-ack');
      await this.ack(settle.map(([job]) => job));
    }
    return jobs.map((job, i) => {
      const result = results[settle.length + i];
      const stored = heldStatus(this.logger, result);
      if (stored !== 'running') {
        this.logger.info(
          { operationId: job.payload.operation_id, streamId: job.id, stored, outcome: result.outcome },
          'running not taken by the API; the job is not run',
        );
      }
      return stored === 'running';
    });
  }
}

/** The status report for a terminal verdict (failures carry their code in error and result). */
export function statusReportOf(verdict: TerminalVerdict): StatusReport {
  if (verdict.status === 'completed') return { status: 'completed', result: verdict.result };
  if (verdict.status === 'failed') {
    return {
      status: 'failed',
      error: `${verdict.code}: ${verdict.message}`,
      result: { ...verdict.result, code: verdict.code },
    };
  }
  return { status: 'cancelled', error: verdict.message, result: verdict.result };
}
