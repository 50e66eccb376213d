import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Batch outcomes: every job completed, none, some; nothing left to run; transient hand-back; crash. */
export type BatchOutcome = 'completed' | 'failed' | 'partial' | 'skipped' | 'handed_back' | 'error';
/** Terminal statuses the worker reports, plus `retried` (handed to the API for another try). */
export type JobMetricStatus = 'completed' | 'failed' | 'cancelled' | 'retried';
export type DeadLetterReason = 'delivery_limit' | 'invalid_payload' | 'retry_limit';
/** Why jobs were handed back un-ACKed for a later try (transient, DOMAIN.md §8), or put back at shutdown. */
export type HandBackReason = 'api_unavailable' | 'lock_timeout' | 'shutdown';

/** What the stream gauges read at scrape time (set by StreamConsumer; no DI cycle). */
export interface StreamProbe {
  /** the jobs stream's name, the gauges' `stream` label */
  stream: string;
  lag(): Promise<number | null>;
  pending(): Promise<number>;
}

/**
 * The worker's Prometheus metrics (README "Metrics"), in a private registry served by MetricsServer.
 * Counters are bumped by the pipeline steps; the stream gauges ask Redis when scraped.
 */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();
  private probe: StreamProbe | null = null;

  private readonly batches = new Counter({
    name: 'linbo_worker_batches_total',
    help: 'Provision batches processed, by school and outcome',
    labelNames: ['school', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly batchSize = new Histogram({
    name: 'linbo_worker_batch_size',
    help: 'Jobs per provision batch as read from the stream',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
    registers: [this.registry],
  });

  private readonly importDuration = new Histogram({
    name: 'linbo_worker_import_duration_seconds',
    help: 'Duration of one linuxmuster-import-devices run (one per batch)',
    labelNames: ['school'] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  private readonly jobs = new Counter({
    name: 'linbo_worker_jobs_total',
    help: 'Jobs finished by the worker, by reported status (retried = handed to the API for another try)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly verifyFailures = new Counter({
    name: 'linbo_worker_verify_failures_total',
    help: 'Jobs whose verification against AD/DNS/DHCP found problems after the import',
    registers: [this.registry],
  });

  private readonly deadLetters = new Counter({
    name: 'linbo_worker_dead_letters_total',
    help: 'Jobs dead-lettered (by the worker: delivery limit, invalid payload; by the API: retry limit)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly handBacks = new Counter({
    name: 'linbo_worker_hand_backs_total',
    help: 'Jobs handed back un-ACKed after a transient failure (API unavailable, provision lock busy), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'linbo_worker_' });
    const probed = (name: string, help: string, read: (p: StreamProbe) => Promise<number | null>) => {
      const gauge: Gauge<'stream'> = new Gauge({
        name,
        help,
        labelNames: ['stream'] as const,
        registers: [this.registry],
        collect: async () => {
          gauge.reset();
          if (!this.probe) return;
          try {
            const value = await read(this.probe);
            if (value !== null) gauge.set({ stream: this.probe.stream }, value);
          } catch {
            // Redis away (or closing at shutdown): no sample (not a false 0) rather than a failed scrape
          }
        },
      });
    };
    probed('linbo_worker_stream_lag', 'Entries of the jobs stream not yet delivered to the group', (p) => p.lag());
    probed('linbo_worker_stream_pending', 'Entries delivered to the group and not yet ACKed', (p) => p.pending());
  }

  setStreamProbe(probe: StreamProbe): void {
    this.probe = probe;
  }

  batchOpened(size: number): void {
    this.batchSize.observe(size);
  }

  batchDone(school: string, outcome: BatchOutcome): void {
    this.batches.inc({ school, outcome });
  }

  importRan(school: string, durationMs: number): void {
    this.importDuration.observe({ school }, durationMs / 1000);
  }

  jobFinished(status: JobMetricStatus): void {
    this.jobs.inc({ status });
  }

  verifyFailed(count = 1): void {
    if (count > 0) this.verifyFailures.inc(count);
  }

  handedBack(reason: Exclude<HandBackReason, 'shutdown'>, jobs: number): void {
    this.handBacks.inc({ reason }, jobs);
  }

  deadLettered(reason: DeadLetterReason): void {
    this.deadLetters.inc({ reason });
  }
}
