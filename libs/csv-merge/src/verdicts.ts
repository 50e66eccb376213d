/** What sophomorix-device makes of a list of findings (DOMAIN.md §2): exit code and verdict, per file and per line. */
import type { Finding, SophomorixVerdict } from './types';

export type LineVerdict = 'ok' | SophomorixVerdict;

export interface SophomorixOutcome {
  /** 0 ok, 1 collected errors (room, duplicate name), 88 first class-A error, 255 Perl die (bad MAC) */
  exitCode: 0 | 1 | 88 | 255;
  verdict: LineVerdict;
  /** the finding that decides it (the first fatal one, else the first exit-1 one) */
  decisive?: Finding;
}

/** What a real sophomorix-device run makes of these findings: it stops at the first exit-88/die. */
export function sophomorixOutcome(findings: readonly Finding[]): SophomorixOutcome {
  let firstExit1: Finding | undefined;
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    if (f.sophomorix === 'exit88') return { exitCode: 88, verdict: 'exit88', decisive: f };
    if (f.sophomorix === 'die') return { exitCode: 255, verdict: 'die', decisive: f };
    if (!firstExit1) firstExit1 = f;
  }
  return firstExit1 ? { exitCode: 1, verdict: 'exit1', decisive: firstExit1 } : { exitCode: 0, verdict: 'ok' };
}

/** Per line: what sophomorix does when it reaches the line (first fatal error, else exit1, else ok). */
export function lineVerdicts(findings: readonly Finding[]): Map<number, LineVerdict> {
  const byLine = new Map<number, Finding[]>();
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    const list = byLine.get(f.line);
    if (list) list.push(f);
    else byLine.set(f.line, [f]);
  }
  const out = new Map<number, LineVerdict>();
  for (const [line, list] of byLine) out.set(line, sophomorixOutcome(list).verdict);
  return out;
}
