import { Inject, Injectable } from '@nestjs/common';

import { LockTimeoutError, ProvisionLock } from '../lock/provision-lock';
import { WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { JobVerdict } from '../report/job-reporter';
import { Verifier } from '../verify/verifier';
import type { LockPort, VerifierPort } from './ports';
import { ProvisionJob } from './provision-job';
import { ImportedBatch, verifiedVerdicts, workerErrorVerdicts } from './verdicts';

/**
 * DOMAIN.md §9 step 8 for a batch whose import is done, run while the next batch merges and imports:
 * first a read-only check with the DHCP state captured right after this import (the AD and DNS
 * reads do not depend on the next import for hosts it does not touch — the report chain keeps
 * batches that share a host apart). An all-clear settles the batch; anything else — a problem, an
 * unreadable DC, perhaps a view half-way through the next import — is verified again under the
 * lock, when no import runs (with the leftover clean-up).
 */
@Injectable()
export class VerificationStep {
  constructor(
    @Inject(ProvisionLock) private readonly lock: LockPort,
    @Inject(Verifier) private readonly verifier: VerifierPort,
    private readonly metrics: WorkerMetrics,
  ) {}

  /**
   * The batch's verdicts and the time spent; never rejects: an unexpected error gives each job
   * another bounded try (WORKER_ERROR, no `ms`).
   */
  async run(
    batch: ImportedBatch,
    log: WorkerLogger,
  ): Promise<{ verdicts: Map<ProvisionJob, JobVerdict>; ms?: number }> {
    try {
      return await this.verify(batch, log);
    } catch (err) {
      log.error({ err: (err as Error).message, stack: (err as Error).stack }, 'verification failed unexpectedly');
      return { verdicts: workerErrorVerdicts(batch.applied, err as Error) };
    }
  }

  private async verify(
    batch: ImportedBatch,
    log: WorkerLogger,
  ): Promise<{ verdicts: Map<ProvisionJob, JobVerdict>; ms: number }> {
    const { school, applied, targets } = batch;
    const started = Date.now();
    const early = await this.verifier.checkEarly(school, targets, batch.dhcp);
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
    const ms = Date.now() - started;
    log.info(
      { sambaToolRuns: report.sambaToolRuns, cleaned: report.cleaned, again: !early.settled },
      'verification finished',
    );
    this.metrics.verifyFailed(applied.filter((j) => (report.problems.get(j.op.id) ?? []).length > 0).length);
    return { verdicts: verifiedVerdicts(batch, report), ms };
  }
}
