/**
 * Runs `fn` over `items` with at most `limit` calls in flight, results in input order. Per-job
 * HTTP calls to the API (snapshot, running, terminal report) are independent between operations;
 * doing them one by one made a 200-job batch spend most of its time waiting on round trips
 * (docs/BENCHMARKS.md "Worker"). Rejects with the first error after every started call settled.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        if (!failed) firstError = err;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed) throw firstError;
  return results;
}
