import { Inject, Injectable } from '@nestjs/common';
import { JobErrorCode, StatusReport } from '@app/provisioning';
import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { QueuedJob, StreamConsumer } from '../consumer/stream-consumer';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ApiClient } from '../report/api-client';
import { faultPoint } from './fault-injection';

/** A terminal verdict for one job, reported and then ACKed. */
export type JobVerdict =
  | { status: 'completed'; result: Record<string, unknown> }
  | { status: 'failed'; code: JobErrorCode; message: string; result?: Record<string, unknown> }
  | { status: 'cancelled'; message: string; result?: Record<string, unknown> }
  /** transient (SPEC §8): ask the API for another bounded try instead of failing for good */
  | { status: 'retry'; code: JobErrorCode; message: string };

export function failed(code: JobErrorCode, message: string, result?: Record<string, unknown>): JobVerdict {
  return { status: 'failed', code, message, result };
}

/**
 * SPEC §9 step 9: report each terminal status (retried by ApiClient until stored), then XACK.
 * Never ACK before the report is stored (scenario 15); a report the API refuses for good (409,
 * 404) is final, so the message is ACKed too.
 */
@Injectable()
export class JobReporter {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly api: ApiClient,
    private readonly consumer: StreamConsumer,
    private readonly metrics: WorkerMetrics,
  ) {}

  async finish(job: QueuedJob, verdict: JobVerdict): Promise<void> {
    const opId = job.payload.operation_id;
    if (verdict.status === 'retry') {
      const error = `${verdict.code}: ${verdict.message}`;
      const { outcome, data } = await this.api.retry(opId, error);
      this.logger.warn(
        { operationId: opId, streamId: job.id, error, outcome, retry: data },
        'job handed to the API for a retry',
      );
      this.metrics.jobFinished(data?.deadLettered ? 'failed' : 'retried');
      if (data?.deadLettered) this.metrics.deadLettered('retry_limit');
      faultPoint(this.config, this.logger, 'before-ack');
      await this.ack(job);
      return;
    }
    const report: StatusReport =
      verdict.status === 'completed'
        ? { status: 'completed', result: verdict.result }
        : verdict.status === 'failed'
          ? {
              status: 'failed',
              error: `${verdict.code}: ${verdict.message}`,
              result: { ...verdict.result, code: verdict.code },
            }
          : { status: 'cancelled', error: verdict.message, result: verdict.result };
    const outcome = await this.api.report(opId, report);
    const log = { operationId: opId, streamId: job.id, status: verdict.status, report: outcome };
    if (verdict.status === 'failed') this.logger.warn({ ...log, error: report.error }, 'job failed');
    else this.logger.info(log, `job ${verdict.status}`);
    this.metrics.jobFinished(verdict.status);
    faultPoint(this.config, this.logger, 'before-ack');
    await this.ack(job);
  }

  /** The job needs no status change (already terminal, unknown operation): just ACK it. */
  async skip(job: QueuedJob, why: string): Promise<void> {
    this.logger.info({ operationId: job.payload.operation_id, streamId: job.id, why }, 'job skipped');
    await this.ack(job);
  }

  /**
   * An ACK that fails (Redis briefly away) must not turn a finished job into a failure: the entry
   * stays pending, comes back after a restart or claim, finds its operation terminal and is ACKed
   * then (at-least-once delivery, idempotent handling).
   */
  private async ack(job: QueuedJob): Promise<void> {
    try {
      await this.consumer.ack(job.id);
    } catch (err) {
      this.logger.error(
        { operationId: job.payload.operation_id, streamId: job.id, err: (err as Error).message },
        'XACK failed; the entry stays pending and is settled on redelivery',
      );
    }
  }

  /**
   * Reports `running`; true only when the API now holds `running` (also on a redelivery after a
   * crash, when it already did). A 200 carrying another status — the operation was cancelled
   * (superseded) or finished between our fetch and this report — or a refusal means: do not run it.
   */
  async running(job: QueuedJob): Promise<boolean> {
    const stored = await this.api.reportRunning(job.payload.operation_id);
    if (stored !== 'running') {
      this.logger.info(
        { operationId: job.payload.operation_id, streamId: job.id, stored },
        'running not taken by the API; the job is not run',
      );
    }
    return stored === 'running';
  }
}
