import { Inject, Injectable } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { entryKey, QueuedJob, StreamConsumer } from '../consumer/stream-consumer';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';

/** What the pipeline runs next. */
export type WorkItem =
  { kind: 'provision'; school: string; jobs: QueuedJob[] } | { kind: 'macct_repair'; job: QueuedJob };

/**
 * DOMAIN.md §9 step 2. The first provision job opens a batch; we wait PROVISION_DEBOUNCE_SEC (ended
 * early once the batch is full), then drain until PROVISION_BATCH_SIZE or the stream is empty.
 * Nothing read is dropped: jobs beyond the batch, of another school, or macct repairs stay in
 * `queue` (un-ACKed, so a crash loses nothing either). A macct repair read while a batch was being
 * collected runs right after that batch, before the next one opens (scenario 13); otherwise jobs
 * go in stream order.
 */
@Injectable()
export class BatchCoordinator {
  private readonly queue: QueuedJob[] = [];
  private readonly repairsDue = new Set<string>();
  private stopping = false;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly consumer: StreamConsumer,
  ) {}

  /** The next batch or repair, or null when nothing is ready yet (or the worker stops). */
  async next(): Promise<WorkItem | null> {
    if (!this.ready()) {
      await this.fill(this.waitForReady(), this.config.batchSize);
      if (!this.ready()) return null;
    }
    // repairs read while the previous batch was being collected run first, right after it;
    // otherwise stream order decides (a repair queued behind a create waits for that batch)
    const due = this.queue.findIndex((j) => this.isReady(j) && this.repairsDue.has(entryKey(j)));
    if (due >= 0) return this.repair(due);
    const firstIndex = this.queue.findIndex((j) => this.isReady(j));
    const first = this.queue[firstIndex];
    if (first.payload.type === 'macct_repair') return this.repair(firstIndex);
    const school = first.payload.school;
    const size = () => this.queue.filter((j) => this.belongs(j, school)).length;
    const deadline = first.readAt + this.config.debounceMs;
    while (!this.stopping && size() < this.config.batchSize && Date.now() < deadline) {
      await this.fill(deadline - Date.now(), this.config.batchSize - size());
    }
    // drain: a short read returning fewer entries than asked means the stream is empty
    while (!this.stopping && size() < this.config.batchSize) {
      const got = await this.fill(1, this.config.batchSize - size());
      if (got === 0) break;
    }
    if (this.stopping) return null; // hand back: the jobs stay pending for the next start
    const jobs: QueuedJob[] = [];
    for (let i = 0; i < this.queue.length && jobs.length < this.config.batchSize;) {
      if (this.belongs(this.queue[i], school)) jobs.push(...this.queue.splice(i, 1));
      else i++;
    }
    for (const j of this.queue) if (j.payload.type === 'macct_repair') this.repairsDue.add(entryKey(j));
    return { kind: 'provision', school, jobs };
  }

  /**
   * Look-ahead while a batch imports: the provision jobs the next batch would start with, from what
   * is queued plus one short read of what is already in the stream — nothing is taken out of the
   * queue and nothing waits for the debounce. `next()` still forms the batch (it may add more jobs,
   * or run a macct repair first). Null when nothing is ready or the worker stops.
   */
  async peek(): Promise<{ school: string; jobs: QueuedJob[] } | null> {
    if (this.stopping) return null;
    await this.fill(1, this.config.batchSize);
    const first = this.queue.find((j) => this.isReady(j) && j.payload.type === 'provision_host');
    if (!first || this.stopping) return null;
    const school = first.payload.school;
    const jobs = this.queue.filter((j) => this.belongs(j, school)).slice(0, this.config.batchSize);
    return { school, jobs };
  }

  private repair(index: number): WorkItem {
    const [job] = this.queue.splice(index, 1);
    this.repairsDue.delete(entryKey(job));
    return { kind: 'macct_repair', job };
  }

  /** Puts jobs back (transient failure: lock timeout, API down) to be tried after `delayMs`. */
  handBack(jobs: QueuedJob[], delayMs: number): void {
    const notBefore = Date.now() + delayMs;
    this.queue.unshift(...jobs.map((j) => ({ ...j, notBefore })));
    this.queue.sort((a, b) => compareIds(a.id, b.id));
  }

  stop(): void {
    this.stopping = true;
  }

  /** Jobs read but not processed (they are still pending in Redis). */
  queued(): number {
    return this.queue.length;
  }

  private belongs(job: QueuedJob, school: string): boolean {
    return this.isReady(job) && job.payload.type === 'provision_host' && job.payload.school === school;
  }

  private isReady(job: QueuedJob): boolean {
    return !job.notBefore || job.notBefore <= Date.now();
  }

  private ready(): boolean {
    return this.queue.some((j) => this.isReady(j));
  }

  /** How long a read may block: until the first handed-back job is due, at most one BLOCK. */
  private waitForReady(): number {
    const due = this.queue.map((j) => j.notBefore ?? 0).filter((t) => t > 0);
    const until = due.length ? Math.min(...due) - Date.now() : this.config.blockMs;
    return Math.max(1, Math.min(until, this.config.blockMs));
  }

  private async fill(waitMs: number, count: number): Promise<number> {
    if (this.stopping) return 0;
    const got = await this.consumer.read(Math.max(1, waitMs), Math.max(1, count));
    let added = 0;
    for (const job of got) {
      // a claim may return an entry we already hold (our own idle one): keep one copy
      if (this.queue.some((q) => entryKey(q) === entryKey(job))) continue;
      this.queue.push(job);
      added++;
    }
    if (added) this.queue.sort((a, b) => compareIds(a.id, b.id));
    if (added) this.logger.debug({ added, queued: this.queue.length }, 'jobs queued');
    return got.length;
  }
}

/** Stream order of entry ids `ms-seq`. */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
