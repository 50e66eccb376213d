import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** docs/BENCHMARKS.md, from dist/bench/*.js as from bench/*.ts. */
export const BENCHMARKS_DOC = join(resolve(__dirname, '..', '..'), 'docs', 'BENCHMARKS.md');

/**
 * Replaces (or appends) the `## <title>` section of docs/BENCHMARKS.md with `text` (which starts
 * with that heading), leaving every other section alone: each bench owns exactly one section.
 */
export function writeBenchmarkSection(title: string, text: string, doc = BENCHMARKS_DOC): void {
  const current = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Benchmarks\n';
  const heading = new RegExp(`^## ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm');
  const start = current.search(heading);
  let next: string;
  if (start < 0) {
    next = current.replace(/\n*$/, '\n\n') + text;
  } else {
    const rest = current.slice(start + 1);
    const end = rest.search(/^## /m);
    next = current.slice(0, start) + text + (end < 0 ? '' : '\n' + rest.slice(end));
  }
  writeFileSync(doc, next);
}
