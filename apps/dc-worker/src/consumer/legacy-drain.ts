import { ConsumerGroup, StreamMessage } from '@app/redis-streams';

import { WorkerLogger } from '../logging/worker-logger';

/**
 * The default DC's worker after an upgrade (docs/OPERATIONS.md "Upgrading a single-school
 * installation"): before DCs existed every job went to `linbo:jobs`, and entries may still sit there —
 * never read, or read and never ACKed by the old worker (or by this one before a crash). They are read
 * with the same group as the DC's own stream, so they are batched, reported and ACKed like any other
 * job, until the group holds nothing there: no entry left to deliver and none pending. Then the stream
 * is not read again by this process (the next start looks once more).
 *
 * Order per read: this consumer's own pending entries (`0`), then entries other consumers left idle
 * past CLAIM_IDLE_SEC (the old worker under another CONSUMER_NAME: the same rule as for a dead
 * worker, so a still running old worker is never robbed), then new ones — without blocking: the
 * API no longer writes there.
 */
export class LegacyStreamDrain {
  private state: 'unchecked' | 'draining' | 'done' = 'unchecked';
  private lastClaim = 0;
  /** entry ids taken from the stream (a claimed entry comes back as our own pending: counted once) */
  private readonly taken = new Set<string>();

  constructor(
    readonly group: ConsumerGroup,
    private readonly claimIntervalMs: number,
    private readonly logger: WorkerLogger,
  ) {}

  /** Legacy entries to process now; [] when there are none at the moment or the stream is drained. */
  async read(count: number): Promise<StreamMessage[]> {
    if (this.state === 'done') return [];
    try {
      if (this.state === 'unchecked') {
        // never create the old stream: a fresh installation has nothing to drain
        if (!(await this.group.streamExists())) return await this.finish();
        await this.group.ensureGroup();
        this.state = 'draining';
        this.logger.info({ stream: this.group.stream, group: this.group.group }, 'draining the legacy stream');
      }
      const got = await this.next(count);
      if (got.length > 0) {
        for (const m of got) this.taken.add(m.id);
        return got;
      }
      // nothing to deliver now; drained once nothing read from it is still un-ACKed (ours included)
      if ((await this.group.pendingCount()) === 0) return await this.finish();
      return [];
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOPERM')) throw err;
      // a Redis ACL user of the new layout only (docs/OPERATIONS.md): say what to grant, go on without it
      this.logger.error(
        { stream: this.group.stream, err: err.message },
        'cannot read the legacy stream; grant this worker ~linbo:jobs until it is drained',
      );
      this.state = 'done';
      return [];
    }
  }

  private async next(count: number): Promise<StreamMessage[]> {
    const own = await this.group.readOwnPending(count);
    if (own.length > 0) return own;
    if (Date.now() - this.lastClaim >= this.claimIntervalMs) {
      this.lastClaim = Date.now();
      const claimed = await this.group.claimIdle(count);
      if (claimed.length > 0) return claimed;
    }
    return this.group.readNew({ blockMs: 1, count });
  }

  private async finish(): Promise<StreamMessage[]> {
    this.state = 'done';
    await this.group.close();
    this.logger.info(
      { stream: this.group.stream, group: this.group.group, jobs: this.taken.size },
      'legacy stream drained; it is not read any more',
    );
    return [];
  }
}
