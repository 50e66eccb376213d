/** The width of new master lines: the field count most of the master's data lines have. */
import { DEVICE_LINE_WIDTH } from './device-line';
import type { CsvLine } from './types';

/** At most this many data lines are counted (an even sample of the file). */
const WIDTH_SAMPLE = 2000;

/** Number of ';'-separated fields of b[start, end). */
function fieldCount(b: Uint8Array, start: number, end: number): number {
  let fields = 1;
  for (let i = start; i < end; i++) if (b[i] === 59) fields++;
  return fields;
}

/**
 * The most common field count (ties → the larger), never below 15. One odd manual line with 40
 * columns does not stretch every new line, and a master written with 16 columns (an older tool's
 * habit) gets 16-column lines.
 */
function mostCommonWidth(widths: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const fields of widths) counts.set(fields, (counts.get(fields) ?? 0) + 1);
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

/** Width of new lines: the most common field count among the master's data lines (see mostCommonWidth). */
export function masterWidth(lines: readonly Pick<CsvLine, 'kind' | 'raw'>[]): number {
  return mostCommonWidth(lines.filter((l) => l.kind === 'data').map((l) => l.raw.split(';').length));
}

/**
 * mostCommonWidth over an even sample of at most WIDTH_SAMPLE data lines of a text whose line i is
 * bytes[starts[i], starts[i + 1] - 1) and is a data line when data[i] is non-zero: the mode of a
 * file's widths does not need every line, and counting fields of 100k lines would cost a tenth of
 * the merge's time budget.
 */
export function sampledWidth(
  bytes: Uint8Array,
  starts: Int32Array,
  data: Uint8Array,
  lines: number,
  dataLines: number,
): number {
  const step = Math.max(1, Math.ceil(dataLines / WIDTH_SAMPLE));
  const widths: number[] = [];
  for (let i = 0, k = 0; i < lines; i++) {
    if (data[i] === 0) continue;
    if (k++ % step === 0) widths.push(fieldCount(bytes, starts[i], starts[i + 1] - 1));
  }
  return mostCommonWidth(widths);
}
