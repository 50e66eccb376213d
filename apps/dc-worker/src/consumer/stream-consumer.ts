import { Inject, Injectable } from '@nestjs/common';

import { decodeJobPayload, JobPayload } from '@app/provisioning';
import { ConsumerGroup, RedisConnections, StreamMessage } from '@app/redis-streams';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ApiClient } from '../report/api-client';

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
}

/**
 * DOMAIN.md §9 step 1: reads `linbo:jobs` for the group. At start-up our own pending entries (`0`)
 * come first, then new ones (`>`) on the dedicated blocking connection (bounded BLOCK, watchdog in
 * the library); every CLAIM_INTERVAL_SEC entries idle past CLAIM_IDLE_SEC are taken over from dead
 * consumers. A message delivered more than MAX_DELIVERIES times, or one that cannot be decoded,
 * goes to the dead-letter stream (its operation is reported failed with DEAD_LETTERED first).
 */
@Injectable()
export class StreamConsumer {
  private readonly group: ConsumerGroup;
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
    this.group = new ConsumerGroup(connections, {
      stream: config.jobsStream,
      group: config.jobsGroup,
      consumer: config.consumerName,
      blockMs: config.blockMs,
      count: config.batchSize,
      claimIdleMs: config.claimIdleMs,
      maxDeliveries: config.maxDeliveries,
      deadLetterStream: config.deadLetterStream,
    });
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

  async ack(...ids: string[]): Promise<void> {
    await this.group.ack(...ids);
  }

  /** Shutdown: a blocked read returns at once; nothing new is read afterwards. */
  interrupt(): void {
    this.group.interrupt();
  }

  async close(): Promise<void> {
    await this.group.close();
  }

  async pendingCount(): Promise<number> {
    return this.group.pendingCount();
  }

  private async accept(messages: StreamMessage[]): Promise<QueuedJob[]> {
    const out: QueuedJob[] = [];
    for (const msg of messages) {
      let payload: JobPayload;
      try {
        payload = decodeJobPayload(msg.fields);
      } catch (err) {
        this.logger.error({ streamId: msg.id, fields: msg.fields, err: (err as Error).message }, 'undecodable job');
        await this.group.deadLetter(msg, `invalid payload: ${(err as Error).message}`);
        this.metrics.deadLettered('invalid_payload');
        continue;
      }
      if (this.group.overDeliveryLimit(msg)) {
        const reason = `delivered ${msg.deliveries} times (limit ${this.config.maxDeliveries})`;
        this.logger.error({ operationId: payload.operation_id, streamId: msg.id, reason }, 'dead-lettering job');
        // report first: if we die in between, the redelivery lands here again (report is idempotent)
        await this.api.report(payload.operation_id, {
          status: 'failed',
          error: `DEAD_LETTERED: job gave up after ${reason}; see ${this.config.deadLetterStream}`,
          result: { code: 'DEAD_LETTERED', streamId: msg.id, deliveries: msg.deliveries },
        });
        await this.group.deadLetter(msg, reason);
        this.metrics.deadLettered('delivery_limit');
        this.metrics.jobFinished('failed');
        continue;
      }
      out.push({ id: msg.id, payload, deliveries: msg.deliveries, readAt: Date.now() });
    }
    return out;
  }
}
