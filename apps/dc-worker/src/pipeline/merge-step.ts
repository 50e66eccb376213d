import { Inject, Injectable } from '@nestjs/common';

import { BatchPlan, Finding, planBatch, validateDevicesFiles } from '@app/csv-merge';

import { deltaPathFor, masterPathFor, WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { DeltaFile } from '../files/delta-file';
import { MasterFile, MasterMissingError } from '../files/master-file';
import { OtherSchoolFiles } from '../files/school-files';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { failed, JobVerdict } from '../report/job-reporter';
import { blameForeignConflicts, SchoolFile } from './foreign-conflicts';
import { droppedLines } from './mass-delete-guard';
import type { DeltaPort, MasterPort, OtherSchoolsPort } from './ports';
import { batchJobOf, ProvisionJob } from './provision-job';
import { manualLinesInvalid, where } from './verdicts';

/** The school's files as read before planning. */
export interface MergeInputs {
  masterPath: string;
  deltaPath: string;
  masterText: string;
  deltaText: string;
}

/** What to write for the jobs the merge applied (live runs only). */
export interface PlannedWrite {
  inputs: MergeInputs;
  plan: BatchPlan;
  applied: ProvisionJob[];
}

/** The merge's verdicts (jobs it refused; every job on a dry run) and what to write, if anything. */
export interface MergeResult {
  verdicts: Map<ProvisionJob, JobVerdict>;
  write: PlannedWrite | null;
}

/**
 * DOMAIN.md §9 steps 4–6 without writing: read master and delta, plan the batch, check the planned
 * master against the other schools' files (a job whose MAC or IP is taken there fails alone and
 * the rest is planned again), and refuse a plan that drops more host lines than the batch deletes.
 * A dry run (DOMAIN.md §11 scenario 11) stops after the first plan: every job gets its verdict.
 */
@Injectable()
export class MergeStep {
  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Inject(MasterFile) private readonly master: MasterPort,
    @Inject(DeltaFile) private readonly delta: DeltaPort,
    @Inject(OtherSchoolFiles) private readonly otherSchools: OtherSchoolsPort,
  ) {}

  async run(school: string, jobs: ProvisionJob[], dryRun: boolean): Promise<MergeResult> {
    let inputs: MergeInputs;
    try {
      inputs = await this.readInputs(school);
    } catch (err) {
      if (!(err instanceof MasterMissingError)) throw err;
      const verdict = failed('MASTER_MISSING', err.message, dryRun ? { dryRun: true } : undefined);
      return { verdicts: new Map(jobs.map((j) => [j, verdict])), write: null };
    }
    return dryRun ? this.dryRun(school, inputs, jobs) : this.live(school, inputs, jobs);
  }

  private async dryRun(school: string, inputs: MergeInputs, jobs: ProvisionJob[]): Promise<MergeResult> {
    const plan = this.plan(inputs, jobs);
    const foreign = await this.otherSchoolCheck(school, inputs.masterPath, plan.master);
    const manual = [...plan.manualErrors, ...foreign.findings].map((f) => where(f, inputs.masterPath));
    const result = { dryRun: true, stats: plan.stats, manualErrors: manual };
    const verdicts = new Map<ProvisionJob, JobVerdict>(
      jobs.map((j, i): [ProvisionJob, JobVerdict] => {
        const outcome = plan.outcomes[i];
        if (outcome.status === 'failed') return [j, failed(outcome.code, outcome.message, result)];
        return [
          j,
          { status: 'completed', result: { ...result, line: outcome.line, adopted: outcome.adopted ?? false } },
        ];
      }),
    );
    return { verdicts, write: null };
  }

  private async live(school: string, inputs: MergeInputs, jobs: ProvisionJob[]): Promise<MergeResult> {
    const verdicts = new Map<ProvisionJob, JobVerdict>();
    const refused = (list: ProvisionJob[], verdict: JobVerdict): MergeResult => ({
      verdicts: new Map([...verdicts, ...list.map((j): [ProvisionJob, JobVerdict] => [j, verdict])]),
      write: null,
    });
    let candidates = jobs;
    for (;;) {
      const plan = this.plan(inputs, candidates);
      const applied = candidates.filter((j, i) => {
        const o = plan.outcomes[i];
        if (o.status === 'failed') verdicts.set(j, failed(o.code, o.message));
        return o.status !== 'failed';
      });
      if (applied.length === 0) return { verdicts, write: null };
      if (plan.manualErrors.length) {
        const what = 'devices.csv has invalid manual lines';
        return refused(applied, manualLinesInvalid(what, plan.manualErrors, inputs.masterPath));
      }
      // DOMAIN.md §2: sophomorix-device reads every school's file; a bad line there blocks our import too
      const foreign = await this.otherSchoolCheck(school, inputs.masterPath, plan.master);
      if (foreign.findings.length === 0) return this.guarded(inputs, plan, applied, verdicts);
      const blamed = blameForeignConflicts(applied, foreign.findings, foreign.files);
      if (!blamed) {
        const what = "another school's devices file blocks the import (sophomorix-device reads every school's file)";
        return refused(applied, manualLinesInvalid(what, foreign.findings, inputs.masterPath));
      }
      for (const [j, verdict] of blamed) verdicts.set(j, verdict);
      candidates = applied.filter((j) => !blamed.has(j));
    }
  }

  /** DOMAIN.md §9 step 6: a plan that drops more host lines than the batch deletes writes nothing. */
  private guarded(
    inputs: MergeInputs,
    plan: BatchPlan,
    applied: ProvisionJob[],
    verdicts: Map<ProvisionJob, JobVerdict>,
  ): MergeResult {
    const renames = new Map<string, string>();
    for (const j of applied) {
      if (j.options.oldHostname) renames.set(j.options.oldHostname.toLowerCase(), j.options.hostname.toLowerCase());
    }
    const dropped = droppedLines(inputs.masterText, plan.master, renames);
    const deletes = applied.filter((j) => j.action === 'delete').length;
    if (dropped <= deletes) return { verdicts, write: { inputs, plan, applied } };
    const verdict = failed(
      'MASS_DELETE_REFUSED',
      `the merged ${inputs.masterPath} would drop ${dropped} host lines but the batch deletes only ${deletes}; nothing written`,
    );
    return {
      verdicts: new Map([...verdicts, ...applied.map((j): [ProvisionJob, JobVerdict] => [j, verdict])]),
      write: null,
    };
  }

  private async readInputs(school: string): Promise<MergeInputs> {
    const masterPath = masterPathFor(this.config, school);
    const deltaPath = deltaPathFor(this.config, school);
    const masterText = await this.master.read(masterPath);
    const deltaText = await this.delta.read(deltaPath);
    return { masterPath, deltaPath, masterText, deltaText };
  }

  private plan(inputs: MergeInputs, jobs: ProvisionJob[]): BatchPlan {
    return planBatch({
      masterText: inputs.masterText,
      deltaText: inputs.deltaText,
      jobs: jobs.map(batchJobOf),
      masterName: inputs.masterPath,
      deltaName: inputs.deltaPath,
    });
  }

  /**
   * Errors sophomorix would raise in the other schools' files (read-only, DOMAIN.md §2), the merged
   * master included first so a MAC/IP used in both is caught too (named in the other file).
   */
  private async otherSchoolCheck(
    school: string,
    masterPath: string,
    plannedMaster: string,
  ): Promise<{ findings: Finding[]; files: SchoolFile[] }> {
    const { files, unreadable } = await this.otherSchools.read(masterPath, school);
    if (unreadable.length)
      this.logger.warn({ school, unreadable }, "other schools' devices files not readable; not checked");
    if (files.length === 0) return { findings: [], files };
    const findings = validateDevicesFiles([{ file: masterPath, text: plannedMaster }, ...files])
      .slice(1)
      .flatMap((list, i) => list.map((f) => ({ ...f, file: f.file ?? files[i].file })))
      .filter((f) => f.severity === 'error');
    return { findings, files };
  }
}
