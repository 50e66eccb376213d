import { parseCsvLine, parseDevicesCsv } from './csv';
import { applyRecord, COL, DELTA_HEADER, DEVICE_LINE_WIDTH, formatDeviceLine, recordFromFields } from './device-line';
import { normalizeMac } from './mac';
import type { BatchInput, BatchJob, BatchPlan, CsvLine, DeviceRecord, Finding, JobOutcome, MergeStats } from './types';
import { DUPLICATE_CODES, validateCsvLines } from './validate';

/** A host the delta owns after the jobs ran; `job` is the last job of the batch that wrote it. */
interface DeltaEntry {
  record: DeviceRecord;
  job: number | null;
  adopt: boolean;
}

interface Deletion {
  job: number;
  /** lower-cased name of the master line the deleted host is known by (its pre-rename name) */
  name: string;
  mac: string | null;
}

interface Failure {
  code: 'CSV_CONFLICT' | 'CSV_INVALID_LINE' | 'NOT_OWNED';
  message: string;
}

/** One line of the merged master, with where it came from (to blame findings). */
interface OutLine {
  raw: string;
  kind: CsvLine['kind'];
  fields: string[];
  /** line number in the input master, or (for appended lines) input length + k */
  lineNo: number;
  appended: boolean;
  /** job of this batch that produced the line, null for manual lines and unchanged delta hosts */
  job: number | null;
}

const lower = (s: string): string => s.toLowerCase();

/**
 * Width of new lines: the most common field count among the master's data lines (ties → the
 * larger), never below 15. One odd manual line with 40 columns does not stretch every new line,
 * and a master written with 16 columns (an older tool's habit) gets 16-column lines.
 */
export function masterWidth(lines: readonly CsvLine[]): number {
  const counts = new Map<number, number>();
  for (const l of lines) if (l.kind === 'data') counts.set(l.fields.length, (counts.get(l.fields.length) ?? 0) + 1);
  let best = DEVICE_LINE_WIDTH;
  let bestCount = 0;
  for (const [width, count] of counts) {
    if (count > bestCount || (count === bestCount && width > best)) {
      best = width;
      bestCount = count;
    }
  }
  return Math.max(best, DEVICE_LINE_WIDTH);
}

/** Parses the delta file: one owned host per data line (comments, blanks and the header skipped). */
export function parseDelta(deltaText: string): Map<string, DeviceRecord> {
  const owned = new Map<string, DeviceRecord>();
  for (const line of parseDevicesCsv(deltaText).lines) {
    if (line.kind !== 'data') continue;
    const rec = recordFromFields(line.fields);
    if (rec.hostname !== '') owned.set(lower(rec.hostname), rec);
  }
  return owned;
}

export function formatDelta(entries: Iterable<DeviceRecord>): string {
  const out = [DELTA_HEADER];
  for (const rec of entries) out.push(formatDeviceLine(rec));
  return out.join('\n') + '\n';
}

/** Writes `rec`'s managed columns into a master line; everything else (and a CRLF ending) stays. */
function patchRaw(line: CsvLine, rec: DeviceRecord): string {
  const crlf = line.raw.endsWith('\r');
  const fields = crlf ? line.raw.slice(0, -1).split(';') : line.fields.slice();
  while (fields.length <= COL.pxe) fields.push('');
  applyRecord(fields, rec);
  return fields.join(';') + (crlf ? '\r' : '');
}

/** The master, parsed and indexed once per batch (re-plans reuse it). */
class MasterIndex {
  readonly byName = new Map<string, number[]>();
  private byMacCache: Map<string, number[]> | null = null;
  readonly width: number;

  constructor(readonly lines: readonly CsvLine[]) {
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.kind !== 'data') continue;
      const name = l.fields[COL.hostname];
      if (!name) continue;
      const key = lower(name);
      const list = this.byName.get(key);
      if (list) list.push(i);
      else this.byName.set(key, [i]);
    }
    this.width = masterWidth(lines);
  }

  mac(i: number): string | null {
    return normalizeMac(this.lines[i].fields[COL.mac] ?? '');
  }

  name(i: number): string {
    return this.lines[i].fields[COL.hostname] ?? '';
  }

  /** Lines by normalised MAC, built on first use (only adoption by MAC needs it). */
  byMac(mac: string): number[] {
    if (!this.byMacCache) {
      this.byMacCache = new Map();
      for (let i = 0; i < this.lines.length; i++) {
        if (this.lines[i].kind !== 'data') continue;
        const m = this.mac(i);
        if (!m) continue;
        const list = this.byMacCache.get(m);
        if (list) list.push(i);
        else this.byMacCache.set(m, [i]);
      }
    }
    return this.byMacCache.get(mac) ?? [];
  }
}

interface Pass {
  out: OutLine[];
  delta: Map<string, DeltaEntry>;
  /** failures found while merging (ownership, adoption conflicts) */
  failures: Map<number, Failure>;
  /** per job: the line it wrote or removed, and whether it adopted a manual line */
  lines: Map<number, { line: string; adopted: boolean }>;
  stats: Omit<MergeStats, 'deletesRequested'>;
  changed: boolean;
  trailingNewline: boolean;
}

/** SPEC §9 step 4: the jobs in stream order, applied to the delta model. */
function applyJobs(initial: Map<string, DeviceRecord>, jobs: readonly BatchJob[], excluded: ReadonlySet<number>) {
  const delta = new Map<string, DeltaEntry>();
  for (const [key, record] of initial) delta.set(key, { record, job: null, adopt: false });
  // current name → the name its master line has (set by renames in this batch)
  const origin = new Map<string, string>();
  const deletions: Deletion[] = [];
  jobs.forEach((job, i) => {
    if (excluded.has(i)) return;
    const key = lower(job.record.hostname);
    if (job.action === 'delete') {
      deletions.push({ job: i, name: origin.get(key) ?? key, mac: normalizeMac(job.record.mac) });
      delta.delete(key);
      origin.delete(key);
      return;
    }
    const old = job.oldHostname !== undefined ? lower(job.oldHostname) : key;
    if (old !== key) {
      // A re-applied rename finds the new name already owned and the old one gone: keep the new line.
      if (delta.has(old) || !delta.has(key)) origin.set(key, origin.get(old) ?? old);
      delta.delete(old);
      origin.delete(old);
    }
    const prev = delta.get(key);
    delta.set(key, { record: job.record, job: i, adopt: job.adopt === true || (prev?.job != null && prev.adopt) });
  });
  return { delta, origin, deletions };
}

function where(name: string, lineNo: number): string {
  return `${name} line ${lineNo}`;
}

/** SPEC §9 step 5: merge the delta model into the master (one pass, given the excluded jobs). */
function mergePass(
  master: MasterIndex,
  initial: Map<string, DeviceRecord>,
  jobs: readonly BatchJob[],
  excluded: ReadonlySet<number>,
  masterName: string,
  trailingNewline: boolean,
): Pass {
  const { delta, origin, deletions } = applyJobs(initial, jobs, excluded);
  const lines = master.lines;
  const n = lines.length;
  const failures = new Map<number, Failure>();
  const jobLines = new Map<number, { line: string; adopted: boolean }>();
  const removedBy = new Int32Array(n).fill(-1);
  const patchedBy: (string | undefined)[] = new Array<string | undefined>(n);
  // names whose master line is ours: in the delta file, or claimed by a delete through its MAC
  const claimed = new Set<string>();
  const owned = (name: string) => initial.has(name) || claimed.has(name);

  for (const d of deletions) {
    const idxs = master.byName.get(d.name);
    if (!idxs) {
      jobLines.set(d.job, { line: '', adopted: false });
      continue;
    }
    // A line with the snapshot's MAC is ours; otherwise only the (first) line of an owned name.
    let hits = d.mac ? idxs.filter((i) => master.mac(i) === d.mac) : [];
    if (hits.length === 0 && owned(d.name)) hits = [idxs[0]];
    if (hits.length === 0) {
      const i = idxs[0];
      failures.set(d.job, {
        code: 'NOT_OWNED',
        message:
          `host ${master.name(i)} in ${where(masterName, lines[i].lineNo)} has MAC ${lines[i].fields[COL.mac] ?? ''}, ` +
          `not the deleted host's MAC ${d.mac ?? '(none)'}: it is a manual line and was left untouched`,
      });
      continue;
    }
    for (const i of hits) removedBy[i] = d.job;
    claimed.add(d.name);
    jobLines.set(d.job, { line: lines[hits[0]].raw, adopted: false });
  }

  const appends: string[] = [];
  const free = (i: number) => patchedBy[i] === undefined;
  for (const [key, entry] of delta) {
    const rec = entry.record;
    const recMac = normalizeMac(rec.mac);
    let target = -1;
    let adopted = false;
    const from = origin.get(key);
    if (from !== undefined && from !== key) {
      // rename: the old name's line, if it is ours (or the same device by MAC), is patched in place
      const idxs = master.byName.get(from) ?? [];
      const hit = owned(from)
        ? idxs.find(free)
        : idxs.find((i) => free(i) && recMac !== null && master.mac(i) === recMac);
      if (hit !== undefined) {
        target = hit;
        adopted = !owned(from);
      }
    }
    if (target < 0) {
      const i = (master.byName.get(key) ?? []).find(free);
      if (i !== undefined) {
        if (owned(key)) target = i;
        else if ((recMac !== null && master.mac(i) === recMac) || entry.adopt) {
          // SPEC §9 adoption: same name and MAC is the same device; another MAC only on request
          target = i;
          adopted = true;
        } else if (entry.job !== null) {
          failures.set(entry.job, {
            code: 'CSV_CONFLICT',
            message:
              `host ${master.name(i)} already exists in ${where(masterName, lines[i].lineNo)} with MAC ` +
              `${lines[i].fields[COL.mac] ?? ''} (a manual line, not ${recMac ?? rec.mac}); ask to adopt it explicitly or rename`,
          });
          continue;
        }
      }
    }
    if (target < 0 && entry.adopt && recMac !== null) {
      // explicit adoption of a manual line that has our MAC under another name
      const i = master.byMac(recMac).find((j) => {
        const name = lower(master.name(j));
        return free(j) && removedBy[j] < 0 && !owned(name) && !delta.has(name);
      });
      if (i !== undefined) {
        target = i;
        adopted = true;
      }
    }
    if (target >= 0) {
      patchedBy[target] = key;
      if (adopted && entry.job !== null) jobLines.set(entry.job, { line: '', adopted: true });
    } else {
      appends.push(key);
    }
  }

  const out: OutLine[] = [];
  let patched = 0;
  let removed = 0;
  let adoptedCount = 0;
  for (let i = 0; i < n; i++) {
    const line = lines[i];
    const key = patchedBy[i];
    if (key !== undefined) {
      const entry = delta.get(key) as DeltaEntry;
      const raw = patchRaw(line, entry.record);
      if (raw !== line.raw) patched++;
      if (entry.job !== null) {
        const adopted = jobLines.get(entry.job)?.adopted === true;
        if (adopted) adoptedCount++;
        jobLines.set(entry.job, { line: raw, adopted });
      }
      out.push({ raw, kind: 'data', fields: raw.split(';'), lineNo: line.lineNo, appended: false, job: entry.job });
    } else if (removedBy[i] >= 0) {
      removed++;
    } else {
      out.push({
        raw: line.raw,
        kind: line.kind,
        fields: line.fields,
        lineNo: line.lineNo,
        appended: false,
        job: null,
      });
    }
  }
  let nextNo = n;
  for (const key of appends) {
    const entry = delta.get(key) as DeltaEntry;
    const raw = formatDeviceLine(entry.record, master.width);
    const parsed = parseCsvLine(raw, ++nextNo);
    if (entry.job !== null) jobLines.set(entry.job, { line: raw, adopted: false });
    out.push({ raw, kind: parsed.kind, fields: parsed.fields, lineNo: nextNo, appended: true, job: entry.job });
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
      masterLinesAfter: out.length,
    },
    changed: patched > 0 || removed > 0 || appends.length > 0,
    trailingNewline: trailingNewline || appends.length > 0,
  };
}

/** The value a duplicate finding is about, read from the job's own line. */
function duplicateValue(code: string, fields: readonly string[]): string {
  if (code === 'DUPLICATE_MAC') return normalizeMac(fields[COL.mac] ?? '') ?? fields[COL.mac] ?? '';
  if (code === 'DUPLICATE_IP') return fields[COL.ip] ?? '';
  return fields[COL.hostname] ?? '';
}

function describeOther(other: OutLine, masterName: string): string {
  const host = other.fields[COL.hostname] ?? '';
  return other.appended ? `host ${host} (new line of this batch)` : `host ${host} (${where(masterName, other.lineNo)})`;
}

function conflictMessage(code: string, own: OutLine, other: OutLine, masterName: string): string {
  const what = code === 'DUPLICATE_MAC' ? 'MAC' : code === 'DUPLICATE_IP' ? 'IP' : 'hostname';
  return `${what} ${duplicateValue(code, own.fields)} already used by ${describeOther(other, masterName)}`;
}

/**
 * SPEC §9 steps 4–5 as one pure function: apply the batch's jobs to the delta model, merge it into
 * the master, pre-flight the result with the SPEC §2 rules. A failing job is left out completely
 * (the plan is redone from the original inputs without it) until nothing else fails.
 */
export function planBatch(input: BatchInput): BatchPlan {
  const masterName = input.masterName ?? 'devices.csv';
  const parsed = parseDevicesCsv(input.masterText);
  const master = new MasterIndex(parsed.lines);
  const initial = parseDelta(input.deltaText);
  const jobs = input.jobs;
  const excluded = new Set<number>();
  const failed = new Map<number, Failure>();

  for (;;) {
    const pass = mergePass(master, initial, jobs, excluded, masterName, parsed.trailingNewline);
    const byNo = new Map<number, OutLine>();
    for (const o of pass.out) byNo.set(o.lineNo, o);
    const findings = validateCsvLines(pass.out, { file: masterName });

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
      const line = byNo.get(f.line) as OutLine;
      const other = f.relatedLine !== undefined ? byNo.get(f.relatedLine) : undefined;
      if (DUPLICATE_CODES.has(f.code) && other) {
        const a = line.job;
        const b = other.job;
        if (a === null && b === null) manualErrors.push(f);
        else if (a !== null && b !== null) {
          const later = Math.max(a, b);
          const [ownLine, otherLine] = later === a ? [line, other] : [other, line];
          if (!pairs.has(later))
            pairs.set(later, {
              code: 'CSV_CONFLICT',
              message: conflictMessage(f.code, ownLine, otherLine, masterName),
            });
        } else {
          const job = (a ?? b) as number;
          const [ownLine, otherLine] = a !== null ? [line, other] : [other, line];
          if (!own.has(job))
            own.set(job, { code: 'CSV_CONFLICT', message: conflictMessage(f.code, ownLine, otherLine, masterName) });
        }
      } else if (line.job !== null) {
        if (!own.has(line.job)) {
          own.set(line.job, {
            code: 'CSV_INVALID_LINE',
            message: `line for host ${line.fields[COL.hostname] ?? ''} rejected: ${f.message}`,
          });
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
    const deltaRecords = [...pass.delta.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, entry]) => entry.record);
    const masterOut = pass.changed
      ? pass.out.map((o) => o.raw).join('\n') + (pass.trailingNewline && pass.out.length > 0 ? '\n' : '')
      : input.masterText;
    return {
      master: masterOut,
      delta: formatDelta(deltaRecords),
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
