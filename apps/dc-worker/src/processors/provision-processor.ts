import { Inject, Injectable } from '@nestjs/common';
import {
  BatchJob,
  BatchPlan,
  DeviceRecord,
  Finding,
  normalizeMac,
  planBatch,
  validateDevicesFiles,
} from '@app/csv-merge';
import { isTerminal, OperationView, PROVISION_ACTIONS, ProvisionOptions } from '@app/provisioning';
import { deltaPathFor, masterPathFor, WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { QueuedJob } from '../consumer/stream-consumer';
import { DeltaFile } from '../files/delta-file';
import { MasterFile, MasterMissingError } from '../files/master-file';
import { otherSchoolFiles, readable } from '../files/school-files';
import { describeImport, ImportRun, ImportRunner } from '../import/import-runner';
import { LockTimeoutError, ProvisionLock } from '../lock/provision-lock';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { BatchOutcome, WorkerMetrics } from '../metrics/worker-metrics';
import { ApiClient, ApiUnavailableError, ReportAbortedError } from '../report/api-client';
import { DhcpCapture, Verifier, VerifyTarget } from '../verify/verifier';
import { faultPoint } from './fault-injection';
import { failed, JobReporter, JobVerdict, TerminalVerdict } from './job-reporter';

/** A job with the operation the API holds for it. */
export interface ProvisionJob {
  job: QueuedJob;
  op: OperationView;
  options: ProvisionOptions;
  action: 'create' | 'update' | 'delete';
}

/** A batch imported under the lock, to be verified after it is released (finishVerification). */
interface PendingVerification {
  school: string;
  batchSize: number;
  applied: ProvisionJob[];
  targets: VerifyTarget[];
  run: ImportRun;
  outcomes: BatchPlan['outcomes'];
  dhcp: DhcpCapture;
}

/** runLive: the verdicts decided under the lock, and the verification still to run (if imported). */
interface LiveResult {
  verdicts: Map<ProvisionJob, JobVerdict>;
  pending?: PendingVerification;
}

/** Host identities of jobs (lower-cased names and old names, normalised MACs, IPs). */
export function identityKeys(jobs: ProvisionJob[]): Set<string> {
  const keys = new Set<string>();
  for (const j of jobs) {
    keys.add(`name:${j.options.hostname.toLowerCase()}`);
    if (j.options.oldHostname) keys.add(`name:${j.options.oldHostname.toLowerCase()}`);
    const mac = normalizeMac(j.options.macAddress);
    if (mac) keys.add(`mac:${mac}`);
    if (j.options.ipAddress) keys.add(`ip:${j.options.ipAddress}`);
  }
  return keys;
}

/** What the caller does with jobs we could not finish now (DOMAIN.md §9: transient → un-ACKed, retried). */
export interface BatchResult {
  handedBack: QueuedJob[];
}

export function recordOf(o: ProvisionOptions): DeviceRecord {
  return {
    room: o.room,
    hostname: o.hostname,
    config: o.config,
    mac: o.macAddress,
    ip: o.ipAddress,
    role: o.role,
    pxeFlag: o.pxeFlag,
  };
}

/** Data lines (sophomorix's view: not `#` in column 0, not blank) by lower-cased host name. */
function hostNames(text: string): string[] {
  const names: string[] = [];
  for (const raw of text.split('\n')) {
    if (raw.startsWith('#') || raw.trim() === '') continue;
    names.push((raw.split(';')[1] ?? '').toLowerCase());
  }
  return names;
}

/**
 * DOMAIN.md §9 step 6 guard, computed here independently of the merge library: how many host lines of
 * the old master are gone from the new one, counting a rename of this batch as kept.
 */
export function droppedLines(before: string, after: string, renames: Map<string, string>): number {
  const present = new Map<string, number>();
  for (const n of hostNames(after)) present.set(n, (present.get(n) ?? 0) + 1);
  let dropped = 0;
  for (const n of hostNames(before)) {
    const key = present.get(n) ? n : renames.get(n);
    const left = key ? (present.get(key) ?? 0) : 0;
    if (left > 0) present.set(key!, left - 1);
    else dropped++;
  }
  return dropped;
}

/**
 * One provision batch of one school, DOMAIN.md §9 steps 3–9: fetch the snapshots, skip finished or
 * superseded operations, coalesce per host, report running, plan dry-run jobs without writing,
 * then under the lock: plan, write delta and master, import once, verify in bulk; finally report
 * every job and ACK it.
 */
@Injectable()
export class ProvisionProcessor {
  /** the report + ACK of the batches processed so far, chained in batch order */
  private reporting: Promise<void> = Promise.resolve();
  /** the chain up to the batch before the last one: a new batch starts only once it is done */
  private reportedBeforeLast: Promise<void> = Promise.resolve();
  private aborted: ReportAbortedError | null = null;
  /**
   * Jobs of the next batch already made `running` during the previous batch's import (`prepare`),
   * by stream entry id, with the operation as the API returned it. Only `running` ones are kept: the
   * API never moves a running operation except on the worker's own report, so the view stays true
   * until this worker reports it.
   */
  private readonly prepared = new Map<string, OperationView>();
  /** the last imported batch's verification while it runs (the next batch may import meanwhile) */
  private verifying: { keys: Set<string>; done: Promise<void> } | null = null;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly api: ApiClient,
    private readonly reporter: JobReporter,
    private readonly lock: ProvisionLock,
    private readonly master: MasterFile,
    private readonly delta: DeltaFile,
    private readonly importer: ImportRunner,
    private readonly verifier: Verifier,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * `lookAhead` (optional) is started when the batch's import starts and awaited before returning:
   * the caller uses it to `prepare` the next batch while the import runs.
   */
  async process(school: string, batch: QueuedJob[], lookAhead?: () => Promise<void>): Promise<BatchResult> {
    // back-pressure: at most one earlier batch still reporting while this one runs (never rejects)
    await this.reportedBeforeLast;
    // a report was abandoned at shutdown meanwhile: start nothing, the jobs stay pending
    if (this.aborted) return { handedBack: batch };
    const started = Date.now();
    const log = this.logger.child({ school, batch: batch.map((j) => j.payload.operation_id) });
    log.info({ size: batch.length }, 'provision batch opened');
    this.metrics.batchOpened(batch.length);

    // 1. snapshots in one query; the API being down is transient: hand the whole batch back, nothing done yet
    // verdicts settled before running (not a provision job, superseded in the batch)
    const early: Array<[QueuedJob, TerminalVerdict]> = [];
    let jobs: ProvisionJob[];
    try {
      jobs = await this.fetch(batch, early);
    } catch (err) {
      if (!(err instanceof ApiUnavailableError)) throw err;
      log.warn({ err: err.message }, 'API unavailable; batch handed back for a later retry');
      this.metrics.batchDone(school, 'handed_back');
      return { handedBack: batch };
    }

    // 2. coalesce per host: the newest job wins (DOMAIN.md §8: a stale job never overwrites newer data)
    jobs = this.coalesce(jobs, early);

    // 3. one bulk report: the early verdicts first (ACKed once stored), then `running` for the rest
    // (not for jobs prepared during the previous import: the API holds them `running` already);
    // a refusal, or a 200 holding another status (cancelled/finished meanwhile), drops a job — it
    // is ACKed and not run
    const toStart = jobs.filter((j) => !this.prepared.has(j.job.id));
    const startedNow = await this.reporter.runningMany(
      toStart.map((j) => j.job),
      early,
    );
    const refused = new Set(toStart.filter((_, i) => !startedNow[i]));
    const prefetched = batch.filter((j) => this.prepared.delete(j.id)).length;
    const live = jobs.filter((j) => !refused.has(j));
    await this.reporter.skipMany([...refused].map((j) => [j.job, 'API refused running (superseded or finished)']));
    const phases: Record<string, number> = { fetchMs: Date.now() - started };

    const verdicts = new Map<ProvisionJob, JobVerdict>();
    const dryRun = live.filter((j) => j.options.dryRun);
    const real = live.filter((j) => !j.options.dryRun);
    if (dryRun.length) for (const [j, v] of await this.planDryRun(school, dryRun)) verdicts.set(j, v);

    let handedBack: QueuedJob[] = [];
    let ahead: Promise<void> | undefined;
    let pending: PendingVerification | undefined;
    if (real.length) {
      const startLookAhead = () => {
        ahead = this.lookAhead(lookAhead, log);
      };
      try {
        const live = await this.runLive(school, real, log, phases, startLookAhead);
        for (const [j, v] of live.verdicts) verdicts.set(j, v);
        pending = live.pending;
      } catch (err) {
        if (!(err instanceof LockTimeoutError)) throw err;
        log.warn({ err: err.message }, 'lock timeout; jobs stay un-ACKed for a later retry');
        handedBack = real.map((j) => j.job);
      } finally {
        // the caller reads the stream again after we return: the look-ahead must be done by then
        await ahead;
      }
    }

    // 8. verification, from now on while the next batch merges and imports; an unexpected error
    // there gets each job another bounded try through the API, like any worker error
    const verified: Promise<void> = pending
      ? this.finishVerification(pending, log, phases).then(
          (found) => found.forEach((v, j) => verdicts.set(j, v)),
          (err: Error) => {
            log.error({ err: err.message, stack: err.stack }, 'verification failed unexpectedly');
            const retry: JobVerdict = {
              status: 'retry',
              code: 'WORKER_ERROR',
              message: `worker error: ${err.message}`,
            };
            for (const j of pending!.applied) verdicts.set(j, retry);
          },
        )
      : Promise.resolve();
    if (pending) this.verifying = { keys: identityKeys(pending.applied), done: verified };

    // 9. report every verdict in one bulk call, then ACK them (never before the reports are stored).
    // Runs behind the caller's back after the verification: the next batch may fetch, lock and
    // import meanwhile (its merge starts after this batch's import, which is done), but its own
    // report waits for this one, so at most one report is in flight and they are stored in batch
    // order; the batch after it starts only once this one has reported.
    const settle = async () => {
      const reportStart = Date.now();
      await this.reporter.finishMany([...verdicts].map(([j, verdict]) => [j.job, verdict]));
      phases.reportMs = Date.now() - reportStart;
      log.info(
        {
          durationMs: Date.now() - started,
          phases,
          prefetched,
          reported: verdicts.size,
          handedBack: handedBack.length,
        },
        'provision batch done',
      );
      this.metrics.batchDone(school, batchOutcome([...verdicts.values()], handedBack.length));
    };
    this.reportedBeforeLast = this.reporting;
    this.reporting = Promise.all([this.reporting, verified]).then(() =>
      settle().catch((err: Error) => {
        // the jobs stay un-ACKed (pending): redelivered after a restart or claim, found terminal
        // or re-run idempotently; a later batch still reports
        if (err instanceof ReportAbortedError) this.aborted ??= err;
        else log.error({ err: err.message, stack: err.stack }, 'batch report failed; its jobs stay pending');
      }),
    );
    return { handedBack };
  }

  /**
   * Look-ahead, run while the previous batch imports: fetch the snapshots of the jobs the next batch
   * will start with and report the ones that will run `running` in one bulk call, so that batch can
   * lock and merge as soon as this import is verified. Changes nothing else: no ACK, no terminal
   * verdict (skips, duplicates and jobs superseded within `batch` are left to `process`, which
   * fetches them again), and a job the API does not take is simply not prepared. Resolves with the
   * number of jobs prepared; any failure leaves the rest to `process`.
   */
  async prepare(batch: QueuedJob[]): Promise<number> {
    // back-pressure as in `process`: the next batch starts only once the batch before this one has
    // reported, so its jobs are not made `running` any earlier either
    await this.reporting;
    if (this.aborted) return 0;
    const fresh = batch.filter((j) => !this.prepared.has(j.id));
    if (fresh.length === 0) return 0;
    const views = await this.api.fetchOperations(fresh.map((j) => j.payload.operation_id));
    const { jobs } = this.classify(fresh, views);
    // coalesced within what is read so far; `process` coalesces the whole batch again
    const survivors = this.coalesce(jobs, []);
    const accepted = await this.reporter.runningMany(survivors.map((j) => j.job));
    let count = 0;
    survivors.forEach((j, i) => {
      if (!accepted[i]) return;
      this.prepared.set(j.job.id, { ...j.op, status: 'running' });
      count++;
    });
    return count;
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
  async settled(): Promise<void> {
    await this.reporting;
  }

  /**
   * Waits until every batch handed to `process` has reported and ACKed its jobs. Throws the
   * ReportAbortedError of a report abandoned at shutdown (those jobs stay pending).
   */
  async drain(): Promise<void> {
    await this.settled();
    const aborted = this.aborted;
    this.aborted = null;
    if (aborted) throw aborted;
  }

  /**
   * The batch's operations in one query (no side effects, so an outage hands back the batch
   * untouched). Unknown, finished and duplicate entries are ACKed at once; a job that is not a
   * provision job gets its failed verdict in `verdicts`.
   */
  private async fetch(batch: QueuedJob[], early: Array<[QueuedJob, TerminalVerdict]>): Promise<ProvisionJob[]> {
    const missing = batch.filter((j) => !this.prepared.has(j.id)).map((j) => j.payload.operation_id);
    const views = missing.length ? await this.api.fetchOperations(missing) : new Map<string, OperationView>();
    for (const j of batch) {
      const view = this.prepared.get(j.id);
      if (view) views.set(j.payload.operation_id, view);
    }
    const { jobs, skips, unfit } = this.classify(batch, views);
    early.push(...unfit);
    await this.reporter.skipMany(skips);
    return jobs;
  }

  /**
   * Sorts a batch by its operations: provision jobs to run, entries to ACK without a status change
   * (duplicate, unknown or finished operation) and jobs to fail at once (not a provision job).
   */
  private classify(
    batch: QueuedJob[],
    views: Map<string, OperationView>,
  ): { jobs: ProvisionJob[]; skips: Array<[QueuedJob, string]>; unfit: Array<[QueuedJob, TerminalVerdict]> } {
    const unfitJobs: Array<[QueuedJob, TerminalVerdict]> = [];
    // the same operation twice in a batch (a republished entry next to its first one): the later
    // entry stands for it, the earlier one is ACKed as a duplicate — never two verdicts for one operation
    const lastEntry = new Map(batch.map((j) => [j.payload.operation_id, j]));
    const skips: Array<[QueuedJob, string]> = [];
    const out: ProvisionJob[] = [];
    for (const job of batch) {
      const opId = job.payload.operation_id;
      const op = views.get(opId);
      if (lastEntry.get(opId) !== job) {
        skips.push([job, `duplicate entry of operation ${opId}; a later entry of this batch stands for it`]);
        continue;
      }
      if (!op) {
        skips.push([job, 'OPERATION_NOT_FOUND: the API does not know this operation']);
        continue;
      }
      if (isTerminal(op.status)) {
        skips.push([job, `operation already ${op.status}`]);
        continue;
      }
      const action = job.payload.action;
      const unfit = (message: string) => unfitJobs.push([job, failed('WORKER_ERROR', message)]);
      if (op.type !== 'provision_host' || (action !== 'create' && action !== 'update' && action !== 'delete')) {
        unfit(`operation ${opId} is ${op.type}/${op.action}, not a provision job`);
        continue;
      }
      const options = op.options as ProvisionOptions;
      if (!options || typeof options.hostname !== 'string' || typeof options.macAddress !== 'string') {
        unfit(`operation ${opId} has no host snapshot in its options`);
        continue;
      }
      // the operation's own action is authoritative; the payload only routes
      const opAction = (PROVISION_ACTIONS as readonly string[]).includes(op.action) ? op.action : action;
      out.push({ job, op, options, action: opAction as ProvisionJob['action'] });
    }
    return { jobs: out, skips, unfit: unfitJobs };
  }

  /**
   * Jobs of one host (by host id, else name) collapse into the newest. A rename carried by an
   * older job is kept (the DC still knows the first name). A delete after a rename is not
   * collapsed: the delete's snapshot does not know the old name, so both run in order.
   */
  private coalesce(jobs: ProvisionJob[], early: Array<[QueuedJob, TerminalVerdict]>): ProvisionJob[] {
    const groups = new Map<string, ProvisionJob[]>();
    for (const j of jobs) {
      const key = j.options.hostId ?? `name:${j.options.hostname.toLowerCase()}`;
      groups.set(key, [...(groups.get(key) ?? []), j]);
    }
    const keep = new Set<ProvisionJob>();
    for (const group of groups.values()) {
      const newest = group[group.length - 1];
      const firstName = group[0].options.oldHostname ?? group[0].options.hostname;
      const renamed = group.some((j) => j.options.oldHostname && j.options.oldHostname !== j.options.hostname);
      if (group.length > 1 && newest.action === 'delete' && renamed) {
        group.forEach((j) => keep.add(j));
        continue;
      }
      if (
        group.length > 1 &&
        firstName.toLowerCase() !== newest.options.hostname.toLowerCase() &&
        newest.action !== 'delete'
      ) {
        newest.options = { ...newest.options, oldHostname: firstName };
      }
      if (group.length > 1 && newest.action === 'update' && group[0].action === 'create') {
        // the DC never saw the create; the update's snapshot is the whole host
        newest.action = 'create';
      }
      keep.add(newest);
      for (const older of group.slice(0, -1)) {
        early.push([
          older.job,
          {
            status: 'cancelled',
            message: `superseded by operation ${newest.op.id} in the same batch`,
            result: { supersededBy: newest.op.id },
          },
        ]);
      }
    }
    return jobs.filter((j) => keep.has(j));
  }

  private toBatchJobs(jobs: ProvisionJob[]): BatchJob[] {
    return jobs.map((j) => ({
      id: j.op.id,
      action: j.action,
      record: recordOf(j.options),
      ...(j.options.oldHostname ? { oldHostname: j.options.oldHostname } : {}),
      ...(j.options.adopt ? { adopt: true } : {}),
    }));
  }

  private async readInputs(
    school: string,
  ): Promise<{ masterPath: string; deltaPath: string; masterText: string; deltaText: string }> {
    const masterPath = masterPathFor(this.config, school);
    const deltaPath = deltaPathFor(this.config, school);
    const masterText = await this.master.read(masterPath);
    const deltaText = await this.delta.read(deltaPath);
    return { masterPath, deltaPath, masterText, deltaText };
  }

  private plan(
    inputs: { masterPath: string; deltaPath: string; masterText: string; deltaText: string },
    jobs: ProvisionJob[],
  ): BatchPlan {
    return planBatch({
      masterText: inputs.masterText,
      deltaText: inputs.deltaText,
      jobs: this.toBatchJobs(jobs),
      masterName: inputs.masterPath,
      deltaName: inputs.deltaPath,
    });
  }

  /** DOMAIN.md §11 scenario 11: plan only; nothing is written (no delta, master, backup or temp file). */
  private async planDryRun(school: string, jobs: ProvisionJob[]): Promise<Map<ProvisionJob, JobVerdict>> {
    const out = new Map<ProvisionJob, JobVerdict>();
    let inputs;
    try {
      inputs = await this.readInputs(school);
    } catch (err) {
      if (!(err instanceof MasterMissingError)) throw err;
      for (const j of jobs) out.set(j, failed('MASTER_MISSING', err.message, { dryRun: true }));
      return out;
    }
    const plan = this.plan(inputs, jobs);
    const foreign = await this.otherSchoolCheck(school, inputs.masterPath, plan.master);
    const blocking = [...plan.manualErrors, ...foreign.findings];
    const manual = blocking.map((f) => where(f, inputs.masterPath));
    jobs.forEach((j, i) => {
      const outcome = plan.outcomes[i];
      const result = { dryRun: true, stats: plan.stats, manualErrors: manual };
      if (outcome.status === 'failed') out.set(j, failed(outcome.code as never, outcome.message, result));
      else
        out.set(j, {
          status: 'completed',
          result: { ...result, line: outcome.line, adopted: outcome.adopted ?? false },
        });
    });
    return out;
  }

  private async runLive(
    school: string,
    jobs: ProvisionJob[],
    log: WorkerLogger,
    phases: Record<string, number>,
    importStarting: () => void,
  ): Promise<LiveResult> {
    const out = new Map<ProvisionJob, JobVerdict>();
    const done = (): LiveResult => ({ verdicts: out });
    let mark = Date.now();
    const phase = (name: string) => {
      phases[name] = Date.now() - mark;
      mark = Date.now();
    };
    const failAll = (list: ProvisionJob[], verdict: JobVerdict) => list.forEach((j) => out.set(j, verdict));
    await this.afterOverlappingVerification(jobs, log);
    const held = await this.lock.acquire();
    phase('lockMs');
    try {
      let inputs;
      try {
        inputs = await this.readInputs(school);
      } catch (err) {
        if (!(err instanceof MasterMissingError)) throw err;
        failAll(jobs, failed('MASTER_MISSING', err.message));
        return done();
      }
      // plan, then pre-flight against the other schools' files; a job whose own MAC or IP is taken
      // there is failed alone and the rest re-planned without it (DOMAIN.md §9 step 5)
      let candidates = jobs;
      let plan: BatchPlan;
      let applied: ProvisionJob[];
      for (;;) {
        plan = this.plan(inputs, candidates);
        applied = [];
        candidates.forEach((j, i) => {
          const o = plan.outcomes[i];
          if (o.status === 'failed') out.set(j, failed(o.code as never, o.message));
          else applied.push(j);
        });
        if (applied.length === 0) return done();

        if (plan.manualErrors.length) {
          failAll(
            applied,
            manualLinesInvalid('devices.csv has invalid manual lines', plan.manualErrors, inputs.masterPath),
          );
          return done();
        }
        // DOMAIN.md §2: sophomorix-device reads every school's file; a bad line there blocks our import too
        const foreign = await this.otherSchoolCheck(school, inputs.masterPath, plan.master);
        if (foreign.findings.length === 0) break;
        const blamed = blameForeignConflicts(applied, foreign.findings, foreign.files);
        if (!blamed) {
          failAll(
            applied,
            manualLinesInvalid(
              "another school's devices file blocks the import (sophomorix-device reads every school's file)",
              foreign.findings,
              inputs.masterPath,
            ),
          );
          return done();
        }
        for (const [j, verdict] of blamed) out.set(j, verdict);
        candidates = applied.filter((j) => !blamed.has(j));
      }
      phase('planMs');

      const renames = new Map<string, string>();
      for (const j of applied) {
        if (j.options.oldHostname) renames.set(j.options.oldHostname.toLowerCase(), j.options.hostname.toLowerCase());
      }
      const dropped = droppedLines(inputs.masterText, plan.master, renames);
      const deletes = applied.filter((j) => j.action === 'delete').length;
      if (dropped > deletes) {
        failAll(
          applied,
          failed(
            'MASS_DELETE_REFUSED',
            `the merged ${inputs.masterPath} would drop ${dropped} host lines but the batch deletes only ${deletes}; nothing written`,
          ),
        );
        return done();
      }

      // 6. write: delta first (our own record), then the master sophomorix reads
      if (plan.delta !== inputs.deltaText) await this.delta.write(inputs.deltaPath, plan.delta);
      faultPoint(this.config, log, 'after-delta-write');
      if (plan.master !== inputs.masterText) {
        await this.master.write(inputs.masterPath, plan.master, () =>
          faultPoint(this.config, log, 'after-master-rename'),
        );
      }
      phase('writeMs');
      log.info({ stats: plan.stats, applied: applied.length }, 'devices.csv written');

      // 7. import once for the whole batch (the next batch is prepared meanwhile)
      importStarting();
      const run = await this.importer.run(school, () => faultPoint(this.config, log, 'during-import'), held.fd);
      phase('importMs');
      this.metrics.importRan(school, run.durationMs);
      log.info(
        {
          exitCode: run.exitCode,
          durationMs: run.durationMs,
          timedOut: run.timedOut,
          failureLines: run.failureLines.slice(0, 5),
        },
        'import finished',
      );

      // 8. verify: the DHCP file now (the next import rewrites it), the rest after the lock is
      // released, while the next batch merges and imports (finishVerification)
      const targets: VerifyTarget[] = applied.map((j) => ({
        id: j.op.id,
        action: j.action,
        hostname: j.options.hostname,
        mac: j.options.macAddress,
        ip: j.options.ipAddress,
        role: j.options.role,
        oldHostname: j.options.oldHostname,
      }));
      const dhcp = await this.verifier.captureDhcp(school);
      return {
        verdicts: out,
        pending: { school, batchSize: jobs.length, applied, targets, run, outcomes: plan.outcomes, dhcp },
      };
    } finally {
      await held.release();
    }
  }

  /**
   * DOMAIN.md §9 step 8 for a batch whose import is done, run while the next batch merges and imports:
   * first a read-only check with the DHCP state captured right after this import (the AD and DNS
   * reads do not depend on the next import for hosts it does not touch — afterOverlappingVerification
   * keeps batches that share a host apart). An all-clear settles the batch; anything else —
   * a problem, an unreadable DC, perhaps a view half-way through the next import — is verified again
   * under the lock, when no import runs, exactly as before (with the leftover clean-up).
   */
  private async finishVerification(
    pending: PendingVerification,
    log: WorkerLogger,
    phases: Record<string, number>,
  ): Promise<Map<ProvisionJob, JobVerdict>> {
    const { school, applied, targets, run } = pending;
    const started = Date.now();
    const early = await this.verifier.checkEarly(school, targets, pending.dhcp);
    let report = early.report;
    if (!early.settled) {
      try {
        const held = await this.lock.acquire();
        try {
          report = await this.verifier.verify(school, targets);
        } finally {
          await held.release();
        }
      } catch (err) {
        if (!(err instanceof LockTimeoutError)) throw err;
        log.warn({ err: err.message }, 'lock timeout before verifying again; the first verification stands');
      }
    }
    phases.verifyMs = Date.now() - started;
    log.info(
      { sambaToolRuns: report.sambaToolRuns, cleaned: report.cleaned, again: !early.settled },
      'verification finished',
    );
    this.metrics.verifyFailed(applied.filter((j) => (report.problems.get(j.op.id) ?? []).length > 0).length);
    const out = new Map<ProvisionJob, JobVerdict>();
    const byId = new Map(pending.outcomes.map((o) => [o.id, o]));
    for (const j of applied) {
      const problems = report.problems.get(j.op.id) ?? [];
      const outcome = byId.get(j.op.id);
      const result = {
        dryRun: false,
        school,
        import: importSummary(run),
        verify: { sambaToolRuns: report.sambaToolRuns, cleaned: report.cleaned.length },
        batchSize: pending.batchSize,
        ...(outcome?.status === 'applied' ? { line: outcome.line, adopted: outcome.adopted ?? false } : {}),
      };
      if (problems.length === 0) out.set(j, { status: 'completed', result });
      else out.set(j, this.failure(run, problems, result));
    }
    return out;
  }

  /**
   * A batch sharing a host (name, old name, MAC or IP) with the batch still being verified waits for
   * that verification before it takes the lock: its import would change what is being checked.
   */
  private async afterOverlappingVerification(jobs: ProvisionJob[], log: WorkerLogger): Promise<void> {
    const verifying = this.verifying;
    if (!verifying) return;
    const shared = [...identityKeys(jobs)].filter((k) => verifying.keys.has(k));
    if (shared.length === 0) return;
    log.info({ shared: shared.slice(0, 5) }, "waiting for the previous batch's verification (shared hosts)");
    await verifying.done;
  }

  /**
   * Errors sophomorix would raise in the other schools' files (read-only, DOMAIN.md §2), the merged
   * master included first so a MAC/IP used in both is caught too (named in the other file).
   */
  private async otherSchoolCheck(
    school: string,
    masterPath: string,
    plannedMaster: string,
  ): Promise<{ findings: Finding[]; files: { file: string; text: string }[] }> {
    const { files, unreadable } = await otherSchoolFiles(masterPath, school);
    if (unreadable.length)
      this.logger.warn({ school, unreadable }, "other schools' devices files not readable; not checked");
    if (files.length === 0) return { findings: [], files };
    const findings = validateDevicesFiles([{ file: masterPath, text: plannedMaster }, ...files])
      .slice(1)
      .flatMap((list, i) => list.map((f) => ({ ...f, file: f.file ?? files[i].file })))
      .filter((f) => f.severity === 'error');
    return { findings, files };
  }

  /** An import that showed failure signs is IMPORT_FAILED (its message first), else VERIFY_FAILED. */
  private failure(run: ImportRun, problems: string[], result: Record<string, unknown>): JobVerdict {
    const found = problems.slice(0, 4).join('; ') + (problems.length > 4 ? ` (+${problems.length - 4} more)` : '');
    // a hung import is the one import failure that may heal by itself: another bounded try
    if (run.timedOut) return { status: 'retry', code: 'IMPORT_TIMEOUT', message: `${describeImport(run)}; ${found}` };
    if (run.looksFailed) return failed('IMPORT_FAILED', `${describeImport(run)}; ${found}`, { ...result, problems });
    // 7.3 swallows sophomorix errors and prints OK (DOMAIN.md §3): quote what it said next to what is missing
    const said =
      run.output.split('\n').find((l) => /sophomorix-device finished/.test(l)) ?? run.output.trim().split('\n').pop();
    const quote = said ? ` ("${said.trim()}")` : '';
    return failed('VERIFY_FAILED', `import exited 0${quote} but the DC does not match: ${found}`, {
      ...result,
      problems,
    });
  }
}

/**
 * When every error in the other schools' files is a MAC or IP that one of our jobs also uses, those
 * jobs are to blame (the other line was there first): each fails with CSV_CONFLICT naming the other
 * file and line. Returns null when any error is not explained by a job (a bad line of its own):
 * then the import is blocked whatever we leave out.
 */
export function blameForeignConflicts(
  applied: ProvisionJob[],
  findings: Finding[],
  files: { file: string; text: string }[],
): Map<ProvisionJob, JobVerdict> | null {
  const texts = new Map(files.map((f) => [f.file, f.text.split('\n')]));
  const blamed = new Map<ProvisionJob, JobVerdict>();
  for (const f of findings) {
    if (f.code !== 'DUPLICATE_MAC' && f.code !== 'DUPLICATE_IP') return null;
    const raw = f.file ? texts.get(f.file)?.[f.line - 1] : undefined;
    if (raw === undefined) return null;
    const fields = raw.replace(/\r$/, '').split(';');
    const mac = normalizeMac(fields[3] ?? '');
    const ip = fields[4] ?? '';
    const culprit = applied.find(
      (j) =>
        j.action !== 'delete' &&
        (f.code === 'DUPLICATE_MAC'
          ? mac !== null && normalizeMac(j.options.macAddress) === mac
          : j.options.ipAddress !== null && j.options.ipAddress === ip),
    );
    if (!culprit) return null;
    const what = f.code === 'DUPLICATE_MAC' ? `MAC ${mac}` : `IP ${ip}`;
    blamed.set(
      culprit,
      failed(
        'CSV_CONFLICT',
        `${what} of ${culprit.options.hostname} is already used by host ${fields[1] ?? '?'} in ${f.file}:${f.line} (another school's file; sophomorix-device reads every school's file)`,
      ),
    );
  }
  return blamed;
}

/** handed_back when jobs wait for a retry, skipped when nothing was left to run, else by verdicts. */
export function batchOutcome(verdicts: JobVerdict[], handedBack: number): BatchOutcome {
  if (handedBack > 0) return 'handed_back';
  if (verdicts.length === 0) return 'skipped';
  const completed = verdicts.filter((v) => v.status === 'completed').length;
  if (completed === verdicts.length) return 'completed';
  return completed === 0 ? 'failed' : 'partial';
}

function where(f: Finding, masterPath: string): string {
  return `${f.file ?? masterPath}:${f.line}: ${readable(f.message)}`;
}

/** A bad manual line fails the whole batch, naming file and line; nothing is imported (DOMAIN.md §9 step 5). */
function manualLinesInvalid(what: string, findings: Finding[], masterPath: string): JobVerdict {
  const lines = findings.slice(0, 5).map((f) => where(f, masterPath));
  const more = findings.length > 5 ? ` (+${findings.length - 5} more)` : '';
  return failed('CSV_MANUAL_LINE_INVALID', `${what}, nothing imported: ${lines.join('; ')}${more}`, {
    manualErrors: findings.slice(0, 50).map((f) => ({ ...f, message: readable(f.message) })),
  });
}

function importSummary(run: ImportRun): Record<string, unknown> {
  return {
    command: run.command,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    durationMs: run.durationMs,
    failureLines: run.failureLines.slice(0, 10),
  };
}
