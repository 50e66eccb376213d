import { lineKind, parseDevicesCsv } from './csv';
import { applyRecord, COL, DELTA_HEADER, DEVICE_LINE_WIDTH, formatDeviceLine, recordFromFields } from './device-line';
import { ipFromKey } from './fast-line';
import { macFromNumber, macNumber, normalizeMac } from './mac';
import { NumberIndex } from './number-index';
import type { BatchInput, BatchJob, BatchPlan, CsvLine, DeviceRecord, Finding, JobOutcome, MergeStats } from './types';
import { contextOf, type Ctx, DUPLICATE_CODES, fileFindings, type LineFacts, lineFacts } from './validate';

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

const WIDTH_SAMPLE = 2000;

const lower = (s: string): string => s.toLowerCase();

/**
 * Width of new lines: the most common field count among the master's data lines (ties → the
 * larger), never below 15. One odd manual line with 40 columns does not stretch every new line,
 * and a master written with 16 columns (an older tool's habit) gets 16-column lines.
 */
export function masterWidth(lines: readonly Pick<CsvLine, 'kind' | 'raw'>[]): number {
  return mostCommonWidth(lines.filter((l) => l.kind === 'data').map((l) => l.raw));
}

function mostCommonWidth(dataLines: readonly string[]): number {
  const counts = new Map<number, number>();
  for (const raw of dataLines) {
    let fields = 1;
    for (let i = raw.indexOf(';'); i >= 0; i = raw.indexOf(';', i + 1)) fields++;
    counts.set(fields, (counts.get(fields) ?? 0) + 1);
  }
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
function patchRaw(raw: string, rec: DeviceRecord): string {
  const crlf = raw.endsWith('\r');
  const fields = (crlf ? raw.slice(0, -1) : raw).split(';');
  while (fields.length <= COL.pxe) fields.push('');
  applyRecord(fields, rec);
  return fields.join(';') + (crlf ? '\r' : '');
}

/**
 * The master, split into lines and checked once per batch (re-plans reuse it): per line its raw
 * text and SPEC §2 facts (null for comments and blank lines), plus an index by lower-cased name.
 * Untouched lines are never split into fields.
 */
class MasterIndex {
  readonly raws: string[];
  readonly facts: (LineFacts | null)[];
  readonly trailingNewline: boolean;
  private readonly firstByName = new Map<string, number>();
  private readonly moreByName = new Map<string, number[]>();
  private readonly firstByMac: NumberIndex;
  private readonly firstByIp: NumberIndex;
  /** IPs that are valid but not plain dotted quads (rare) are keyed by their exact string */
  private readonly firstByIpText = new Map<string, number>();
  /** lines that share a name, MAC or IP with another line of the input master */
  private readonly shared: number[] = [];
  private byMacCache: Map<number, number[]> | null = null;
  private widthCache = 0;

  constructor(
    readonly text: string,
    private readonly ctx: Ctx,
  ) {
    this.raws = text === '' ? [] : text.split('\n');
    this.trailingNewline = text.endsWith('\n');
    if (this.trailingNewline) this.raws.pop();
    const n = this.raws.length;
    // push, not new Array(n): V8 gives arrays preallocated beyond 100k elements slow dictionary storage
    this.facts = [];
    for (let i = 0; i < n; i++) {
      const raw = this.raws[i];
      this.facts.push(lineKind(raw) === 'data' ? lineFacts(raw, undefined, i + 1, ctx) : null);
    }
    // Backwards with a bare set(): the value left is the first line holding the name, and a size
    // that does not grow reveals a name held twice — one hash operation per key instead of two.
    // MACs and plain IPs are numbers and go into typed-array indexes (no allocation per line).
    this.firstByMac = new NumberIndex(n);
    this.firstByIp = new NumberIndex(n);
    const dupNames = new Set<string>();
    const dupMacs = new Set<number>();
    const dupIps = new Set<number | string>();
    for (let i = n - 1; i >= 0; i--) {
      const facts = this.facts[i];
      if (facts === null || facts.nameKey === null) continue;
      const size = this.firstByName.size;
      this.firstByName.set(facts.nameKey, i);
      if (this.firstByName.size === size) dupNames.add(facts.nameKey);
    }
    for (let i = 0; i < n; i++) {
      const facts = this.facts[i];
      if (facts === null) continue;
      if (facts.macKey !== null && this.firstByMac.putIfAbsent(facts.macKey, i) >= 0) dupMacs.add(facts.macKey);
      const ip = facts.ipKey;
      if (ip === null) continue;
      if (typeof ip === 'number') {
        if (this.firstByIp.putIfAbsent(ip, i) >= 0) dupIps.add(ip);
      } else if (this.firstByIpText.has(ip)) dupIps.add(ip);
      else this.firstByIpText.set(ip, i);
    }
    if (dupNames.size + dupMacs.size + dupIps.size === 0) return;
    // rare (the master already breaks SPEC §2): collect every line of a shared key, in file order
    for (let i = 0; i < n; i++) {
      const facts = this.facts[i];
      if (facts === null) continue;
      if (facts.nameKey !== null && dupNames.has(facts.nameKey)) {
        this.shared.push(i);
        const more = this.moreByName.get(facts.nameKey);
        if (more) more.push(i);
        else this.moreByName.set(facts.nameKey, [i]);
      }
      if (facts.macKey !== null && dupMacs.has(facts.macKey)) this.shared.push(i);
      if (facts.ipKey !== null && dupIps.has(facts.ipKey)) this.shared.push(i);
    }
  }

  /**
   * Marks which lines of a merged file can hold a duplicate: every new or changed line, the input
   * lines that already share a key, and the input line holding a key a changed line now has. Any
   * two lines with a common key are marked, so the file check needs Map work only for these
   * (SPEC §2 duplicates stay exact; a re-plan costs O(changed lines), not O(file)).
   */
  collisionMask(out: Merged, outIndexOfLine: Int32Array): Uint8Array {
    const mask = new Uint8Array(out.raws.length);
    const contested = new Set<number>(this.shared);
    for (const i of out.changed) {
      const facts = out.facts[i];
      if (facts === null) continue;
      mask[i] = 1;
      const a = facts.nameKey === null ? undefined : this.firstByName.get(facts.nameKey);
      const b = facts.macKey === null ? -1 : this.firstByMac.get(facts.macKey);
      const ip = facts.ipKey;
      const c = ip === null ? undefined : typeof ip === 'number' ? this.firstByIp.get(ip) : this.firstByIpText.get(ip);
      if (a !== undefined) contested.add(a);
      if (b >= 0) contested.add(b);
      if (c !== undefined && c >= 0) contested.add(c);
    }
    for (const orig of contested) {
      const i = outIndexOfLine[orig + 1];
      if (i >= 0 && out.facts[i] === this.facts[orig]) mask[i] = 1;
    }
    return mask;
  }

  get length(): number {
    return this.raws.length;
  }

  /**
   * The merged file's text. Runs of untouched input lines are copied as one slice of the input
   * text (a 100k-line master with a few thousand edits joins a few thousand pieces, not 100k).
   */
  render(out: Merged, trailingNewline: boolean): string {
    const rows = out.raws.length;
    if (rows === 0) return '';
    const changed = new Uint8Array(rows);
    for (const i of out.changed) changed[i] = 1;
    const pieces: string[] = [];
    let i = 0;
    while (i < rows) {
      if (changed[i] === 1) {
        pieces.push(out.raws[i++]);
        continue;
      }
      // extend over input lines that follow each other unchanged
      const first = out.lineNos[i] - 1;
      let last = first;
      i++;
      while (i < rows && changed[i] === 0 && out.lineNos[i] - 1 === last + 1) {
        last++;
        i++;
      }
      pieces.push(first === last ? this.raws[first] : this.text.slice(this.offset(first), this.offset(last + 1) - 1));
    }
    return pieces.join('\n') + (trailingNewline ? '\n' : '');
  }

  private offsets: Float64Array | null = null;

  /** Start of input line i in the text (i = length: one past the end, as if a '\n' followed). */
  private offset(i: number): number {
    if (this.offsets === null) {
      this.offsets = new Float64Array(this.raws.length + 1);
      for (let k = 0; k < this.raws.length; k++) this.offsets[k + 1] = this.offsets[k] + this.raws[k].length + 1;
    }
    return this.offsets[i];
  }

  /** Data lines whose hostname is `key` (lower-cased), in file order. */
  named(key: string): number[] {
    const more = this.moreByName.get(key);
    if (more) return more;
    const first = this.firstByName.get(key);
    return first === undefined ? [] : [first];
  }

  mac(i: number): number | null {
    return this.facts[i]?.macKey ?? null;
  }

  name(i: number): string {
    return this.facts[i]?.host ?? '';
  }

  /** The MAC column as written (for messages). */
  macText(i: number): string {
    return this.raws[i].split(';')[COL.mac] ?? '';
  }

  width(): number {
    if (this.widthCache === 0) {
      // an even sample of at most WIDTH_SAMPLE data lines: the mode of a file's widths does not
      // need every line, and counting fields of 100k lines would cost a tenth of the time budget
      const data: string[] = [];
      for (let i = 0; i < this.raws.length; i++) if (this.facts[i] !== null) data.push(this.raws[i]);
      const step = Math.max(1, Math.ceil(data.length / WIDTH_SAMPLE));
      this.widthCache = mostCommonWidth(step === 1 ? data : data.filter((_, k) => k % step === 0));
    }
    return this.widthCache;
  }

  /** Lines by normalised MAC, built on first use (only adoption by MAC needs it). */
  byMac(mac: number): number[] {
    if (!this.byMacCache) {
      this.byMacCache = new Map();
      for (let i = 0; i < this.facts.length; i++) {
        const m = this.mac(i);
        if (!m) continue;
        const list = this.byMacCache.get(m);
        if (list) list.push(i);
        else this.byMacCache.set(m, [i]);
      }
    }
    return this.byMacCache.get(mac) ?? [];
  }

  /** Facts of a line the merge produced (patched or appended). */
  factsOf(raw: string, lineNo: number): LineFacts | null {
    return lineKind(raw) === 'data' ? lineFacts(raw, undefined, lineNo, this.ctx) : null;
  }
}

/** The merged master as parallel arrays (no object per line). */
interface Merged {
  raws: string[];
  facts: (LineFacts | null)[];
  /** line number in the input master; appended lines get input length + k */
  lineNos: Int32Array;
  /** job of this batch that produced the line, -1 for manual lines and unchanged delta hosts */
  jobs: Int32Array;
  /** indices of lines that differ from the input master (patched with a change, appended) */
  changed: number[];
}

interface Pass {
  out: Merged;
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
): Pass {
  const { delta, origin, deletions } = applyJobs(initial, jobs, excluded);
  const n = master.length;
  const failures = new Map<number, Failure>();
  const jobLines = new Map<number, { line: string; adopted: boolean }>();
  // per input line: the job removing it / the delta entry patching it (-1: none); typed arrays,
  // because the output loop below visits every line of a 100k-line master
  const removedBy = new Int32Array(n).fill(-1);
  const patchedBy = new Int32Array(n).fill(-1);
  const patchKeys: string[] = [];
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
    jobLines.set(d.job, { line: master.raws[hits[0]], adopted: false });
  }

  const appends: string[] = [];
  const free = (i: number) => patchedBy[i] < 0;
  for (const [key, entry] of delta) {
    const rec = entry.record;
    const recMac = macKeyOf(rec.mac);
    let target = -1;
    let adopted = false;
    const from = origin.get(key);
    if (from !== undefined && from !== key) {
      // rename: the old name's line, if it is ours (or the same device by MAC), is patched in place
      const idxs = master.named(from);
      const hit = owned(from)
        ? idxs.find(free)
        : idxs.find((i) => free(i) && recMac !== null && master.mac(i) === recMac);
      if (hit !== undefined) {
        target = hit;
        adopted = !owned(from);
      }
    }
    if (target < 0) {
      const i = master.named(key).find(free);
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
              `host ${master.name(i)} already exists in ${where(masterName, i + 1)} with MAC ` +
              `${master.macText(i)} (a manual line, not ${recMac === null ? rec.mac : macFromNumber(recMac)}); ask to adopt it explicitly or rename`,
          });
          continue;
        }
      }
    }
    if (target < 0 && entry.adopt && recMac !== null) {
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
      patchedBy[target] = patchKeys.length;
      patchKeys.push(key);
      if (adopted && entry.job !== null) jobLines.set(entry.job, { line: '', adopted: true });
    } else {
      appends.push(key);
    }
  }

  const size = n + appends.length; // upper bound; rows are out.raws.length
  const out: Merged = {
    raws: [],
    facts: [],
    lineNos: new Int32Array(size),
    jobs: new Int32Array(size),
    changed: [],
  };
  let patched = 0;
  let removed = 0;
  let adoptedCount = 0;
  const push = (raw: string, facts: LineFacts | null, lineNo: number, job: number) => {
    out.lineNos[out.raws.length] = lineNo;
    out.jobs[out.raws.length] = job;
    out.raws.push(raw);
    out.facts.push(facts);
  };
  for (let i = 0; i < n; i++) {
    const p = patchedBy[i];
    if (p >= 0) {
      const entry = delta.get(patchKeys[p]) as DeltaEntry;
      const raw = patchRaw(master.raws[i], entry.record);
      const changed = raw !== master.raws[i];
      if (changed) patched++;
      if (entry.job !== null) {
        const adopted = jobLines.get(entry.job)?.adopted === true;
        if (adopted) adoptedCount++;
        jobLines.set(entry.job, { line: raw, adopted });
      }
      if (changed) out.changed.push(out.raws.length);
      push(raw, changed ? master.factsOf(raw, i + 1) : master.facts[i], i + 1, entry.job ?? -1);
    } else if (removedBy[i] >= 0) {
      removed++;
    } else {
      push(master.raws[i], master.facts[i], i + 1, -1);
    }
  }
  let nextNo = n;
  for (const key of appends) {
    const entry = delta.get(key) as DeltaEntry;
    const raw = formatDeviceLine(entry.record, master.width());
    if (entry.job !== null) jobLines.set(entry.job, { line: raw, adopted: false });
    nextNo++;
    out.changed.push(out.raws.length);
    push(raw, master.factsOf(raw, nextNo), nextNo, entry.job ?? -1);
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
      masterLinesAfter: out.raws.length,
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
  out: Merged,
  own: number,
  other: number,
  masterLines: number,
  masterName: string,
): string {
  const what = code === 'DUPLICATE_MAC' ? 'MAC' : code === 'DUPLICATE_IP' ? 'IP' : 'hostname';
  const otherFacts = out.facts[other] as LineFacts;
  const lineNo = out.lineNos[other];
  const place = lineNo > masterLines ? 'new line of this batch' : where(masterName, lineNo);
  return `${what} ${duplicateValue(code, out.facts[own] as LineFacts)} already used by host ${otherFacts.host} (${place})`;
}

/**
 * SPEC §9 steps 4–5 as one pure function: apply the batch's jobs to the delta model, merge it into
 * the master, pre-flight the result with the SPEC §2 rules. A failing job is left out completely
 * (the plan is redone from the original inputs without it) until nothing else fails.
 */
export function planBatch(input: BatchInput): BatchPlan {
  const masterName = input.masterName ?? 'devices.csv';
  const ctx = contextOf({ file: masterName });
  const master = new MasterIndex(input.masterText, ctx);
  const n = master.length;
  const initial = parseDelta(input.deltaText);
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
    const indexOf = new Int32Array(n + out.raws.length + 2).fill(-1);
    for (let i = 0; i < out.raws.length; i++) indexOf[out.lineNos[i]] = i;
    const findings = fileFindings(out.lineNos, out.facts, ctx, master.collisionMask(out, indexOf));

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
          const host = out.facts[at]?.host ?? '';
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
    const deltaRecords = [...pass.delta.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, entry]) => entry.record);
    const masterOut = pass.changed ? master.render(out, pass.trailingNewline) : input.masterText;
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
