import { Inject, Injectable } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { DeltaFile } from '../files/delta-file';
import { MasterFile } from '../files/master-file';
import { ImportRunner } from '../import/import-runner';
import { LockTimeoutError, ProvisionLock } from '../lock/provision-lock';
import { WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { faultPoint } from '../processors/fault-injection';
import { JobVerdict } from '../report/job-reporter';
import { Verifier, VerifyTarget } from '../verify/verifier';
import { MergeStep } from './merge-step';
import type { DeltaPort, ImportPort, LockPort, MasterPort, VerifierPort } from './ports';
import { ProvisionJob } from './provision-job';
import { ImportedBatch } from './verdicts';

/** The verdicts decided under the lock, the batch to verify when it was imported, the time spent. */
export interface LockedRun {
  verdicts: Map<ProvisionJob, JobVerdict>;
  imported: ImportedBatch | null;
  /** lockMs (waiting for `after` included), planMs, writeMs, importMs */
  phases: Record<string, number>;
}

export interface ImportStepHooks {
  /** what must be done before the lock is taken (the verification of a batch sharing hosts) */
  after: Promise<void>;
  /** called right before the import: the next batch is prepared meanwhile (awaited before `run` returns) */
  importStarting: () => Promise<void> | undefined;
}

/**
 * DOMAIN.md §9 steps 3–7 for the live jobs of a batch, under the provision lock: merge (MergeStep),
 * write the delta first (our own record), then the master sophomorix reads, import once for the
 * whole batch and capture the DHCP file the next import will rewrite. Null when the lock is not ours
 * in time (nothing done: the caller hands the jobs back).
 */
@Injectable()
export class ImportStep {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(ProvisionLock) private readonly lock: LockPort,
    @Inject(MasterFile) private readonly master: MasterPort,
    @Inject(DeltaFile) private readonly delta: DeltaPort,
    @Inject(ImportRunner) private readonly importer: ImportPort,
    @Inject(Verifier) private readonly verifier: VerifierPort,
    private readonly merge: MergeStep,
    private readonly metrics: WorkerMetrics,
  ) {}

  async run(
    school: string,
    jobs: ProvisionJob[],
    log: WorkerLogger,
    hooks: ImportStepHooks,
  ): Promise<LockedRun | null> {
    let ahead: Promise<void> | undefined;
    try {
      return await this.locked(school, jobs, log, hooks.after, () => {
        ahead = hooks.importStarting();
      });
    } catch (err) {
      if (!(err instanceof LockTimeoutError)) throw err;
      log.warn({ err: err.message }, 'lock timeout; jobs stay un-ACKed for a later retry');
      return null;
    } finally {
      // the caller reads the stream again after we return: the look-ahead must be done by then
      await ahead;
    }
  }

  private async locked(
    school: string,
    jobs: ProvisionJob[],
    log: WorkerLogger,
    after: Promise<void>,
    importStarting: () => void,
  ): Promise<LockedRun> {
    const phases: Record<string, number> = {};
    let mark = Date.now();
    const phase = (name: string) => {
      phases[name] = Date.now() - mark;
      mark = Date.now();
    };
    await after;
    const held = await this.lock.acquire();
    phase('lockMs');
    try {
      const { verdicts, write } = await this.merge.run(school, jobs, false);
      if (!write) return { verdicts, imported: null, phases };
      phase('planMs');
      const { inputs, plan, applied } = write;

      if (plan.delta !== inputs.deltaText) await this.delta.write(inputs.deltaPath, plan.delta);
      faultPoint(this.config, log, 'after-delta-write');
      if (plan.master !== inputs.masterText) {
        await this.master.write(inputs.masterPath, plan.master, () =>
          faultPoint(this.config, log, 'after-master-rename'),
        );
      }
      phase('writeMs');
      log.info({ stats: plan.stats, applied: applied.length }, 'devices.csv written');

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

      // the DHCP file now (the next import rewrites it); the rest after the lock is released
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
      const imported = { school, batchSize: jobs.length, applied, targets, run, outcomes: plan.outcomes, dhcp };
      return { verdicts, imported, phases };
    } finally {
      await held.release();
    }
  }
}
