import { BatchPlan, Finding } from '@app/csv-merge';

import { readable } from '../files/school-files';
import { describeImport, ImportRun } from '../import/import-runner';
import { BatchOutcome } from '../metrics/worker-metrics';
import { failed, JobVerdict } from '../report/job-reporter';
import { DhcpCapture, VerifyReport, VerifyTarget } from '../verify/verifier';
import { ProvisionJob } from './provision-job';

/** A batch imported under the lock, to be verified after it is released (VerificationStep). */
export interface ImportedBatch {
  school: string;
  batchSize: number;
  applied: ProvisionJob[];
  targets: VerifyTarget[];
  run: ImportRun;
  outcomes: BatchPlan['outcomes'];
  dhcp: DhcpCapture;
}

/**
 * The verdicts of an imported batch (pure, DOMAIN.md §9 step 8): each applied job is completed
 * when the DC shows no problem for it, else failed (or retried after a hung import), with what
 * the import and the verification did in its result.
 */
export function verifiedVerdicts(batch: ImportedBatch, report: VerifyReport): Map<ProvisionJob, JobVerdict> {
  const { school, applied, run } = batch;
  const out = new Map<ProvisionJob, JobVerdict>();
  const byId = new Map(batch.outcomes.map((o) => [o.id, o]));
  for (const j of applied) {
    const problems = report.problems.get(j.op.id) ?? [];
    const outcome = byId.get(j.op.id);
    const result = {
      dryRun: false,
      school,
      import: importSummary(run),
      verify: { sambaToolRuns: report.sambaToolRuns, cleaned: report.cleaned.length },
      batchSize: batch.batchSize,
      ...(outcome?.status === 'applied' ? { line: outcome.line, adopted: outcome.adopted ?? false } : {}),
    };
    if (problems.length === 0) out.set(j, { status: 'completed', result });
    else out.set(j, failureOf(run, problems, result));
  }
  return out;
}

/** An import that showed failure signs is IMPORT_FAILED (its message first), else VERIFY_FAILED. */
function failureOf(run: ImportRun, problems: string[], result: Record<string, unknown>): JobVerdict {
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

/** Every applied job gets another bounded try through the API, like any worker error (DOMAIN.md §8). */
export function workerErrorVerdicts(jobs: ProvisionJob[], err: Error): Map<ProvisionJob, JobVerdict> {
  const retry: JobVerdict = { status: 'retry', code: 'WORKER_ERROR', message: `worker error: ${err.message}` };
  return new Map(jobs.map((j) => [j, retry]));
}

/** handed_back when jobs wait for a retry, skipped when nothing was left to run, else by verdicts. */
export function batchOutcome(verdicts: JobVerdict[], handedBack: number): BatchOutcome {
  if (handedBack > 0) return 'handed_back';
  if (verdicts.length === 0) return 'skipped';
  const completed = verdicts.filter((v) => v.status === 'completed').length;
  if (completed === verdicts.length) return 'completed';
  return completed === 0 ? 'failed' : 'partial';
}

/** `file:line: message` of a finding, the master's path when the finding names no file. */
export function where(f: Finding, masterPath: string): string {
  return `${f.file ?? masterPath}:${f.line}: ${readable(f.message)}`;
}

/** A bad manual line fails the whole batch, naming file and line; nothing is imported (DOMAIN.md §9 step 5). */
export function manualLinesInvalid(what: string, findings: Finding[], masterPath: string): JobVerdict {
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
