import { Inject, Injectable } from '@nestjs/common';

import { OperationView } from '@app/provisioning';

import { entryKey, QueuedJob } from '../consumer/stream-consumer';
import { ApiClient } from '../report/api-client';
import { JobReporter } from '../report/job-reporter';
import { intake } from './intake';
import type { OperationsPort } from './ports';

type RunningPort = Pick<JobReporter, 'runningMany'>;

/**
 * Look-ahead, run while the previous batch imports: fetch the snapshots of the jobs the next batch
 * will start with and report the ones that will run `running` in one bulk call, so that batch can
 * lock and merge as soon as this import is verified. Changes nothing else: no ACK, no terminal
 * verdict (skips, duplicates and jobs superseded within the batch are left to the batch, which
 * fetches them again), and a job the API does not take is simply not prepared.
 *
 * Only `running` views are kept, by stream entry id: the API never moves a running operation except
 * on the worker's own report, so the view stays true until this worker reports it.
 */
@Injectable()
export class LookAhead {
  private readonly prepared = new Map<string, OperationView>();

  constructor(
    @Inject(ApiClient) private readonly api: OperationsPort,
    @Inject(JobReporter) private readonly reporter: RunningPort,
  ) {}

  /** Prepares what it can of `batch`; resolves with the number of jobs now held `running`. */
  async prepare(batch: QueuedJob[]): Promise<number> {
    const fresh = batch.filter((j) => !this.prepared.has(entryKey(j)));
    if (fresh.length === 0) return 0;
    const views = await this.api.fetchOperations(fresh.map((j) => j.payload.operation_id));
    // coalesced within what is read so far; the batch coalesces all its jobs again
    const { jobs } = intake(fresh, views);
    const accepted = await this.reporter.runningMany(jobs.map((j) => j.job));
    const taken = jobs.filter((_, i) => accepted[i]);
    for (const j of taken) this.prepared.set(entryKey(j.job), { ...j.op, status: 'running' });
    return taken.length;
  }

  /**
   * The batch's operations by id: the prepared ones as held, the rest in one query (no side
   * effects: an outage — ApiUnavailableError — leaves the batch untouched).
   */
  async views(batch: QueuedJob[]): Promise<Map<string, OperationView>> {
    const missing = batch.filter((j) => !this.prepared.has(entryKey(j))).map((j) => j.payload.operation_id);
    const views = missing.length ? await this.api.fetchOperations(missing) : new Map<string, OperationView>();
    for (const j of batch) {
      const view = this.prepared.get(entryKey(j));
      if (view) views.set(j.payload.operation_id, view);
    }
    return views;
  }

  /** Whether this entry's job is `running` already (reported during the previous import). */
  isPrepared(job: QueuedJob): boolean {
    return this.prepared.has(entryKey(job));
  }

  /** Forgets the batch's prepared jobs (it reports them itself from now on); how many there were. */
  release(batch: QueuedJob[]): number {
    return batch.filter((j) => this.prepared.delete(entryKey(j))).length;
  }
}
