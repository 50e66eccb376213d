import { parseDevicesCsv } from '@app/csv-merge/csv';
import { recordFromFields } from '@app/csv-merge/device-line';

import type { Host, ImportSummary } from '../api/types';

export type LineOutcome = 'new' | 'update' | 'unchanged' | 'error';

export interface PreviewLine {
  line: number;
  hostname: string;
  raw: string;
  outcome: LineOutcome;
  messages: string[];
}

const lower = (s: string | null) => (s === null ? null : s.toLowerCase());

/**
 * One row per data line of the file. Errors are the API's dry run, verbatim;
 * for the other lines the host of that name (or its absence) says new / update / unchanged, read
 * with the same parser the API uses (@app/csv-merge, shared with the bundle, not copied).
 */
export function previewLines(text: string, summary: ImportSummary, existing: ReadonlyMap<string, Host>): PreviewLine[] {
  const errors = new Map<number, string[]>();
  for (const e of summary.errors) errors.set(e.line, [...(errors.get(e.line) ?? []), e.message]);
  const rows: PreviewLine[] = [];
  for (const l of parseDevicesCsv(text).lines) {
    if (l.kind !== 'data') continue;
    const rec = recordFromFields(l.fields);
    const hostname = rec.hostname.toLowerCase();
    const messages = errors.get(l.lineNo) ?? [];
    let outcome: LineOutcome;
    if (messages.length > 0) outcome = 'error';
    else {
      const host = existing.get(hostname);
      const config = rec.config === 'nopxe' ? null : rec.config;
      outcome = !host
        ? 'new'
        : host.macAddress === rec.mac &&
            host.ipAddress === rec.ip &&
            lower(host.room) === lower(rec.room) &&
            lower(host.config) === lower(config) &&
            host.role === rec.role &&
            host.pxeFlag === rec.pxeFlag
          ? 'unchanged'
          : 'update';
    }
    rows.push({ line: l.lineNo, hostname, raw: l.raw, outcome, messages });
  }
  return rows;
}

/** Host names of the data lines (lower case, as the API stores them), for looking them up. */
export function hostnamesOf(text: string): string[] {
  const names = new Set<string>();
  for (const l of parseDevicesCsv(text).lines) {
    if (l.kind === 'data') names.add(recordFromFields(l.fields).hostname.toLowerCase());
  }
  return [...names].filter((n) => n !== '');
}
