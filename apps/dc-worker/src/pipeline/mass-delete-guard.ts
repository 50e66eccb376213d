import { COL, parseDevicesCsv } from '@app/csv-merge';

/** Host names of the data lines (sophomorix's view, csv-merge's parser), lower-cased. */
function hostNames(text: string): string[] {
  const names: string[] = [];
  for (const line of parseDevicesCsv(text).lines) {
    if (line.kind === 'data') names.push((line.fields[COL.hostname] ?? '').toLowerCase());
  }
  return names;
}

/**
 * DOMAIN.md §9 step 6 guard, computed here independently of the merge library's planning: how many
 * host lines of the old master are gone from the new one, counting a rename of this batch as kept.
 */
export function droppedLines(before: string, after: string, renames: Map<string, string>): number {
  const present = new Map<string, number>();
  for (const n of hostNames(after)) present.set(n, (present.get(n) ?? 0) + 1);
  let dropped = 0;
  for (const n of hostNames(before)) {
    const key = present.get(n) ? n : renames.get(n);
    const left = key ? (present.get(key) ?? 0) : 0;
    if (key && left > 0) present.set(key, left - 1);
    else dropped++;
  }
  return dropped;
}
