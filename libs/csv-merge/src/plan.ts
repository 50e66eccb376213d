/**
 * The batch plan (DOMAIN.md §9 steps 4–5): the delta model (delta.ts), merged into the master
 * (merge-pass.ts), pre-flighted with the DOMAIN.md §2 rules and each finding blamed on a job
 * (attribution.ts); a failing job is left out and the plan redone until nothing else fails.
 */
import { attributeFindings, mergedFindings } from './attribution';
import { formatDeltaEntries, readDelta } from './delta';
import { formatDeviceLine } from './device-line';
import { contextOf } from './line-rules';
import { MasterIndex } from './master-index';
import { type Failure, mergePass } from './merge-pass';
import type { BatchInput, BatchPlan, JobOutcome } from './types';

export { formatDelta, parseDelta } from './delta';
export { masterWidth } from './line-width';

/**
 * DOMAIN.md §9 steps 4–5 as one pure function: apply the batch's jobs to the delta model, merge it into
 * the master, pre-flight the result with the DOMAIN.md §2 rules. A failing job is left out completely
 * (the plan is redone from the original inputs without it) until nothing else fails.
 */
export function planBatch(input: BatchInput): BatchPlan {
  const masterName = input.masterName ?? 'devices.csv';
  const ctx = contextOf({ file: masterName });
  const master = new MasterIndex(input.masterText, ctx);
  const n = master.length;
  const initial = readDelta(input.deltaText);
  const jobs = input.jobs;
  const excluded = new Set<number>();
  const failed = new Map<number, Failure>();
  // A ';' or line break inside a value would shift columns or split the line: refuse it outright.
  jobs.forEach((job, i) => {
    const r = job.record;
    const values = [r.room ?? '', r.hostname, r.config ?? '', r.mac, r.ip ?? '', r.role, job.oldHostname ?? ''];
    if (job.action !== 'delete' && values.some((v) => /[;\r\n]/.test(v))) {
      excluded.add(i);
      failed.set(i, {
        code: 'CSV_INVALID_LINE',
        message: `host ${JSON.stringify(r.hostname)} has a value containing ';' or a line break, which devices.csv cannot hold`,
      });
    }
  });

  for (;;) {
    const pass = mergePass(master, initial, jobs, excluded, masterName);
    const out = pass.out;
    // line number → index in the merged file
    const indexOf = new Int32Array(n + out.rows + 2).fill(-1);
    for (let i = 0; i < out.rows; i++) indexOf[out.lineNos[i]] = i;
    const findings = mergedFindings(master, out, indexOf, ctx);

    const { own, pairs, manualErrors, warnings } = attributeFindings(
      findings,
      out,
      indexOf,
      pass.failures,
      n,
      masterName,
    );
    const next = own.size > 0 ? own : pairs;
    if (next.size > 0) {
      for (const [job, failure] of next) {
        excluded.add(job);
        failed.set(job, failure);
      }
      continue;
    }

    const outcomes: JobOutcome[] = jobs.map((job, i) => {
      const failure = failed.get(i);
      if (failure) return { id: job.id, status: 'failed', code: failure.code, message: failure.message };
      const written = pass.lines.get(i);
      // a job overwritten by a later one of the batch (same host) reports the line it asked for
      const line = written?.line ?? (job.action === 'delete' ? '' : formatDeviceLine(job.record));
      const outcome: JobOutcome = { id: job.id, status: 'applied', line };
      if (written?.adopted) outcome.adopted = true;
      return outcome;
    });
    // Sorted by name: the delta's order must not depend on job order, or a re-applied batch
    // (crash recovery) would rewrite it differently (delete + re-create moves an entry).
    const deltaEntries = [...pass.delta.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const masterOut = pass.changed ? out.render(pass.trailingNewline) : input.masterText;
    return {
      master: masterOut,
      delta: formatDeltaEntries(deltaEntries),
      outcomes,
      manualErrors,
      warnings,
      stats: { ...pass.stats, deletesRequested: jobs.filter((j) => j.action === 'delete').length },
    };
  }
}

/** The CLI's `merge`: the whole delta file into the master, no jobs (planBatch with none). */
export function mergeDelta(
  masterText: string,
  deltaText: string,
  names?: { masterName?: string; deltaName?: string },
): BatchPlan {
  return planBatch({ masterText, deltaText, jobs: [], ...names });
}
