import { Inject, Injectable } from '@nestjs/common';

import { QueuedJob } from '../consumer/stream-consumer';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { HandBackReason, WorkerMetrics } from '../metrics/worker-metrics';
import { ImportStep, LockedRun } from '../pipeline/import-step';
import { intake, RUNNING_REFUSED } from '../pipeline/intake';
import { LookAhead } from '../pipeline/look-ahead';
import { MergeStep } from '../pipeline/merge-step';
import { ProvisionJob } from '../pipeline/provision-job';
import { ReportChain } from '../pipeline/report-chain';
import { batchOutcome } from '../pipeline/verdicts';
import { VerificationStep } from '../pipeline/verification-step';
import { ApiUnavailableError, ReportAbortedError } from '../report/api-transport';
import { JobReporter, JobVerdict, TerminalVerdict } from '../report/job-reporter';

/** What the caller does with jobs we could not finish now (DOMAIN.md §9: transient → un-ACKed, retried). */
export interface BatchResult {
  handedBack: QueuedJob[];
  /** why jobs were handed back (null: none were) */
  reason: HandBackReason | null;
}

type Verdicts = Map<ProvisionJob, JobVerdict>;
/** no live jobs: nothing decided under the lock, nothing imported */
const NOTHING_LOCKED: LockedRun = { verdicts: new Map(), imported: null, phases: {} };
type ReporterPort = Pick<JobReporter, 'skipMany' | 'runningMany' | 'finishMany'>;

/**
 * One provision batch of one school, DOMAIN.md §9 steps 3–9, composed from the pipeline's steps:
 * intake (snapshots, classify, coalesce), `running` in one report, the merge (dry-run jobs plan
 * only), the locked write + import, the verification and the report — the last two behind the
 * caller's back, in batch order (ReportChain), while the next batch merges and imports.
 */
@Injectable()
export class ProvisionProcessor {
  private readonly chain = new ReportChain();

  constructor(
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Inject(JobReporter) private readonly reporter: ReporterPort,
    private readonly ahead: LookAhead,
    private readonly merge: MergeStep,
    private readonly importStep: ImportStep,
    private readonly verification: VerificationStep,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * `lookAhead` (optional) is started when the batch's import starts and awaited before returning:
   * the caller uses it to `prepare` the next batch while the import runs.
   */
  async process(school: string, batch: QueuedJob[], lookAhead?: () => Promise<void>): Promise<BatchResult> {
    // a report was abandoned at shutdown meanwhile: start nothing, the jobs stay pending
    if (!(await this.chain.admit())) return { handedBack: batch, reason: 'shutdown' };
    const started = Date.now();
    const log = this.logger.child({ school, batch: batch.map((j) => j.payload.operation_id) });
    log.info({ size: batch.length }, 'provision batch opened');
    this.metrics.batchOpened(batch.length);

    // 1. snapshots in one query; the API being down is transient: hand the whole batch back, nothing done yet
    const views = await this.ahead.views(batch).catch((err: Error) => {
      if (!(err instanceof ApiUnavailableError)) throw err;
      log.warn({ err: err.message }, 'API unavailable; batch handed back for a later retry');
      this.metrics.batchDone(school, 'handed_back');
      return null;
    });
    if (!views) return { handedBack: batch, reason: 'api_unavailable' };
    // 2. classify and coalesce per host; unknown, finished and duplicate entries are ACKed at once
    const { jobs, skips, early } = intake(batch, views);
    await this.reporter.skipMany(skips);
    // 3. `running` for the rest, with the early verdicts first
    const live = await this.start(jobs, early);
    const prefetched = this.ahead.release(batch);
    const phases: Record<string, number> = { fetchMs: Date.now() - started };

    // 4–7. merge; dry-run jobs only plan, live ones are written and imported under the lock
    const dryRun = live.filter((j) => j.options.dryRun);
    const real = live.filter((j) => !j.options.dryRun);
    const planned: Verdicts = dryRun.length ? (await this.merge.run(school, dryRun, true)).verdicts : new Map();
    const locked = real.length
      ? await this.importStep.run(school, real, log, {
          after: this.chain.overlapping(real, log), // the verification of a batch sharing hosts
          importStarting: () => this.lookAhead(lookAhead, log),
        })
      : NOTHING_LOCKED;
    const handedBack = locked ? [] : real.map((j) => j.job);
    Object.assign(phases, locked?.phases);

    // 8. verification, from now on while the next batch merges and imports
    const decided: Verdicts = new Map([...planned, ...(locked?.verdicts ?? [])]);
    const imported = locked?.imported ?? null;
    const verdicts = imported
      ? this.verification.run(imported, log).then((found) => {
          if (found.ms !== undefined) phases.verifyMs = found.ms;
          return new Map([...decided, ...found.verdicts]);
        })
      : Promise.resolve(decided);

    // 9. report every verdict in one bulk call, then ACK them (never before the reports are stored)
    const report = async (final: Verdicts) => {
      const reportStart = Date.now();
      await this.reporter.finishMany([...final].map(([j, verdict]) => [j.job, verdict]));
      phases.reportMs = Date.now() - reportStart;
      const done = { durationMs: Date.now() - started, phases, prefetched, reported: final.size };
      log.info({ ...done, handedBack: handedBack.length }, 'provision batch done');
      this.metrics.batchDone(school, batchOutcome([...final.values()], handedBack.length));
    };
    this.chain.append(verdicts, imported?.applied ?? null, report, log);
    return { handedBack, reason: handedBack.length ? 'lock_timeout' : null };
  }

  /**
   * One bulk report: the early verdicts (ACKed once stored), then `running` for the jobs not
   * prepared during the previous import (the API holds those `running` already). A refusal, or a
   * 200 holding another status (cancelled/finished meanwhile), drops a job: it is ACKed, not run.
   */
  private async start(jobs: ProvisionJob[], early: Array<[QueuedJob, TerminalVerdict]>): Promise<ProvisionJob[]> {
    const toStart = jobs.filter((j) => !this.ahead.isPrepared(j.job));
    const taken = await this.reporter.runningMany(
      toStart.map((j) => j.job),
      early,
    );
    const refused = new Set(toStart.filter((_, i) => !taken[i]));
    await this.reporter.skipMany([...refused].map((j) => [j.job, RUNNING_REFUSED]));
    return jobs.filter((j) => !refused.has(j));
  }

  /** See LookAhead; resolves with the number of jobs prepared, 0 when the chain is stopping. */
  async prepare(batch: QueuedJob[]): Promise<number> {
    if (!(await this.chain.admitAhead())) return 0;
    return this.ahead.prepare(batch);
  }

  private lookAhead(fn: (() => Promise<void>) | undefined, log: WorkerLogger): Promise<void> | undefined {
    if (!fn) return undefined;
    return fn().catch((err: Error) => {
      // the next batch then fetches and reports `running` itself, as without look-ahead
      if (err instanceof ReportAbortedError) return;
      log.warn({ err: err.message }, 'look-ahead for the next batch failed; it starts without it');
    });
  }

  /** Resolves once every batch handed to `process` is verified and reported (never rejects). */
  settled(): Promise<void> {
    return this.chain.settled();
  }

  /** Waits for every report; throws the ReportAbortedError of a report abandoned at shutdown. */
  drain(): Promise<void> {
    return this.chain.drain();
  }
}
