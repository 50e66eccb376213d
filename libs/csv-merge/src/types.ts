/**
 * Public types of libs/csv-merge: the contract between this pure library, the DC worker
 * (apps/dc-worker) and the API's device import (apps/api). DOMAIN.md §2 (file rules) and §9 (merge).
 */
import type { MergeFailureCode } from '@app/provisioning';

/** One physical line of a devices.csv text, exactly as sophomorix sees it. */
export interface CsvLine {
  /** 1-based line number in the file */
  lineNo: number;
  /** the line's bytes without its terminating '\n' (a CRLF line keeps its '\r') */
  raw: string;
  /** 'comment': '#' in column 0; 'blank': empty or whitespace only; everything else is 'data' */
  kind: 'data' | 'comment' | 'blank';
  /** raw split on ';' (no quoting); only meaningful for 'data' lines, [] otherwise */
  fields: string[];
}

export interface ParsedCsv {
  lines: CsvLine[];
  /** whether the text ended with '\n' (so formatting gives back the same bytes) */
  trailingNewline: boolean;
}

/** A host as the API knows it, to be written as a 15-column devices.csv line. */
export interface DeviceRecord {
  room: string | null;
  hostname: string;
  /** LINBO group; null is written as `nopxe` */
  config: string | null;
  /** any form sophomorix accepts; written normalised (upper case, ':' separated) */
  mac: string;
  /** null is written as `DHCP` */
  ip: string | null;
  /** sophomorix role; empty means classroom-studentcomputer */
  role: string;
  pxeFlag: number;
}

export type Severity = 'error' | 'warning';

/** What sophomorix itself would do with an error (DOMAIN.md §2): stop (88), collect (exit 1), die. */
export type SophomorixVerdict = 'exit88' | 'exit1' | 'die';

export interface Finding {
  file?: string;
  /** 1-based line number */
  line: number;
  /** 0-based column index (DOMAIN.md §2 table), null for line-level findings */
  column: number | null;
  severity: Severity;
  /** set for severity 'error' */
  sophomorix?: SophomorixVerdict;
  /** stable machine code, e.g. INVALID_MAC, DUPLICATE_IP */
  code: string;
  /** admin-readable, e.g. "MAC 00:11:22:33:44:55 already used by host pc07 (line 41)" */
  message: string;
  /** duplicates: the 1-based line that already holds the name / MAC / IP */
  relatedLine?: number;
}

/** One job of a worker batch, in stream order (DOMAIN.md §9 steps 4–5). */
export interface BatchJob {
  /** operation id, echoed back in the outcome */
  id: string;
  action: 'create' | 'update' | 'delete';
  /** the frozen host snapshot (for delete: the host as it was) */
  record: DeviceRecord;
  /** rename: the name the DC knows the host by */
  oldHostname?: string;
  /** the request explicitly asks to adopt a manual line with the same name or MAC */
  adopt?: boolean;
}

export type JobOutcome =
  | { id: string; status: 'applied'; line: string; adopted?: boolean }
  | { id: string; status: 'failed'; code: MergeFailureCode; message: string };

export interface MergeStats {
  /** master lines patched in place (managed columns) */
  patched: number;
  appended: number;
  removed: number;
  adopted: number;
  masterLinesBefore: number;
  masterLinesAfter: number;
  /** deletes the batch asked for (the mass-deletion guard compares against this) */
  deletesRequested: number;
}

export interface BatchInput {
  masterText: string;
  /** '' when the delta file does not exist yet */
  deltaText: string;
  jobs: BatchJob[];
  /** names used in messages, e.g. the master's path */
  masterName?: string;
  deltaName?: string;
}

export interface BatchPlan {
  /** the new master text; identical string when nothing changed */
  master: string;
  /** the new delta text, starting with the managed-by header */
  delta: string;
  /** one per input job, same order */
  outcomes: JobOutcome[];
  /** errors on lines this batch does not own: when non-empty no import may run */
  manualErrors: Finding[];
  /** warnings on the merged file (DOMAIN.md §2 weights) */
  warnings: Finding[];
  stats: MergeStats;
}
