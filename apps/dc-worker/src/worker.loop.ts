import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { BatchCoordinator, WorkItem } from './batch/batch-coordinator';
import { HandBackBackoff } from './batch/hand-back-backoff';
import { KeyDcCheck } from './check/key-dc';
import { WORKER_CONFIG, WorkerConfig } from './config/worker-config';
import { QueuedJob, StreamConsumer } from './consumer/stream-consumer';
import { WORKER_LOGGER, WorkerLogger } from './logging/worker-logger';
import { HandBackReason, WorkerMetrics } from './metrics/worker-metrics';
import { MacctRepairProcessor } from './processors/macct-repair-processor';
import { ProvisionProcessor } from './processors/provision-processor';
import { ApiClient, ReportAbortedError } from './report/api-client';
import { JobReporter } from './report/job-reporter';

/** How the process runs: the long-running service, `--once`, or `--check` (no loop). */
export const WORKER_RUN_MODE = Symbol('WORKER_RUN_MODE');
export type WorkerRunMode = 'service' | 'once' | 'check';

/** Exit code of `--once` when jobs had to be left pending (lock held, API down): EX_TEMPFAIL. */
export const EXIT_JOBS_LEFT_PENDING = 75;
/** Exit code when the internal key does not fit DC_ID (or is refused): a configuration error, like a bad variable. */
export const EXIT_KEY_MISMATCH = 2;

/**
 * The consumer loop: coordinator → processor, one work item at a time. Started from
 * onApplicationBootstrap but never awaited there (CONVENTIONS.md habit 6); `stop()` stops reading,
 * lets the current item finish (or hands it back after SHUTDOWN_TIMEOUT_SEC) and returns before
 * Nest closes the Redis connections.
 */
@Injectable()
export class WorkerLoop implements OnApplicationBootstrap, OnModuleDestroy {
  private stopping = false;
  private loop: Promise<number> | null = null;
  private handedBackInOnce = 0;
  private readonly backoff: HandBackBackoff;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Inject(WORKER_RUN_MODE) private readonly mode: WorkerRunMode,
    private readonly coordinator: BatchCoordinator,
    private readonly consumer: StreamConsumer,
    private readonly provision: ProvisionProcessor,
    private readonly macct: MacctRepairProcessor,
    private readonly reporter: JobReporter,
    private readonly api: ApiClient,
    private readonly metrics: WorkerMetrics,
    private readonly keyDc: KeyDcCheck,
  ) {
    this.backoff = new HandBackBackoff(config.retryDelayMs, config.retryMaxDelayMs);
  }

  onApplicationBootstrap(): void {
    if (this.mode !== 'check') void this.start();
  }

  /** Resolves with the process exit code when the loop ends (`--once`: queue drained). */
  start(): Promise<number> {
    this.loop ??= this.run().catch((err: Error) => {
      this.logger.fatal({ err: err.message, stack: err.stack }, 'worker loop crashed');
      return 1;
    });
    return this.loop;
  }

  async stop(): Promise<void> {
    if (this.stopping) {
      await this.loop;
      return;
    }
    this.stopping = true;
    this.logger.info('stopping: no new jobs are read; finishing the current batch');
    this.coordinator.stop();
    this.consumer.interrupt();
    if (!this.loop) return;
    const finished = await Promise.race([
      this.loop.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), this.config.shutdownTimeoutMs).unref()),
    ]);
    if (!finished) {
      this.logger.warn(
        { timeoutMs: this.config.shutdownTimeoutMs },
        'shutdown timeout: abandoning pending status reports',
      );
      this.api.abort();
      await Promise.race([this.loop, new Promise((r) => setTimeout(r, 2000).unref())]);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async run(): Promise<number> {
    if (await this.keyRefused()) return EXIT_KEY_MISMATCH;
    this.logger.info(
      {
        dcId: this.config.dcId,
        stream: this.config.jobsStream,
        legacyStream: this.config.legacyJobsStream,
        group: this.config.jobsGroup,
        consumer: this.config.consumerName,
        batchSize: this.config.batchSize,
        debounceMs: this.config.debounceMs,
        mode: this.mode,
      },
      'worker started',
    );
    // execa is ESM (dynamic import): load it once now, so the first batch does not pay for it
    await import('execa');
    let backoff = 0;
    let exitCode = 0;
    while (!this.stopping) {
      let item: WorkItem | null;
      try {
        item = await this.coordinator.next();
        backoff = 0;
      } catch (err) {
        if (this.stopping) break;
        backoff = Math.min(backoff ? backoff * 2 : 500, 10_000);
        this.logger.error({ err: (err as Error).message, retryInMs: backoff }, 'reading jobs failed');
        await new Promise((r) => setTimeout(r, backoff));
        continue;
      }
      if (!item) {
        if (this.mode === 'once' && this.coordinator.queued() === 0) break;
        continue;
      }
      // the API was down at start: the key's DC is checked before the first job is reported
      if (await this.keyRefused()) {
        exitCode = EXIT_KEY_MISMATCH;
        break;
      }
      try {
        await this.handle(item);
      } catch (err) {
        if (err instanceof ReportAbortedError) {
          this.logger.warn({ err: err.message }, 'status report abandoned at shutdown; jobs stay pending');
          break;
        }
        await this.failItem(item, err as Error);
      }
    }
    // the last batches' reports run behind the loop (ProvisionProcessor.process): wait for them
    try {
      await this.provision.drain();
    } catch (err) {
      if (!(err instanceof ReportAbortedError)) throw err;
      this.logger.warn({ err: err.message }, 'status report abandoned at shutdown; jobs stay pending');
    }
    if (exitCode) return exitCode;
    if (this.mode === 'once' && this.handedBackInOnce > 0) return EXIT_JOBS_LEFT_PENDING;
    return 0;
  }

  /** True when the key must not be used with DC_ID (logged fatal); the jobs read stay pending. */
  private async keyRefused(): Promise<boolean> {
    const verdict = await this.keyDc.confirm();
    if (verdict.fatal) this.logger.fatal({ dcId: this.config.dcId }, `refusing to run: ${verdict.detail}`);
    return verdict.fatal;
  }

  private async handle(item: WorkItem): Promise<void> {
    if (item.kind === 'macct_repair') {
      // "right after the batch" (DOMAIN.md §9 step 2): after its verification and report too, which run
      // behind the loop — the repair is for a host the batch may just have created
      await this.provision.settled();
      if (await this.macct.process(item.job)) this.backoff.reset();
      else this.handBack([item.job], 'api_unavailable');
      return;
    }
    const result = await this.provision.process(item.school, item.jobs, () => this.lookAhead());
    if (result.reason && result.handedBack.length) this.handBack(result.handedBack, result.reason);
    else this.backoff.reset();
  }

  /** While a batch imports: make the next batch's jobs `running` now, so it can start right after. */
  private async lookAhead(): Promise<void> {
    if (this.stopping) return;
    const next = await this.coordinator.peek();
    if (!next || this.stopping) return;
    const started = Date.now();
    const prepared = await this.provision.prepare(next.jobs);
    this.logger.debug(
      { school: next.school, read: next.jobs.length, prepared, durationMs: Date.now() - started },
      'next batch prepared during the import',
    );
  }

  /**
   * Transient trouble (API down, lock busy) backs off: each hand-back in a row waits longer
   * (HandBackBackoff), counted in linbo_worker_hand_backs_total. Jobs put back at shutdown just
   * stay pending.
   */
  private handBack(jobs: QueuedJob[], reason: HandBackReason): void {
    if (reason !== 'shutdown') this.metrics.handedBack(reason, jobs.length);
    if (this.mode === 'once') {
      // --once does not wait for a lock or the API: the jobs stay pending in Redis
      this.handedBackInOnce += jobs.length;
      this.logger.warn({ count: jobs.length }, '--once: jobs left pending for the service to retry');
      return;
    }
    if (reason === 'shutdown') {
      this.coordinator.handBack(jobs, this.config.retryDelayMs);
      return;
    }
    const retryInMs = this.backoff.next();
    this.logger.warn(
      { reason, count: jobs.length, retryInMs },
      'jobs handed back after a transient failure; backing off',
    );
    this.coordinator.handBack(jobs, retryInMs);
  }

  /**
   * An unexpected error (e.g. EIO writing the master): each job gets another bounded try through
   * the API (DOMAIN.md §8); past the bound the API dead-letters it with this message.
   */
  private async failItem(item: WorkItem, err: Error): Promise<void> {
    this.logger.error({ err: err.message, stack: err.stack }, 'batch failed unexpectedly');
    if (item.kind === 'provision') this.metrics.batchDone(item.school, 'error');
    const jobs = item.kind === 'macct_repair' ? [item.job] : item.jobs;
    for (const job of jobs) {
      try {
        await this.reporter.finish(job, {
          status: 'retry',
          code: 'WORKER_ERROR',
          message: `worker error: ${err.message}`,
        });
      } catch (reportErr) {
        this.logger.error(
          { operationId: job.payload.operation_id, err: (reportErr as Error).message },
          'cannot report',
        );
        return;
      }
    }
  }
}
