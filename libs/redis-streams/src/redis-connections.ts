import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

import {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES_PER_REQUEST,
  REDIS_STREAMS_OPTIONS,
  RedisStreamsOptions,
} from './redis-streams.options';

/** Grace for QUIT / the socket to end during shutdown before we cut the connection. */
const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Reconnect backoff: 100 ms doubling to a 2 s ceiling, forever. Giving up (returning null) would
 * leave a long-running worker with a dead client after a Redis restart; callers are bounded by
 * `maxRetriesPerRequest` / `commandTimeout` (command connection) or the read watchdog (readers).
 */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.max(0, attempt - 1), 2_000);
}

/** CLIENT SETNAME rejects spaces and newlines. */
function clientName(name: string): string {
  return name.replace(/[^\x21-\x7e]/g, '_');
}

/**
 * Owns every Redis connection of one process. `command` carries the non-blocking commands (XADD,
 * XACK, XAUTOCLAIM, XPENDING, XINFO); each blocking reader gets its own `duplicate()` because a
 * blocked socket cannot serve anything else (CONVENTIONS.md "Redis streams"; ioredis #1136, #1646).
 */
@Injectable()
export class RedisConnections implements OnModuleDestroy {
  readonly command: Redis;
  private readonly logger = new Logger(RedisConnections.name);
  private readonly blocking = new Set<Redis>();
  private readonly baseName: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(@Inject(REDIS_STREAMS_OPTIONS) options: RedisStreamsOptions) {
    if (!options?.url) throw new Error('RedisStreamsOptions.url is required (e.g. redis://127.0.0.1:6379/0)');
    this.baseName = options.connectionName ? clientName(options.connectionName) : undefined;
    const commandOptions: RedisOptions = {
      connectionName: this.baseName,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      retryStrategy: reconnectDelay,
      // Fail fast (the API producer has an outbox, DOMAIN.md §8): the offline queue stays on so commands
      // issued while the first connect is in flight wait for it, but a command queued while Redis is
      // unreachable is rejected after `maxRetriesPerRequest` reconnect attempts, and every command
      // has a reply deadline.
      maxRetriesPerRequest: options.maxRetriesPerRequest ?? DEFAULT_MAX_RETRIES_PER_REQUEST,
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      enableOfflineQueue: true,
      // ioredis arms this timer on every disconnect(), even for a socket that is already gone (a
      // client shut down during a Redis outage): keep it short so shutdown is not held up by it.
      disconnectTimeout: 500,
    };
    this.command = new Redis(options.url, commandOptions);
    this.watchErrors(this.command, 'command');
  }

  /**
   * A dedicated connection for one blocking reader: no `commandTimeout` (ioredis #1630 — it would
   * fire on every legitimate BLOCK), `maxRetriesPerRequest: null` so a read waits out a Redis
   * restart; the caller bounds each read with its own watchdog (ioredis #1888).
   */
  createBlocking(name: string): Redis {
    if (this.closing) throw new Error('RedisConnections is closed');
    const conn = this.command.duplicate({
      connectionName: clientName(this.baseName ? `${this.baseName}:${name}` : name),
      commandTimeout: undefined,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      lazyConnect: false,
    });
    this.blocking.add(conn);
    conn.once('end', () => this.blocking.delete(conn));
    this.watchErrors(conn, name);
    return conn;
  }

  /** True once close() was called: readers treat a dropped connection as shutdown, not as an error. */
  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Closes the blocking readers first, the command connection last (CONVENTIONS.md shutdown order). Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.blocking].map((conn) => endConnection(conn, false)));
      await endConnection(this.command, true);
    })();
    return this.closing;
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /** One warning per outage instead of one per reconnect attempt; ioredis would print unhandled errors otherwise. */
  private watchErrors(conn: Redis, label: string): void {
    let reported = false;
    conn.on('error', (err: Error) => {
      if (reported || this.closing) return;
      reported = true;
      this.logger.warn(`redis ${label} connection: ${err.message} (retrying)`);
    });
    conn.on('ready', () => {
      if (reported) this.logger.log(`redis ${label} connection is back`);
      reported = false;
    });
  }
}

/** QUIT (graceful) or disconnect, then wait — bounded — until ioredis reports `end`. */
export async function endConnection(conn: Redis, graceful: boolean): Promise<void> {
  if (conn.status === 'end') return;
  const ended = new Promise<void>((resolve) => conn.once('end', () => resolve()));
  if (graceful && conn.status === 'ready') {
    await withTimeout(
      conn.quit().catch(() => undefined),
      CLOSE_TIMEOUT_MS,
    );
  }
  // Between reconnect attempts there is no socket, so ioredis emits no further `end`: clearing the
  // reconnect timer is all there is to do.
  const socketless = conn.status === 'reconnecting';
  conn.disconnect();
  if (!socketless) await withTimeout(ended, CLOSE_TIMEOUT_MS);
}

/** Resolves with the promise's value, or with undefined after `ms` — never leaves a timer behind. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
