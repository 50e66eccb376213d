import { Inject, Injectable } from '@nestjs/common';

import { MacctRepairOptions } from '@app/provisioning';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { QueuedJob } from '../consumer/stream-consumer';
import { failureLinesOf } from '../import/import-runner';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { RUNNING_REFUSED, skipOf } from '../pipeline/intake';
import { ApiClient, ApiUnavailableError } from '../report/api-client';
import { failed, JobReporter } from '../report/job-reporter';

const OUTPUT_CAP = 16 * 1024;

/**
 * DOMAIN.md §10: a `macct_repair` job runs `MACCT_REPAIR_SCRIPT --only-hosts HOST -s SCHOOL` (an
 * argument list, never a shell) and reports completed/failed like provisioning.
 */
@Injectable()
export class MacctRepairProcessor {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly api: ApiClient,
    private readonly reporter: JobReporter,
  ) {}

  /** Returns false when the job must be handed back (API unavailable). */
  async process(job: QueuedJob): Promise<boolean> {
    const opId = job.payload.operation_id;
    let op;
    try {
      op = await this.api.getOperation(opId);
    } catch (err) {
      if (err instanceof ApiUnavailableError) return false;
      throw err;
    }
    const skip = skipOf(op);
    if (skip || !op) {
      if (skip) await this.reporter.skip(job, skip);
      return true;
    }
    const options = (op.options ?? {}) as Partial<MacctRepairOptions>;
    const host = job.payload.host ?? options.hostname ?? op.targetHost;
    const school = job.payload.school;
    if (!host || !/^[A-Za-z0-9-]{1,63}$/.test(host)) {
      await this.reporter.finish(job, failed('MACCT_REPAIR_FAILED', `invalid host name "${host ?? ''}" for a repair`));
      return true;
    }
    if (!(await this.reporter.running(job))) {
      await this.reporter.skip(job, RUNNING_REFUSED);
      return true;
    }
    const args = ['--only-hosts', host, '-s', school];
    if (options.dryRun) {
      await this.reporter.finish(job, {
        status: 'completed',
        result: { dryRun: true, command: [this.config.macctRepairScript, ...args] },
      });
      return true;
    }
    const { execa } = await import('execa');
    const started = Date.now();
    const run = await execa(this.config.macctRepairScript, args, {
      all: true,
      reject: false,
      stdin: 'ignore',
      timeout: this.config.macctRepairTimeoutSec * 1000,
    });
    const output = String(run.all ?? '').slice(-OUTPUT_CAP);
    const result = {
      command: [this.config.macctRepairScript, ...args],
      exitCode: run.exitCode ?? null,
      timedOut: Boolean(run.timedOut),
      durationMs: Date.now() - started,
      output,
    };
    this.logger.info(
      { operationId: opId, host, school, exitCode: result.exitCode, durationMs: result.durationMs },
      'macct repair finished',
    );
    if (run.exitCode === 0 && !run.timedOut) {
      await this.reporter.finish(job, { status: 'completed', result });
    } else {
      const lines = failureLinesOf(output);
      const detail = lines[0] ?? output.trim().split('\n').pop() ?? run.shortMessage;
      const head = run.timedOut
        ? `repair timed out after ${this.config.macctRepairTimeoutSec} s`
        : `repair of ${host} exited ${run.exitCode ?? 'abnormally'}`;
      await this.reporter.finish(job, failed('MACCT_REPAIR_FAILED', `${head}: ${detail}`, result));
    }
    return true;
  }
}
