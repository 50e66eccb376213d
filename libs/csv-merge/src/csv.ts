import type { CsvLine, ParsedCsv } from './types';

/**
 * Perl's `/^\s*$/` on a line: ASCII whitespace only (' ', \t, \r, \n, \f, \v). A lone '\r' (an
 * empty CRLF line) is blank (DOMAIN.md §2). Deliberately not JS `\s`, which would also swallow Unicode
 * spaces sophomorix sees as data.
 */
const BLANK_RE = /^[ \t\r\n\f\v]*$/;

/** Classifies one physical line (without its '\n') the way sophomorix-device does (DOMAIN.md §2). */
export function lineKind(raw: string): CsvLine['kind'] {
  const c = raw.charCodeAt(0);
  // '#' counts only in column 0: " #x" is data and fails the room check.
  if (c === 35 /* # */) return 'comment';
  // only a line starting with whitespace (or empty) can be blank
  if (raw.length === 0 || c <= 32) return BLANK_RE.test(raw) ? 'blank' : 'data';
  return 'data';
}

/** lineKind of b[start, end) (char codes of a text, see bytes.ts), read in place. */
export function kindAt(b: Uint8Array, start: number, end: number): CsvLine['kind'] {
  if (start === end) return 'blank';
  const c = b[start];
  if (c === 35 /* # */) return 'comment';
  if (c > 32) return 'data';
  for (let i = start; i < end; i++) {
    const w = b[i];
    if (w !== 32 && (w < 9 || w > 13)) return 'data';
  }
  return 'blank';
}

export function parseCsvLine(raw: string, lineNo: number): CsvLine {
  const kind = lineKind(raw);
  // No quoting at all: every ';' starts a field, '"' is ordinary; a CRLF line keeps '\r' on its last field.
  return { lineNo, raw, kind, fields: kind === 'data' ? raw.split(';') : [] };
}

/**
 * Splits a devices.csv text on '\n' only. `formatDevicesCsv(parseDevicesCsv(t)) === t` for every
 * string t (tested as a property), so untouched lines survive byte for byte.
 */
export function parseDevicesCsv(text: string): ParsedCsv {
  if (text === '') return { lines: [], trailingNewline: false };
  const pieces = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) pieces.pop();
  const lines: CsvLine[] = [];
  for (let i = 0; i < pieces.length; i++) lines.push(parseCsvLine(pieces[i], i + 1));
  return { lines, trailingNewline };
}

export function formatDevicesCsv(parsed: ParsedCsv): string {
  const n = parsed.lines.length;
  if (n === 0) return parsed.trailingNewline ? '\n' : '';
  const raws = new Array<string>(n);
  for (let i = 0; i < n; i++) raws[i] = parsed.lines[i].raw;
  return raws.join('\n') + (parsed.trailingNewline ? '\n' : '');
}
