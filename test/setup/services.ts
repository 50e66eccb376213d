/**
 * Where every test tier finds PostgreSQL and Redis. One place, so several checkouts can run
 * their suites side by side on one machine:
 *
 * - `LINBO_TEST_NS=x` appends `_x` to every test database name;
 * - `LINBO_TEST_REDIS_PORT=6390` points the suites at a Redis of their own (the DB indexes below
 *   stay the same, so each checkout needs its own Redis server).
 *
 * Unset, the suites use `postgresql://postgres@127.0.0.1:5432/<name>` and Redis on 6379, as CI does.
 */
const ns = process.env.LINBO_TEST_NS ? `_${process.env.LINBO_TEST_NS}` : '';
const pgHost = process.env.LINBO_TEST_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.LINBO_TEST_PG_PORT ?? 5432);
export const REDIS_PORT = Number(process.env.LINBO_TEST_REDIS_PORT ?? 6379);

/** Redis DB index per suite family: each family empties only its own index. */
export const REDIS_DB = {
  api: 1,
  redisStreams: 2,
  worker: 3,
  e2e: 4,
  demo: 9,
} as const;

/** A test database's name (`linbo_test_api` → `linbo_test_api_x` under LINBO_TEST_NS=x). */
export function testDbName(name: string): string {
  return `${name}${ns}`;
}

/** URL of test database `name` (namespaced), or of the server's `postgres` database. */
export function pgUrl(name: string, port = PG_PORT): string {
  const db = name === 'postgres' ? name : testDbName(name);
  return `postgresql://postgres@${pgHost}:${port}/${db}`;
}

export function redisUrl(db: number, port = REDIS_PORT): string {
  return `redis://127.0.0.1:${port}/${db}`;
}
