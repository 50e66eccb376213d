import { textBytes } from './bytes';
import { kindAt } from './csv';
import {
  applyRecord,
  COL,
  DELTA_HEADER,
  DEVICE_LINE_WIDTH,
  DeviceLineReader,
  formatDeviceLine,
  managedValues,
} from './device-line';
import { ipFromKey } from './fast-line';
import { macFromNumber, macNumber, normalizeMac } from './mac';
import { MasterIndex, MergedRows } from './master-index';
import type { BatchInput, BatchJob, BatchPlan, DeviceRecord, Finding, JobOutcome, MergeStats } from './types';
import { contextOf, type Ctx, DUPLICATE_CODES, fileFindings, type LineFacts } from './validate';

export { masterWidth } from './master-index';

/**
 * A host the delta owns after the jobs ran; `job` is the last job of the batch that wrote it
 * (null: as the delta file has it). Never changed once made: the delta file's entries are shared
 * by every re-plan.
 */
interface DeltaEntry {
  /** lower-cased hostname, the key of the delta model */
  key: string;
  record: DeviceRecord;
  job: number | null;
  adopt: boolean;
  /** the record's line as the delta file has it, when it is formatDeviceLine's (untouched hosts) */
  line: string | null;
}

interface Deletion {
  job: number;
  /** lower-cased name of the master line the deleted host is known by (its pre-rename name) */
  name: string;
  /** the snapshot's MAC (macNumber), null when invalid */
  mac: number | null;
}

/** A record's MAC as a duplicate key (macNumber), null when it is no MAC. */
function macKeyOf(mac: string): number | null {
  const norm = normalizeMac(mac);
  return norm === null ? null : macNumber(norm);
}

interface Failure {
  code: 'CSV_CONFLICT' | 'CSV_INVALID_LINE' | 'NOT_OWNED';
  message: string;
}

const lower = (s: string): string => s.toLowerCase();

/**
 * Reads the delta file: one owned host per data line (comments, blanks and the header skipped), by
 * lower-cased name. Nearly every line is as formatDeviceLine writes it (the file is our own
 * output): it is kept, so writing the delta again formats only the hosts the batch touched.
 */
function readDelta(deltaText: string): Map<string, DeltaEntry> {
  const owned = new Map<string, DeltaEntry>();
  const bytes = textBytes(deltaText);
  const reader = new DeviceLineReader();
  // lines as deltaText.split('\n') gives them, without the empty piece after a final '\n'
  for (let start = 0; start < deltaText.length;) {
    let end = deltaText.indexOf('\n', start);
    if (end < 0) end = deltaText.length;
    if (kindAt(bytes, start, end) === 'data') {
      const record = reader.read(deltaText, bytes, start, end);
      if (record.hostname !== '') {
        const key = lower(record.hostname);
        const line = reader.formatted ? deltaText.slice(start, end) : null;
        owned.set(key, { key, record, job: null, adopt: false, line });
      }
    }
    start = end + 1;
  }
  return owned;
}

/** Parses the delta file: one owned host per data line (comments, blanks and the header skipped). */
export function parseDelta(deltaText: string): Map<string, DeviceRecord> {
  const owned = new Map<string, DeviceRecord>();
  for (const [key, entry] of readDelta(deltaText)) owned.set(key, entry.record);
  return owned;
}

export function formatDelta(entries: Iterable<DeviceRecord>): string {
  const out = [DELTA_HEADER];
  for (const rec of entries) out.push(formatDeviceLine(rec));
  out.push(''); // the final '\n', in the same string (no second copy to flatten)
  return out.join('\n');
}

/** formatDelta of the entries' records, reusing the delta file's lines of untouched hosts. */
function formatDeltaEntries(entries: readonly DeltaEntry[]): string {
  const out = [DELTA_HEADER];
  for (const entry of entries) out.push(entry.line ?? formatDeviceLine(entry.record));
  out.push('');
  return out.join('\n');
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

interface Pass {
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

/** DOMAIN.md §9 step 4: the jobs in stream order, applied to the delta model. */
function applyJobs(initial: Map<string, DeltaEntry>, jobs: readonly BatchJob[], excluded: ReadonlySet<number>) {
  // the file's model itself when no job changes it (mergeDelta), else a copy to change
  const changes = jobs.some((_, i) => !excluded.has(i));
  const delta = changes ? copyOf(initial) : initial;
  // current name → the name its master line has (set by renames in this batch)
  const origin = new Map<string, string>();
  const deletions: Deletion[] = [];
  jobs.forEach((job, i) => {
    if (excluded.has(i)) return;
    const key = lower(job.record.hostname);
    if (job.action === 'delete') {
      deletions.push({ job: i, name: origin.get(key) ?? key, mac: macKeyOf(job.record.mac) });
      delta.delete(key);
      origin.delete(key);
      return;
    }
    const old = job.oldHostname !== undefined ? lower(job.oldHostname) : key;
    if (old !== key) {
      // When the new name is owned already, this rename was applied before (crash recovery
      // re-applies a batch; names are unique in the API): it updates that entry, and an old name
      // still owned from the file belongs to another host by now (two hosts traded names). An old
      // entry written by an earlier job of this batch is this host's (e.g. create, then rename).
      const renameNow = !delta.has(key);
      if (renameNow) origin.set(key, origin.get(old) ?? old);
      if (renameNow || delta.get(old)?.job != null) {
        delta.delete(old);
        origin.delete(old);
      }
    }
    const prev = delta.get(key);
    const adopt = job.adopt === true || (prev?.job != null && prev.adopt);
    delta.set(key, { key, record: job.record, job: i, adopt, line: null });
  });
  return { delta, origin, deletions };
}

/** A Map's copy (forEach: no [key, value] pair per entry, unlike new Map(map)). */
function copyOf<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  const copy = new Map<K, V>();
  map.forEach((value, key) => copy.set(key, value));
  return copy;
}

function where(name: string, lineNo: number): string {
  return `${name} line ${lineNo}`;
}

/** DOMAIN.md §9 step 5: merge the delta model into the master (one pass, given the excluded jobs). */
function mergePass(
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
function mergedFindings(master: MasterIndex, out: MergedRows, rowOfLineNo: Int32Array, ctx: Ctx): Finding[] {
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

    // Failures a job causes on its own are settled first; a duplicate between two jobs' lines
    // only counts once they are gone (so a job is never failed for a line that is not written).
    const own = new Map<number, Failure>(pass.failures);
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
              message: conflictMessage(f.code, out, mine, theirs, n, masterName),
            });
          }
        } else {
          const blamed = job >= 0 ? job : otherJob;
          const [mine, theirs] = job >= 0 ? [at, other] : [other, at];
          if (!own.has(blamed)) {
            own.set(blamed, {
              code: 'CSV_CONFLICT',
              message: conflictMessage(f.code, out, mine, theirs, n, masterName),
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
    const masterOut = pass.changed ? master.render(out, pass.trailingNewline) : input.masterText;
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
