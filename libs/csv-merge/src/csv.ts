import type { CsvLine, ParsedCsv } from './types';

/**
 * Perl's `/^\s*$/` on a line: ASCII whitespace only (' ', \t, \r, \n, \f, \v). A lone '\r' (an
 * empty CRLF line) is blank (SPEC §2). Deliberately not JS `\s`, which would also swallow Unicode
 * spaces sophomorix sees as data.
 */
function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && (c < 9 || c > 13)) return false;
  }
  return true;
}

/** Classifies one physical line (without its '\n') the way sophomorix-device does (SPEC §2). */
export function lineKind(raw: string): CsvLine['kind'] {
  return kindAt(raw, 0, raw.length);
}

/** lineKind of text[start, end), read in place (the merge classifies a master's lines without slicing them). */
export function kindAt(text: string, start: number, end: number): CsvLine['kind'] {
  if (start === end) return 'blank';
  const c = text.charCodeAt(start);
  // '#' counts only in column 0: " #x" is data and fails the room check.
  if (c === 35 /* # */) return 'comment';
  // only a line starting with whitespace can be blank
  if (c <= 32) return isBlank(text, start, end) ? 'blank' : 'data';
  return 'data';
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
