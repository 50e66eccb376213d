/**
 * The merge pass (DOMAIN.md §9 step 5): the delta model merged into the master in one pass —
 * deletes, renames, adoption, patches in place and appends — for a given set of excluded jobs.
 */
import { applyJobs, type DeltaEntry, macKeyOf } from './delta';
import { applyRecord, COL, DEVICE_LINE_WIDTH, formatDeviceLine, managedValues } from './device-line';
import { macFromNumber } from './mac';
import { type MasterIndex } from './master-index';
import { MergedRows } from './merged-rows';
import type { BatchJob, DeviceRecord, MergeStats } from './types';

/** Why a job is left out of the plan (the code its outcome reports). */
export interface Failure {
  code: 'CSV_CONFLICT' | 'CSV_INVALID_LINE' | 'NOT_OWNED';
  message: string;
}

/** Writes `rec`'s managed columns into a master line; everything else (and a CRLF ending) stays. */
function patchRaw(raw: string, rec: DeviceRecord): string {
  // the ';' after fields 4, 7, 8 and 9 (and 10 if there is one): the text between the managed
  // columns is copied as it is; a CRLF line's '\r' is part of what follows column 10
  const afterIp = nthSemicolon(raw, 0, COL.ip + 1);
  const afterKeys = nthSemicolon(raw, afterIp + 1, COL.role - COL.ip - 1);
  const afterRole = nthSemicolon(raw, afterKeys + 1, 1);
  const afterLmn = nthSemicolon(raw, afterRole + 1, 1);
  if (afterIp < 0 || afterKeys < 0 || afterRole < 0 || afterLmn < 0) return patchShortRaw(raw, rec);
  const afterPxe = raw.indexOf(';', afterLmn + 1);
  const rest = afterPxe >= 0 ? afterPxe : raw.endsWith('\r') ? raw.length - 1 : raw.length;
  const v = managedValues(rec);
  const kept5to7 = raw.slice(afterIp, afterKeys + 1);
  const kept9 = raw.slice(afterRole, afterLmn + 1);
  // one join writes the new line once (a chain of + would build a rope, flattened later)
  return [v[0], ';', v[1], ';', v[2], ';', v[3], ';', v[4], kept5to7, v[5], kept9, v[6], raw.slice(rest)].join('');
}

/** Position of the count-th ';' at or after `from`, -1 when the line has fewer (or from is -1). */
function nthSemicolon(raw: string, from: number, count: number): number {
  let p = from - 1;
  for (let k = 0; k < count; k++) {
    p = raw.indexOf(';', p + 1);
    if (p < 0) return -1;
  }
  return p;
}

/** patchRaw of a line too short to hold role and pxe: extended with empty fields. */
function patchShortRaw(raw: string, rec: DeviceRecord): string {
  const crlf = raw.endsWith('\r');
  const fields = (crlf ? raw.slice(0, -1) : raw).split(';');
  while (fields.length <= COL.pxe) fields.push('');
  applyRecord(fields, rec);
  return fields.join(';') + (crlf ? '\r' : '');
}

/** What one merge pass produced: the merged rows, the delta model and each job's result. */
export interface Pass {
  out: MergedRows;
  delta: Map<string, DeltaEntry>;
  /** failures found while merging (ownership, adoption conflicts) */
  failures: Map<number, Failure>;
  /** per job: the line it wrote or removed, and whether it adopted a manual line */
  lines: Map<number, { line: string; adopted: boolean }>;
  stats: Omit<MergeStats, 'deletesRequested'>;
  changed: boolean;
  trailingNewline: boolean;
}

/** `devices.csv line 41`: a line of the master as messages name it. */
export function where(name: string, lineNo: number): string {
  return `${name} line ${lineNo}`;
}

/** DOMAIN.md §9 step 5: merge the delta model into the master (one pass, given the excluded jobs). */
export function mergePass(
  master: MasterIndex,
  initial: Map<string, DeltaEntry>,
  jobs: readonly BatchJob[],
  excluded: ReadonlySet<number>,
  masterName: string,
): Pass {
  const { delta, origin, deletions } = applyJobs(initial, jobs, excluded);
  const n = master.length;
  const failures = new Map<number, Failure>();
  const jobLines = new Map<number, { line: string; adopted: boolean }>();
  // per input line: the job removing it / the delta entry patching it (-1: none); typed arrays,
  // because the output loop below visits every line of a 100k-line master
  const removedBy = new Int32Array(n).fill(-1);
  const patchedBy = new Int32Array(n).fill(-1);
  const patches: DeltaEntry[] = [];
  // names whose master line is ours: in the delta file, or claimed by a delete through its MAC
  const claimed = new Set<string>();
  const owned = (name: string) => initial.has(name) || claimed.has(name);

  for (const d of deletions) {
    const idxs = master.named(d.name);
    if (idxs.length === 0) {
      jobLines.set(d.job, { line: '', adopted: false });
      continue;
    }
    // A line with the snapshot's MAC is ours; otherwise only the (first) line of an owned name.
    let hits = d.mac !== null ? idxs.filter((i) => master.mac(i) === d.mac) : [];
    if (hits.length === 0 && owned(d.name)) hits = [idxs[0]];
    if (hits.length === 0) {
      const i = idxs[0];
      failures.set(d.job, {
        code: 'NOT_OWNED',
        message:
          `host ${master.name(i)} in ${where(masterName, i + 1)} has MAC ${master.macText(i)}, ` +
          `not the deleted host's MAC ${d.mac === null ? '(none)' : macFromNumber(d.mac)}: it is a manual line and was left untouched`,
      });
      continue;
    }
    for (const i of hits) removedBy[i] = d.job;
    claimed.add(d.name);
    jobLines.set(d.job, { line: master.raw(hits[0]), adopted: false });
  }

  const appends: DeltaEntry[] = [];
  const free = (i: number) => patchedBy[i] < 0;
  for (const entry of delta.values()) {
    const key = entry.key;
    const rec = entry.record;
    let target = -1;
    let adopted = false;
    const from = origin.get(key);
    if (from !== undefined && from !== key) {
      // rename: the old name's line, if it is ours (or the same device by MAC), is patched in place
      const idxs = master.named(from);
      let hit: number | undefined;
      if (owned(from)) hit = idxs.find(free);
      else {
        const recMac = macKeyOf(rec.mac);
        hit = idxs.find((i) => free(i) && recMac !== null && master.mac(i) === recMac);
      }
      if (hit !== undefined) {
        target = hit;
        adopted = !owned(from);
      }
    }
    if (target < 0) {
      const i = master.named(key).find(free);
      if (i !== undefined) {
        // the MAC is needed only for a line we do not own (most entries own theirs or have none)
        const recMac = owned(key) ? null : macKeyOf(rec.mac);
        if (owned(key)) target = i;
        else if ((recMac !== null && master.mac(i) === recMac) || entry.adopt) {
          // DOMAIN.md §9 adoption: same name and MAC is the same device; another MAC only on request
          target = i;
          adopted = true;
        } else if (entry.job !== null) {
          failures.set(entry.job, {
            code: 'CSV_CONFLICT',
            message:
              `host ${master.name(i)} already exists in ${where(masterName, i + 1)} with MAC ` +
              `${master.macText(i)} (a manual line, not ${recMac === null ? rec.mac : macFromNumber(recMac)}); ask to adopt it explicitly or rename`,
          });
          continue;
        }
      }
    }
    const recMac = target < 0 && entry.adopt ? macKeyOf(rec.mac) : null;
    if (recMac !== null) {
      // explicit adoption of a manual line that has our MAC under another name
      const i = master.byMac(recMac).find((j) => {
        const name = master.name(j).toLowerCase();
        return free(j) && removedBy[j] < 0 && !owned(name) && !delta.has(name);
      });
      if (i !== undefined) {
        target = i;
        adopted = true;
      }
    }
    if (target >= 0) {
      patchedBy[target] = patches.length;
      patches.push(entry);
      if (adopted && entry.job !== null) jobLines.set(entry.job, { line: '', adopted: true });
    } else {
      appends.push(entry);
    }
  }

  const out = new MergedRows(master, n + appends.length);
  let patched = 0;
  let removed = 0;
  let adoptedCount = 0;
  for (let i = 0; i < n; i++) {
    const p = patchedBy[i];
    if (p >= 0) {
      const entry = patches[p];
      const before = master.raw(i);
      const raw = patchRaw(before, entry.record);
      const changed = raw !== before;
      if (changed) patched++;
      if (entry.job !== null) {
        const adopted = jobLines.get(entry.job)?.adopted === true;
        if (adopted) adoptedCount++;
        jobLines.set(entry.job, { line: raw, adopted });
      }
      if (changed) out.add(raw, i + 1, entry.job ?? -1);
      else out.keep(i, entry.job ?? -1);
    } else if (removedBy[i] >= 0) {
      removed++;
    } else {
      out.keep(i, -1);
    }
  }
  let nextNo = n;
  for (const entry of appends) {
    const width = master.width();
    const raw = (width === DEVICE_LINE_WIDTH ? entry.line : null) ?? formatDeviceLine(entry.record, width);
    if (entry.job !== null) jobLines.set(entry.job, { line: raw, adopted: false });
    nextNo++;
    out.add(raw, nextNo, entry.job ?? -1);
  }
  return {
    out,
    delta,
    failures,
    lines: jobLines,
    stats: {
      patched,
      appended: appends.length,
      removed,
      adopted: adoptedCount,
      masterLinesBefore: n,
      masterLinesAfter: out.rows,
    },
    changed: patched > 0 || removed > 0 || appends.length > 0,
    trailingNewline: master.trailingNewline || appends.length > 0,
  };
}
