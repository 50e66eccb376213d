import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { encodeJobPayload, JobPayload, jobsStreamOf, REPAIR_ACTION } from '@app/provisioning';
import { StreamProducer } from '@app/redis-streams';

import { AppConfig } from '../config/app-config';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma/prisma.service';

/** Rows per relay transaction: bounded so one transaction never holds many locks for long. */
export const OUTBOX_BATCH_SIZE = 100;
/**
 * Pause before the follow-up pass for commits that woke the relay while it was publishing, so a
 * burst of commits (concurrent POST /hosts, an import's chunks) shares one pass — one transaction
 * and one pipelined XADD batch — instead of one pass per commit competing with the requests for
 * the CPU. An idle relay does not wait. Short against the worker's batching.
 */
export const OUTBOX_COALESCE_MS = 10;
/** pg advisory lock key of the relay (any constant unique in this database). */
const OUTBOX_LOCK_KEY = 72707370;

interface OutboxRow {
  id: string;
  type: 'provision_host' | 'macct_repair';
  action: string;
  school: string;
  dc_id: string;
  attempt: number;
  target_host: string;
}

/**
 * The transactional outbox relay (DOMAIN.md §8): operations are written in the same database
 * transaction as the host change with `published_at` null; this relay XADDs them to `linbo:jobs`
 * and marks them published. It runs every AppConfig.outboxPollMs and right after a commit
 * (`wake()`, coalesced: at most one pass in flight plus one scheduled).
 *
 * - Exactly-once between API instances: the batch is selected `FOR UPDATE SKIP LOCKED` inside a
 *   transaction that also holds a transaction-level advisory lock, so two relays never publish
 *   the same row and the stream keeps the operations' order (a delete and the re-create of the
 *   same name must reach the worker in that order).
 * - Redis down: XADD fails fast; the rows stay unpublished and are retried on the next tick. The
 *   outage is logged once, and its end once. Nothing is lost.
 * - A crash between XADD and COMMIT publishes that row again later (at-least-once); the worker
 *   tolerates it because it fetches the operation and skips anything no longer queued. The same
 *   holds for rows XADDed after a failed one in the same pipelined batch: they are not marked and
 *   go out again with the rest.
 * - Cancelled (superseded) operations that were never published are never published.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private scheduled?: NodeJS.Timeout;
  private running?: Promise<number>;
  private again = false;
  private stopped = false;
  private redisDown = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly producer: StreamProducer,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.wake(), this.config.outboxPollMs);
    this.timer.unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.scheduled);
    // commits woke the relay after its last pass started: publish them now, not at the next start
    const flush = this.scheduled !== undefined || this.again;
    this.scheduled = undefined;
    this.again = false;
    await this.running?.catch(() => undefined);
    if (flush) {
      // one batch at most (drain stops once stopped); anything left goes out at the next start
      await this.drain().catch((err: Error) => this.logger.warn(`outbox flush at shutdown failed: ${err.message}`));
    }
  }

  /**
   * Publish soon. An idle relay starts a pass at once (a single change is published without
   * delay); wakes while a pass runs schedule exactly one more, OUTBOX_COALESCE_MS after it ends, so
   * a burst of commits shares that pass; wakes while it is scheduled join it.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.run();
  }

  private run(): void {
    if (this.stopped || this.running) return;
    this.running = this.drain()
      .catch((err: Error) => {
        if (!this.stopped) this.logger.error(`outbox relay pass failed: ${err.message}`);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
        if (!this.again || this.stopped) return;
        this.again = false;
        this.scheduled = setTimeout(() => {
          this.scheduled = undefined;
          this.run();
        }, OUTBOX_COALESCE_MS);
      });
  }

  /** Waits for a running pass, then runs one full pass; resolves with how many rows it published. */
  async publishPending(): Promise<number> {
    await this.running?.catch(() => undefined);
    return this.drain();
  }

  /** Publishes batches until none is left, Redis fails or another instance holds the relay lock. */
  private async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, more } = await this.publishBatch();
      total += published;
      if (!more || this.stopped) return total;
    }
  }

  private publishBatch(): Promise<{ published: number; more: boolean }> {
    return this.prisma.$transaction(
      async (tx) => {
        const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
          SELECT pg_try_advisory_xact_lock(${OUTBOX_LOCK_KEY}) AS locked`;
        // another instance is publishing right now; it (or our next tick) takes these rows
        if (!lock?.locked) return { published: 0, more: false };
        const rows = await tx.$queryRaw<OutboxRow[]>`
          SELECT id, type::text AS type, action, school, dc_id, attempt, target_host
            FROM operations
           WHERE published_at IS NULL AND status IN ('pending', 'retrying')
           ORDER BY seq
           LIMIT ${OUTBOX_BATCH_SIZE}
             FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return { published: 0, more: false };
        // One pipelined round trip: ioredis writes the XADDs in call order on one connection, so
        // the stream keeps the rows' order. Only the prefix before a failure is marked published.
        const results = await Promise.allSettled(
          // each DC's stream (DOMAIN.md §8); one connection keeps the order across streams too
          rows.map((row) => this.producer.add(jobsStreamOf(row.dc_id), encodeJobPayload(payloadOf(row)))),
        );
        const done: { id: string; streamId: string }[] = [];
        let failure: unknown;
        for (const [i, result] of results.entries()) {
          if (result.status === 'rejected') {
            failure = result.reason;
            break;
          }
          done.push({ id: rows[i].id, streamId: result.value });
        }
        if (done.length > 0) {
          const values = Prisma.join(done.map((d) => Prisma.sql`(${d.id}::uuid, ${d.streamId})`));
          await tx.$executeRaw`
            UPDATE operations AS o
               SET published_at = now(), stream_id = v.stream_id, updated_at = now()
              FROM (VALUES ${values}) AS v(id, stream_id)
             WHERE o.id = v.id`;
        }
        if (failure !== undefined) {
          this.noteOutage(failure as Error);
          // commit what went out; the rest stays unpublished for the next tick
          return { published: done.length, more: false };
        }
        const published = done.length;
        this.noteRecovery();
        return { published, more: rows.length === OUTBOX_BATCH_SIZE };
      },
      // XADD fails fast, but a black-holed Redis costs a connect timeout (5 s) first
      { maxWait: 10_000, timeout: 60_000 },
    );
  }

  private noteOutage(err: Error): void {
    if (this.redisDown) return;
    this.redisDown = true;
    this.logger.warn(`cannot publish jobs to Redis (${err.message}); they stay queued in the outbox`);
  }

  private noteRecovery(): void {
    if (!this.redisDown) return;
    this.redisDown = false;
    this.logger.log('Redis is reachable again; publishing queued jobs');
  }
}

/** The slim routing payload (DOMAIN.md §8); `attempt` is the number of the try this message asks for. */
export function payloadOf(row: Omit<OutboxRow, 'dc_id'>): JobPayload {
  const payload: JobPayload = {
    type: row.type,
    operation_id: row.id,
    action: row.action as JobPayload['action'],
    school: row.school,
    attempt: row.attempt + 1,
  };
  if (row.type === 'macct_repair' || row.action === REPAIR_ACTION) payload.host = row.target_host;
  return payload;
}
