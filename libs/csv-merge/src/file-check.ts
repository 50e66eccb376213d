/**
 * The DOMAIN.md §2 file checks: the per-line findings plus duplicates (names lower-cased, MACs
 * normalised, IPs exact) within one file, and MACs and IPs across the files of one sophomorix run.
 */
import { lineKind } from './csv';
import { COL } from './device-line';
import { ipFromKey } from './fast-line';
import {
  contextOf,
  type Ctx,
  type LineFacts,
  lineFacts,
  makeError,
  show,
  slowLineFacts,
  type ValidateOptions,
  where,
} from './line-rules';
import { macFromNumber } from './mac';
import { NumberIndex } from './number-index';
import type { CsvLine, Finding, ParsedCsv } from './types';

/** Codes of the duplicate findings: a job can be blamed for them through the line it collides with. */
export const DUPLICATE_CODES: ReadonlySet<string> = new Set(['DUPLICATE_MAC', 'DUPLICATE_IP', 'DUPLICATE_HOSTNAME']);

/** Order of a finding within its line: sophomorix's check order, duplicate name last. */
function rank(f: Finding): number {
  return f.code === 'DUPLICATE_HOSTNAME' ? 99 : (f.column ?? 0);
}

/**
 * The file check: per-line findings plus duplicates (names lower-cased, MACs normalised, IPs
 * exact; the second occurrence is reported, naming the first). `facts[i]` is null for comment and
 * blank lines. A line whose MAC (IP) is a duplicate gets no warnings about that column.
 */
export function fileFindings(
  lineNos: ArrayLike<number>,
  facts: ArrayLike<LineFacts | null>,
  ctx: Ctx,
  /** when given, only lines with a non-zero entry can hold a duplicate (the caller knows the rest are unique) */
  mayCollide?: ArrayLike<number>,
): Finding[] {
  const names = new Map<string, number>();
  // MACs and plain IPs are numbers: typed-array indexes (no boxed key per line); the rare IPs
  // that are not plain dotted quads are strings and never equal a number key
  const macs = new NumberIndex(facts.length);
  const ips = new NumberIndex(facts.length);
  const ipTexts = new Map<string, number>();
  const out: Finding[] = [];
  for (let i = 0; i < facts.length; i++) {
    const fa = facts[i];
    if (fa === null) continue;
    if (mayCollide !== undefined && mayCollide[i] === 0) {
      if (fa.findings !== null) for (const f of fa.findings) out.push(f);
      continue;
    }
    const lineNo = lineNos[i];
    let dupMac = -1;
    let dupIp = -1;
    let dupName = -1;
    if (fa.macKey !== null) dupMac = macs.putIfAbsent(fa.macKey, i);
    if (typeof fa.ipKey === 'number') dupIp = ips.putIfAbsent(fa.ipKey, i);
    else if (fa.ipKey !== null) {
      const o = ipTexts.get(fa.ipKey);
      if (o === undefined) ipTexts.set(fa.ipKey, i);
      else dupIp = o;
    }
    if (fa.nameKey !== null) {
      const o = names.get(fa.nameKey);
      if (o === undefined) names.set(fa.nameKey, i);
      else dupName = o;
    }
    if (dupMac < 0 && dupIp < 0 && dupName < 0) {
      if (fa.findings !== null) for (const f of fa.findings) out.push(f);
      continue;
    }
    const own = (fa.findings ?? []).filter(
      (f) => f.severity === 'error' || !((dupMac >= 0 && f.column === COL.mac) || (dupIp >= 0 && f.column === COL.ip)),
    );
    const other = (o: number) => `host ${(facts[o] as LineFacts).host} (${where(ctx, lineNos[o])})`;
    if (dupMac >= 0) {
      const message = `MAC ${macFromNumber(fa.macKey as number)} already used by ${other(dupMac)}`;
      own.push(makeError(ctx, lineNo, COL.mac, 'DUPLICATE_MAC', 'exit88', message, lineNos[dupMac]));
    }
    if (dupIp >= 0) {
      const message = `IP ${show(ipFromKey(fa.ipKey as number | string))} already used by ${other(dupIp)}`;
      own.push(makeError(ctx, lineNo, COL.ip, 'DUPLICATE_IP', 'exit88', message, lineNos[dupIp]));
    }
    if (dupName >= 0) {
      const first = facts[dupName] as LineFacts;
      const message = `host ${fa.host} already defined as ${first.host} (${where(ctx, lineNos[dupName])}); names are compared lower-cased`;
      own.push(makeError(ctx, lineNo, COL.hostname, 'DUPLICATE_HOSTNAME', 'exit1', message, lineNos[dupName]));
    }
    // stable sort: duplicates land at their column's place in sophomorix's order
    own.sort((a, b) => rank(a) - rank(b));
    for (const f of own) out.push(f);
  }
  return out;
}

/**
 * Every DOMAIN.md §2 rule over a whole file, duplicates included. Comment and blank lines are skipped
 * exactly like sophomorix does.
 */
export function validateDevicesCsv(input: string | ParsedCsv, opts?: ValidateOptions): Finding[] {
  const ctx = contextOf(opts);
  if (typeof input !== 'string') return validateLinesWith(input.lines, ctx);
  const { lineNos, facts } = textFacts(input, ctx);
  return fileFindings(lineNos, facts, ctx);
}

function textFacts(text: string, ctx: Ctx): { lineNos: number[]; facts: (LineFacts | null)[] } {
  const raws = text === '' ? [] : text.split('\n');
  if (text.endsWith('\n')) raws.pop();
  const lineNos: number[] = [];
  const facts: (LineFacts | null)[] = [];
  for (let i = 0; i < raws.length; i++) {
    lineNos.push(i + 1);
    facts.push(lineKind(raws[i]) === 'data' ? lineFacts(raws[i], undefined, i + 1, ctx) : null);
  }
  return { lineNos, facts };
}

/**
 * Several devices.csv files as one sophomorix-device run reads them (DOMAIN.md §2: the files of all
 * schools, one bad line anywhere blocks every school). Each file gets its own findings; on top,
 * a MAC or IP already used in an earlier file is a duplicate (sophomorix keeps one MAC and one IP
 * table for all files: exit 88). Names are not compared across files: sophomorix prefixes them
 * with the school.
 */
export function validateDevicesFiles(
  files: readonly { file: string; text: string }[],
  opts?: Omit<ValidateOptions, 'file'>,
): Finding[][] {
  const macs = new Map<number, { file: string; line: number; host: string }>();
  const ips = new Map<number | string, { file: string; line: number; host: string }>();
  return files.map(({ file, text }) => {
    const ctx = contextOf({ ...opts, file });
    const { lineNos, facts } = textFacts(text, ctx);
    const findings = fileFindings(lineNos, facts, ctx);
    const cross: Finding[] = [];
    const firstHere = (key: number | string, table: Map<number | string, unknown>) => !table.has(key);
    const ownMacs = new Set<number>();
    const ownIps = new Set<number | string>();
    facts.forEach((fa, i) => {
      if (fa === null) return;
      const line = lineNos[i];
      if (fa.macKey !== null && !ownMacs.has(fa.macKey)) {
        ownMacs.add(fa.macKey);
        const other = macs.get(fa.macKey);
        if (other) {
          const message = `MAC ${macFromNumber(fa.macKey)} already used by host ${other.host} (${other.file} line ${other.line})`;
          cross.push(makeError(ctx, line, COL.mac, 'DUPLICATE_MAC', 'exit88', message));
        }
      }
      if (fa.ipKey !== null && !ownIps.has(fa.ipKey)) {
        ownIps.add(fa.ipKey);
        const other = ips.get(fa.ipKey);
        if (other) {
          const message = `IP ${show(ipFromKey(fa.ipKey))} already used by host ${other.host} (${other.file} line ${other.line})`;
          cross.push(makeError(ctx, line, COL.ip, 'DUPLICATE_IP', 'exit88', message));
        }
      }
    });
    facts.forEach((fa, i) => {
      if (fa === null) return;
      if (fa.macKey !== null && firstHere(fa.macKey, macs))
        macs.set(fa.macKey, { file, line: lineNos[i], host: fa.host });
      if (fa.ipKey !== null && firstHere(fa.ipKey, ips)) ips.set(fa.ipKey, { file, line: lineNos[i], host: fa.host });
    });
    if (cross.length === 0) return findings;
    // as within a file: a duplicate MAC/IP replaces the warnings about that column of the line
    const covered = new Set(cross.map((f) => `${f.line}:${f.column}`));
    const kept = findings.filter((f) => f.severity === 'error' || !covered.has(`${f.line}:${f.column}`));
    // keep sophomorix's order: by line, then by check order within the line (stable)
    return [...kept, ...cross].sort((a, b) => a.line - b.line || rank(a) - rank(b));
  });
}

/** As validateDevicesCsv, over lines that may come from anywhere. */
export function validateCsvLines(
  lines: Iterable<Pick<CsvLine, 'kind' | 'fields' | 'lineNo'>>,
  opts?: ValidateOptions,
): Finding[] {
  return validateLinesWith(lines, contextOf(opts));
}

function validateLinesWith(lines: Iterable<Pick<CsvLine, 'kind' | 'fields' | 'lineNo'>>, ctx: Ctx): Finding[] {
  const lineNos: number[] = [];
  const facts: (LineFacts | null)[] = [];
  for (const line of lines) {
    lineNos.push(line.lineNo);
    facts.push(line.kind === 'data' ? slowLineFacts(line.fields, line.lineNo, ctx) : null);
  }
  return fileFindings(lineNos, facts, ctx);
}
