import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

import { endConnection, RedisConnections } from './redis-connections';
import { DEFAULT_STREAM_MAX_LEN } from './stream-producer';
import {
  parseAutoClaimReply,
  parseGroupLag,
  parsePendingRange,
  parsePendingSummary,
  parseReadGroupReply,
  RawEntry,
} from './stream-replies';

export interface StreamMessage {
  id: string;
  fields: Record<string, string>;
  /** how often the group delivered this entry, from XPENDING (1 for a fresh `>` read) */
  deliveries: number;
}

export interface ConsumerGroupOptions {
  stream: string;
  group: string;
  consumer: string;
  /** BLOCK of one XREADGROUP in ms; default 5000; must be > 0 (never BLOCK 0, CONVENTIONS.md) */
  blockMs?: number;
  /** entries per read; default 50 */
  count?: number;
  /** XAUTOCLAIM min-idle in ms; default 300000 — longer than the slowest batch, or live work is stolen */
  claimIdleMs?: number;
  /** a message delivered more often than this is dead-lettered; default 5 */
  maxDeliveries?: number;
  /** default `${stream}:dlq` */
  deadLetterStream?: string;
  /** watchdog around one blocking read; default blockMs + 10000; on expiry the reader connection is recreated */
  readTimeoutMs?: number;
  /**
   * Where a (re)created group starts; default `0` = every entry still in the stream. With `$`,
   * jobs published before the first worker ever started, or while the group was missing (NOGROUP
   * recovery), would be skipped — and DOMAIN.md §8 says nothing may be lost. Redelivering an old entry
   * is harmless: the operation status table rejects a second run of a finished operation.
   */
  groupStartId?: string;
}

export const DEFAULT_BLOCK_MS = 5_000;
export const DEFAULT_READ_COUNT = 50;
export const DEFAULT_CLAIM_IDLE_MS = 300_000;
export const DEFAULT_MAX_DELIVERIES = 5;
export const DEFAULT_WATCHDOG_MARGIN_MS = 10_000;

/** Smallest gap kept between the BLOCK and the watchdog, so a legitimate timeout reply can arrive. */
const MIN_WATCHDOG_MARGIN_MS = 1_000;

const WATCHDOG = Symbol('watchdog');
const INTERRUPTED = Symbol('interrupted');

function isMissingGroup(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  // NOGROUP: group or key missing; UNBLOCKED …: the stream was deleted while we were blocked on it
  return message.startsWith('NOGROUP') || /^UNBLOCKED .*no longer exists/.test(message);
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min)
    throw new Error(`ConsumerGroupOptions.${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/**
 * One consumer of one Redis consumer group, with the recovery rules of DOMAIN.md §9 step 1 and
 * CONVENTIONS.md "Redis streams": a dedicated blocking connection, bounded reads with a watchdog, own
 * pending entries (`0`) before new ones (`>`), XAUTOCLAIM for dead consumers, a delivery cap and
 * a dead-letter stream. Not safe for concurrent readNew calls on one instance (one reader socket).
 */
export class ConsumerGroup {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly deadLetterStream: string;
  readonly maxDeliveries: number;
  /** how often the watchdog had to replace a hung reader connection (for metrics/logs) */
  watchdogResets = 0;

  private readonly blockMs: number;
  private readonly count: number;
  private readonly claimIdleMs: number;
  private readonly readTimeoutMs: number | undefined;
  private readonly groupStartId: string;
  private readonly logger: Logger;
  private reader: Redis | undefined;
  private readonly readersEnding = new Set<Promise<void>>();
  private reading = false;
  private interrupted = false;
  private closed = false;
  private wakeReader: (() => void) | undefined;
  /** readOwnPending pages through the PEL once; un-ACKed entries it returned come back via claimIdle */
  private ownPendingCursor = '0';

  constructor(
    private readonly connections: RedisConnections,
    opts: ConsumerGroupOptions,
  ) {
    for (const key of ['stream', 'group', 'consumer'] as const) {
      if (!opts[key]) throw new Error(`ConsumerGroupOptions.${key} is required`);
    }
    this.stream = opts.stream;
    this.group = opts.group;
    this.consumer = opts.consumer;
    this.deadLetterStream = opts.deadLetterStream ?? `${opts.stream}:dlq`;
    this.blockMs = positiveInt('blockMs', opts.blockMs ?? DEFAULT_BLOCK_MS, 1);
    this.count = positiveInt('count', opts.count ?? DEFAULT_READ_COUNT, 1);
    this.claimIdleMs = positiveInt('claimIdleMs', opts.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS, 0);
    this.maxDeliveries = positiveInt('maxDeliveries', opts.maxDeliveries ?? DEFAULT_MAX_DELIVERIES, 1);
    if (opts.readTimeoutMs !== undefined && !(opts.readTimeoutMs > this.blockMs)) {
      throw new Error(
        `ConsumerGroupOptions.readTimeoutMs (${opts.readTimeoutMs}) must exceed blockMs (${this.blockMs})`,
      );
    }
    this.readTimeoutMs = opts.readTimeoutMs;
    this.groupStartId = opts.groupStartId ?? '0';
    this.logger = new Logger(`ConsumerGroup ${this.stream}/${this.group}/${this.consumer}`);
  }

  /** XGROUP CREATE … MKSTREAM; an existing group (BUSYGROUP) is fine. */
  async ensureGroup(): Promise<void> {
    try {
      await this.connections.command.xgroup('CREATE', this.stream, this.group, this.groupStartId, 'MKSTREAM');
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('BUSYGROUP')) return;
      throw err;
    }
  }

  /**
   * Start-up recovery (DOMAIN.md §9.1): this consumer's own pending entries, read with `0` before any
   * `>`. Successive calls page forward through the PEL and return [] at its end, so entries left
   * un-ACKed on purpose (e.g. lock timeout) do not loop; they come back later through claimIdle.
   * Entries deleted from the stream meanwhile (nil fields) are ACKed and skipped.
   */
  async readOwnPending(count: number = this.count): Promise<StreamMessage[]> {
    positiveInt('count', count, 1);
    let reply: unknown;
    try {
      reply = await this.connections.command.xreadgroup(
        'GROUP',
        this.group,
        this.consumer,
        'COUNT',
        count,
        'STREAMS',
        this.stream,
        this.ownPendingCursor,
      );
    } catch (err) {
      if (!isMissingGroup(err)) throw err;
      await this.ensureGroup(); // a new group has an empty PEL
      return [];
    }
    const entries = parseReadGroupReply(reply, this.stream);
    if (entries.length === 0) return [];
    this.ownPendingCursor = entries[entries.length - 1].id;
    return this.withDeliveryCounts(await this.dropDeleted(entries));
  }

  /**
   * New entries (`>`) on the dedicated blocking connection, bounded by BLOCK and by a watchdog
   * (ioredis #1888: a blocking command re-sent after a reconnect can hang). Returns [] on timeout,
   * after interrupt(), and when the watchdog replaced a hung connection (entries that connection
   * may have received stay pending and come back through claimIdle). A missing group (deleted
   * stream or group) is recreated and the read retried once.
   */
  async readNew(opts: { blockMs?: number; count?: number } = {}): Promise<StreamMessage[]> {
    const blockMs = positiveInt('blockMs', opts.blockMs ?? this.blockMs, 1);
    const count = positiveInt('count', opts.count ?? this.count, 1);
    if (this.reading) throw new Error('readNew is already running on this ConsumerGroup');
    this.reading = true;
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.interrupted || this.closed || this.connections.isClosing) return [];
        try {
          const entries = await this.blockingRead(blockMs, count);
          return entries
            .filter((e) => e.fields !== null)
            .map((e) => ({ id: e.id, fields: e.fields ?? {}, deliveries: 1 }));
        } catch (err) {
          if (this.interrupted || this.closed || this.connections.isClosing) return [];
          if (attempt === 0 && isMissingGroup(err)) {
            this.logger.warn(`consumer group missing (${(err as Error).message}); recreating it`);
            await this.ensureGroup();
            continue;
          }
          throw err;
        }
      }
    } finally {
      this.reading = false;
    }
  }

  /**
   * Takes over entries idle longer than claimIdleMs from any consumer of the group (dead workers,
   * DOMAIN.md §9.1), walking the XAUTOCLAIM cursor until `count` entries or the end of the PEL.
   * `deliveries` is the real count after the claim (XAUTOCLAIM increments it).
   */
  async claimIdle(count: number = this.count): Promise<StreamMessage[]> {
    positiveInt('count', count, 1);
    const claimed: RawEntry[] = [];
    let cursor = '0-0';
    try {
      do {
        const reply = await this.connections.command.xautoclaim(
          this.stream,
          this.group,
          this.consumer,
          this.claimIdleMs,
          cursor,
          'COUNT',
          count - claimed.length,
        );
        const page = parseAutoClaimReply(reply);
        claimed.push(...page.entries);
        cursor = page.cursor;
      } while (cursor !== '0-0' && claimed.length < count);
    } catch (err) {
      if (!isMissingGroup(err)) throw err;
      await this.ensureGroup();
      return [];
    }
    return this.withDeliveryCounts(await this.dropDeleted(claimed));
  }

  /**
   * Whether the stream key exists (without creating it, unlike ensureGroup). Asked with XINFO GROUPS,
   * which a worker's Redis ACL allows already (docs/OPERATIONS.md), rather than EXISTS.
   */
  async streamExists(): Promise<boolean> {
    try {
      await this.connections.command.xinfo('GROUPS', this.stream);
      return true;
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return false;
      throw err;
    }
  }

  async ack(...ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.connections.command.xack(this.stream, this.group, ...ids);
  }

  /**
   * Moves a message to the dead-letter stream: original fields plus original_id, reason,
   * deliveries, consumer, failed_at (the metadata comes last, so it wins over a same-named
   * original field), and ACKs it — both in one MULTI so it is never lost nor duplicated.
   */
  async deadLetter(msg: StreamMessage, reason: string): Promise<void> {
    const fields = [
      ...Object.entries(msg.fields).flat(),
      'original_id',
      msg.id,
      'reason',
      reason,
      'deliveries',
      String(msg.deliveries),
      'consumer',
      this.consumer,
      'failed_at',
      new Date().toISOString(),
    ];
    const results = await this.connections.command
      .multi()
      .xadd(this.deadLetterStream, 'MAXLEN', '~', DEFAULT_STREAM_MAX_LEN, '*', ...fields)
      .xack(this.stream, this.group, msg.id)
      .exec();
    if (!results) throw new Error(`dead-lettering ${msg.id} was aborted`);
    for (const [err] of results) if (err) throw err;
  }

  /** DOMAIN.md §9.1: "a message delivered more than N times goes to the dead-letter stream". */
  overDeliveryLimit(msg: StreamMessage): boolean {
    return msg.deliveries > this.maxDeliveries;
  }

  /** Entries delivered to the group and not yet ACKed (all consumers); 0 when the group is missing. */
  async pendingCount(): Promise<number> {
    try {
      return parsePendingSummary(await this.connections.command.xpending(this.stream, this.group));
    } catch (err) {
      if (isMissingGroup(err)) return 0;
      throw err;
    }
  }

  /** Entries not yet delivered to the group (XINFO GROUPS `lag`, Redis ≥ 7); null when unknown. */
  async lag(): Promise<number | null> {
    try {
      return parseGroupLag(await this.connections.command.xinfo('GROUPS', this.stream), this.group);
    } catch (err) {
      if (err instanceof Error && /no such key/i.test(err.message)) return null;
      throw err;
    }
  }

  /**
   * Shutdown: a running readNew returns [] at once and later calls read nothing (CONVENTIONS.md: stop
   * fetching first). The reader socket is dropped; an entry Redis hands the blocked reader before
   * it sees the socket close stays in this consumer's PEL and is recovered by readOwnPending on
   * the next start (or claimIdle elsewhere). After `await close()` nothing more is delivered.
   * ack/deadLetter/claimIdle keep working so in-flight work can still be finished and ACKed.
   */
  interrupt(): void {
    this.interrupted = true;
    this.wakeReader?.();
    this.dropReader();
  }

  /** interrupt() and wait until the reader connection has ended; the command connection belongs to RedisConnections. */
  async close(): Promise<void> {
    this.interrupt();
    this.closed = true;
    await Promise.all(this.readersEnding);
  }

  private async blockingRead(blockMs: number, count: number): Promise<RawEntry[]> {
    if (this.reader?.status === 'end') this.reader = undefined; // cut from outside: start over
    this.reader ??= this.connections.createBlocking(`reader:${this.consumer}`);
    const reader = this.reader;
    const watchdogMs =
      this.readTimeoutMs !== undefined
        ? Math.max(this.readTimeoutMs, blockMs + MIN_WATCHDOG_MARGIN_MS)
        : blockMs + DEFAULT_WATCHDOG_MARGIN_MS;
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<typeof WATCHDOG>((resolve) => {
      timer = setTimeout(() => resolve(WATCHDOG), watchdogMs);
    });
    const wake = new Promise<typeof INTERRUPTED>((resolve) => {
      this.wakeReader = () => resolve(INTERRUPTED);
    });
    const read = reader.xreadgroup(
      'GROUP',
      this.group,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.stream,
      '>',
    );
    try {
      const outcome = await Promise.race([read, watchdog, wake]);
      if (outcome === INTERRUPTED) return [];
      if (outcome === WATCHDOG) {
        this.watchdogResets++;
        this.logger.warn(`blocking read gave no answer within ${watchdogMs} ms; replacing the reader connection`);
        if (this.reader === reader) this.dropReader();
        return [];
      }
      return parseReadGroupReply(outcome, this.stream);
    } finally {
      clearTimeout(timer);
      this.wakeReader = undefined;
    }
  }

  private dropReader(): void {
    const reader = this.reader;
    this.reader = undefined;
    if (!reader) return;
    // disconnect (not QUIT, which would queue behind the blocked command). Once the socket has
    // ended Redis has dropped the blocked client, so nothing more can be delivered to it.
    const ending = endConnection(reader, false).finally(() => this.readersEnding.delete(ending));
    this.readersEnding.add(ending);
  }

  /** ACKs entries whose stream data is gone (nil fields): there is nothing left to process. */
  private async dropDeleted(entries: RawEntry[]): Promise<Array<RawEntry & { fields: Record<string, string> }>> {
    const gone = entries.filter((e) => e.fields === null).map((e) => e.id);
    if (gone.length > 0) {
      this.logger.warn(`ACKing ${gone.length} pending entries deleted from the stream: ${gone.join(', ')}`);
      await this.ack(...gone);
    }
    return entries.filter((e): e is RawEntry & { fields: Record<string, string> } => e.fields !== null);
  }

  /** Real delivery counts: one `XPENDING stream group id id 1` per entry, pipelined. */
  private async withDeliveryCounts(
    entries: Array<{ id: string; fields: Record<string, string> }>,
  ): Promise<StreamMessage[]> {
    if (entries.length === 0) return [];
    const counts = new Map<string, number>();
    const pipeline = this.connections.command.pipeline();
    for (const { id } of entries) pipeline.xpending(this.stream, this.group, id, id, 1);
    const results = (await pipeline.exec()) ?? [];
    for (const [err, reply] of results) {
      if (err) throw err;
      for (const row of parsePendingRange(reply)) counts.set(row.id, row.deliveries);
    }
    // no row: the entry was ACKed or claimed away in between — it was delivered at least once
    return entries.map((e) => ({ id: e.id, fields: e.fields, deliveries: counts.get(e.id) ?? 1 }));
  }
}
