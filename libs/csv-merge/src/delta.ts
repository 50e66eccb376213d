/**
 * The delta model (DOMAIN.md §9 step 4): the hosts the delta file owns, by lower-cased name, and
 * the batch's jobs applied to it in stream order. Reading and writing the delta file.
 */
import { textBytes } from './bytes';
import { kindAt } from './csv';
import { DELTA_HEADER, DeviceLineReader, formatDeviceLine } from './device-line';
import { macNumber, normalizeMac } from './mac';
import type { BatchJob, DeviceRecord } from './types';

/**
 * A host the delta owns after the jobs ran; `job` is the last job of the batch that wrote it
 * (null: as the delta file has it). Never changed once made: the delta file's entries are shared
 * by every re-plan.
 */
export interface DeltaEntry {
  /** lower-cased hostname, the key of the delta model */
  key: string;
  record: DeviceRecord;
  job: number | null;
  adopt: boolean;
  /** the record's line as the delta file has it, when it is formatDeviceLine's (untouched hosts) */
  line: string | null;
}

/** A delete of the batch: which master line it removes. */
export interface Deletion {
  job: number;
  /** lower-cased name of the master line the deleted host is known by (its pre-rename name) */
  name: string;
  /** the snapshot's MAC (macNumber), null when invalid */
  mac: number | null;
}

/** A record's MAC as a duplicate key (macNumber), null when it is no MAC. */
export function macKeyOf(mac: string): number | null {
  const norm = normalizeMac(mac);
  return norm === null ? null : macNumber(norm);
}

const lower = (s: string): string => s.toLowerCase();

/**
 * Reads the delta file: one owned host per data line (comments, blanks and the header skipped), by
 * lower-cased name. Nearly every line is as formatDeviceLine writes it (the file is our own
 * output): it is kept, so writing the delta again formats only the hosts the batch touched.
 */
export function readDelta(deltaText: string): Map<string, DeltaEntry> {
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
export function formatDeltaEntries(entries: readonly DeltaEntry[]): string {
  const out = [DELTA_HEADER];
  for (const entry of entries) out.push(entry.line ?? formatDeviceLine(entry.record));
  out.push('');
  return out.join('\n');
}

/** The delta model after the batch's jobs, and what the merge pass needs to know about them. */
export interface AppliedJobs {
  delta: Map<string, DeltaEntry>;
  /** current name → the name its master line has (set by renames in this batch) */
  origin: Map<string, string>;
  deletions: Deletion[];
}

/** DOMAIN.md §9 step 4: the jobs in stream order, applied to the delta model. */
export function applyJobs(
  initial: Map<string, DeltaEntry>,
  jobs: readonly BatchJob[],
  excluded: ReadonlySet<number>,
): AppliedJobs {
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
