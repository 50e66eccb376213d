/** Injection token for {@link RedisStreamsOptions}. */
export const REDIS_STREAMS_OPTIONS = Symbol('REDIS_STREAMS_OPTIONS');

export interface RedisStreamsOptions {
  /** e.g. `redis://127.0.0.1:6379/3` or `redis://:secret@redis:6379/0` (db index from the path) */
  url: string;
  /** CLIENT SETNAME prefix; blocking readers get `<name>:<reader>` (shows who blocks in CLIENT LIST) */
  connectionName?: string;
  /**
   * Command connection only: ioredis `maxRetriesPerRequest` (default 1). A command issued while
   * Redis is unreachable is rejected after this many reconnect attempts instead of waiting for
   * Redis to come back — the API's producer must fail fast because its outbox retries later
   * (DOMAIN.md §8). Blocking readers always use `null` (they wait and are bounded by a watchdog).
   */
  maxRetriesPerRequest?: number;
  /** Command connection only: reply deadline per command in ms (default 5000). Never set on blocking readers (ioredis #1630). */
  commandTimeoutMs?: number;
  /** TCP connect deadline in ms for every connection (default 5000), so a black-holed host also fails fast. */
  connectTimeoutMs?: number;
}

export const DEFAULT_MAX_RETRIES_PER_REQUEST = 1;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
