/**
 * Finding attribution: the DOMAIN.md §2 file check of a merged master, and which job (if any) each
 * finding is to blame on — its own line's, one of two jobs' lines colliding, or a manual line's.
 */
import { ipFromKey } from './fast-line';
import { DUPLICATE_CODES, fileFindings } from './file-check';
import { type Ctx, type LineFacts } from './line-rules';
import { macFromNumber } from './mac';
import { type MasterIndex } from './master-index';
import { type Failure, where } from './merge-pass';
import { type MergedRows } from './merged-rows';
import type { Finding } from './types';

/** The value a duplicate finding is about, read from the job's own line. */
function duplicateValue(code: string, facts: LineFacts): string {
  if (code === 'DUPLICATE_MAC') return facts.macKey === null ? '' : macFromNumber(facts.macKey);
  if (code === 'DUPLICATE_IP') return facts.ipKey === null ? '' : ipFromKey(facts.ipKey);
  return facts.host;
}

function conflictMessage(
  code: string,
  out: MergedRows,
  own: number,
  other: number,
  masterLines: number,
  masterName: string,
): string {
  const what = code === 'DUPLICATE_MAC' ? 'MAC' : code === 'DUPLICATE_IP' ? 'IP' : 'hostname';
  const otherFacts = out.facts(other) as LineFacts;
  const lineNo = out.lineNos[other];
  const place = lineNo > masterLines ? 'new line of this batch' : where(masterName, lineNo);
  return `${what} ${duplicateValue(code, out.facts(own) as LineFacts)} already used by host ${otherFacts.host} (${place})`;
}

/**
 * The DOMAIN.md §2 file check of the merged master. Only rows that can hold a duplicate
 * (collisionMask) or have findings of their own can yield a finding; the check runs over just
 * those rows, in file order, which gives exactly the findings of the whole file.
 */
export function mergedFindings(master: MasterIndex, out: MergedRows, rowOfLineNo: Int32Array, ctx: Ctx): Finding[] {
  // 1: may collide (every changed data row is), 2: an unchanged input line with findings of its own
  const check = master.collisionMask(out, rowOfLineNo);
  for (const line of master.findingLines) {
    const r = rowOfLineNo[line + 1];
    if (r >= 0 && check[r] === 0) check[r] = 2;
  }
  const lineNos: number[] = [];
  const facts: (LineFacts | null)[] = [];
  const mayCollide: number[] = [];
  for (let r = 0; r < out.rows; r++) {
    if (check[r] === 0) continue;
    lineNos.push(out.lineNos[r]);
    facts.push(out.facts(r));
    mayCollide.push(check[r] === 1 ? 1 : 0);
  }
  return fileFindings(lineNos, facts, ctx, mayCollide);
}

/** The findings of a merged master, sorted by whom they are to blame on. */
export interface Attribution {
  /** failures a job causes on its own (its line, or a duplicate with a manual line); the pass's failures included */
  own: Map<number, Failure>;
  /** duplicates between two jobs' lines, blamed on the later job */
  pairs: Map<number, Failure>;
  /** errors between manual lines only: no job can fix them, no import may run */
  manualErrors: Finding[];
  warnings: Finding[];
}

/**
 * Blames each error of `findings` on a job of the batch. `indexOf` maps a line number to its row in
 * `out`; `masterLines` is the input master's length (higher line numbers are appended lines).
 */
export function attributeFindings(
  findings: readonly Finding[],
  out: MergedRows,
  indexOf: Int32Array,
  passFailures: ReadonlyMap<number, Failure>,
  masterLines: number,
  masterName: string,
): Attribution {
  // Failures a job causes on its own are settled first; a duplicate between two jobs' lines
  // only counts once they are gone (so a job is never failed for a line that is not written).
  const own = new Map<number, Failure>(passFailures);
  const pairs = new Map<number, Failure>();
  const manualErrors: Finding[] = [];
  const warnings: Finding[] = [];
  for (const f of findings) {
    if (f.severity === 'warning') {
      warnings.push(f);
      continue;
    }
    const at = indexOf[f.line];
    const job = out.jobs[at];
    const other = f.relatedLine !== undefined ? indexOf[f.relatedLine] : -1;
    if (DUPLICATE_CODES.has(f.code) && other >= 0) {
      const otherJob = out.jobs[other];
      if (job < 0 && otherJob < 0) manualErrors.push(f);
      else if (job >= 0 && otherJob >= 0) {
        const later = Math.max(job, otherJob);
        const [mine, theirs] = later === job ? [at, other] : [other, at];
        if (!pairs.has(later)) {
          pairs.set(later, {
            code: 'CSV_CONFLICT',
            message: conflictMessage(f.code, out, mine, theirs, masterLines, masterName),
          });
        }
      } else {
        const blamed = job >= 0 ? job : otherJob;
        const [mine, theirs] = job >= 0 ? [at, other] : [other, at];
        if (!own.has(blamed)) {
          own.set(blamed, {
            code: 'CSV_CONFLICT',
            message: conflictMessage(f.code, out, mine, theirs, masterLines, masterName),
          });
        }
      }
    } else if (job >= 0) {
      if (!own.has(job)) {
        const host = out.facts(at)?.host ?? '';
        own.set(job, { code: 'CSV_INVALID_LINE', message: `line for host ${host} rejected: ${f.message}` });
      }
    } else {
      manualErrors.push(f);
    }
  }
  return { own, pairs, manualErrors, warnings };
}
