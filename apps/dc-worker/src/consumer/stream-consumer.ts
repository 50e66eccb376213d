import { Inject, Injectable } from '@nestjs/common';

import { decodeJobPayload, JobPayload } from '@app/provisioning';
import { ConsumerGroup, RedisConnections, StreamMessage } from '@app/redis-streams';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ApiClient } from '../report/api-client';
import { LegacyStreamDrain } from './legacy-drain';

/** A decoded stream entry on its way through the pipeline. */
export interface QueuedJob {
  /** stream entry id (what we XACK) */
  id: string;
  payload: JobPayload;
  deliveries: number;
  /** when this process read it (the debounce counts from the first job's read) */
  readAt: number;
  /** set when the job was handed back after a transient failure */
  notBefore?: number;
  /** the legacy stream it came from (LegacyStreamDrain); unset: this worker's own stream */
  stream?: string;
}

/** A stream entry's identity: entry ids are unique per stream only. */
export function entryKey(job: Pick<QueuedJob, 'id' | 'stream'>): string {
  return job.stream ? `${job.stream} ${job.id}` : job.id;
}

/**
 * DOMAIN.md §9 step 1: reads the DC's stream `linbo:jobs:<DC_ID>` for the group (the default DC's
 * worker also drains the legacy `linbo:jobs` first, LegacyStreamDrain). At start-up our own pending entries (`0`)
 * come first, then new ones (`>`) on the dedicated blocking connection (bounded BLOCK, watchdog in
 * the library); every CLAIM_INTERVAL_SEC entries idle past CLAIM_IDLE_SEC are taken over from dead
 * consumers. A message delivered more than MAX_DELIVERIES times, or one that cannot be decoded,
 * goes to the dead-letter stream (its operation is reported failed with DEAD_LETTERED first).
 */
@Injectable()
export class StreamConsumer {
  private readonly group: ConsumerGroup;
  private readonly legacy: LegacyStreamDrain | null;
  private groupReady = false;
  private ownPendingDone = false;
  private lastClaim = 0;

  constructor(
    connections: RedisConnections,
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly api: ApiClient,
    private readonly metrics: WorkerMetrics,
  ) {
    const groupOf = (stream: string) =>
      new ConsumerGroup(connections, {
        stream,
        group: config.jobsGroup,
        consumer: config.consumerName,
        blockMs: config.blockMs,
        count: config.batchSize,
        claimIdleMs: config.claimIdleMs,
        maxDeliveries: config.maxDeliveries,
        deadLetterStream: config.deadLetterStream,
      });
    this.group = groupOf(config.jobsStream);
    this.legacy = config.legacyJobsStream
      ? new LegacyStreamDrain(groupOf(config.legacyJobsStream), config.claimIntervalMs, logger)
      : null;
    metrics.setStreamProbe({
      stream: config.jobsStream,
      lag: () => this.group.lag(),
      pending: () => this.group.pendingCount(),
    });
  }

  /**
   * Up to `count` jobs, waiting at most `waitMs` for new ones. Returns [] on timeout. Start-up
   * recovery and idle claims are answered without blocking.
   */
  async read(waitMs: number, count: number): Promise<QueuedJob[]> {
    if (!this.groupReady) {
      await this.group.ensureGroup();
      this.groupReady = true;
    }
    if (this.legacy) {
      const old = await this.legacy.read(Math.max(count, 1));
      if (old.length) return this.accept(old, this.legacy.group);
    }
    if (!this.ownPendingDone) {
      const own = await this.group.readOwnPending(Math.max(count, 1));
      if (own.length) {
        this.logger.info({ count: own.length }, 'recovered own pending jobs');
        return this.accept(own);
      }
      this.ownPendingDone = true;
    }
    if (Date.now() - this.lastClaim >= this.config.claimIntervalMs) {
      this.lastClaim = Date.now();
      const claimed = await this.group.claimIdle(Math.max(count, 1));
      if (claimed.length) {
        this.logger.info({ count: claimed.length, ids: claimed.map((m) => m.id) }, 'claimed idle jobs');
        return this.accept(claimed);
      }
    }
    const blockMs = Math.max(1, Math.min(Math.round(waitMs), this.config.blockMs));
    return this.accept(await this.group.readNew({ blockMs, count: Math.max(count, 1) }));
  }

  /** XACK, each entry on the stream it came from. */
  async ack(...entries: Array<Pick<QueuedJob, 'id' | 'stream'>>): Promise<void> {
    const own = entries.filter((e) => !e.stream).map((e) => e.id);
    const old = entries.filter((e) => e.stream).map((e) => e.id);
    if (old.length) {
      if (!this.legacy || entries.some((e) => e.stream && e.stream !== this.legacy?.group.stream)) {
        throw new Error(`cannot ACK entries of a stream this worker does not read`);
      }
      await this.legacy.group.ack(...old);
    }
    await this.group.ack(...own);
  }

  /** Shutdown: a blocked read returns at once; nothing new is read afterwards. */
  interrupt(): void {
    this.group.interrupt();
    this.legacy?.group.interrupt();
  }

  async close(): Promise<void> {
    await Promise.all([this.group.close(), this.legacy?.group.close()]);
  }

  async pendingCount(): Promise<number> {
    return this.group.pendingCount();
  }

  private async accept(messages: StreamMessage[], group = this.group): Promise<QueuedJob[]> {
    const stream = group === this.group ? undefined : group.stream;
    const out: QueuedJob[] = [];
    for (const msg of messages) {
      let payload: JobPayload;
      try {
        payload = decodeJobPayload(msg.fields);
      } catch (err) {
        this.logger.error({ streamId: msg.id, fields: msg.fields, err: (err as Error).message }, 'undecodable job');
        await group.deadLetter(msg, `invalid payload: ${(err as Error).message}`);
        this.metrics.deadLettered('invalid_payload');
        continue;
      }
      if (group.overDeliveryLimit(msg)) {
        const reason = `delivered ${msg.deliveries} times (limit ${this.config.maxDeliveries})`;
        this.logger.error({ operationId: payload.operation_id, streamId: msg.id, reason }, 'dead-lettering job');
        // report first: if we die in between, the redelivery lands here again (report is idempotent)
        await this.api.report(payload.operation_id, {
          status: 'failed',
          error: `DEAD_LETTERED: job gave up after ${reason}; see ${this.config.deadLetterStream}`,
          result: { code: 'DEAD_LETTERED', streamId: msg.id, deliveries: msg.deliveries },
        });
        await group.deadLetter(msg, reason);
        this.metrics.deadLettered('delivery_limit');
        this.metrics.jobFinished('failed');
        continue;
      }
      out.push({ id: msg.id, payload, deliveries: msg.deliveries, readAt: Date.now(), ...(stream ? { stream } : {}) });
    }
    return out;
  }
}
