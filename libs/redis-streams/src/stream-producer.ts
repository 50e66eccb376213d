import { Injectable } from '@nestjs/common';

import { RedisConnections } from './redis-connections';

/** Approximate cap of a stream: old entries are trimmed so a stream never grows without bound. */
export const DEFAULT_STREAM_MAX_LEN = 100_000;

export interface StreamAddOptions {
  /** `MAXLEN ~ n` (approximate trimming, cheap for Redis); default 100000 */
  maxLen?: number;
}

/**
 * XADD on the command connection. It fails fast when Redis is unreachable (see
 * RedisStreamsOptions.maxRetriesPerRequest): the API publishes from its outbox and retries an
 * operation that could not be published, so waiting here would only hold a request (DOMAIN.md §8).
 */
@Injectable()
export class StreamProducer {
  constructor(private readonly connections: RedisConnections) {}

  async add(stream: string, fields: string[] | Record<string, string>, opts: StreamAddOptions = {}): Promise<string> {
    const flat = Array.isArray(fields) ? fields : Object.entries(fields).flat();
    if (!stream) throw new Error('stream name is required');
    if (flat.length === 0 || flat.length % 2 !== 0) {
      throw new Error(`XADD to ${stream} needs field/value pairs, got ${flat.length} items`);
    }
    const maxLen = opts.maxLen ?? DEFAULT_STREAM_MAX_LEN;
    if (!Number.isInteger(maxLen) || maxLen < 1) throw new Error(`maxLen must be a positive integer, got ${maxLen}`);
    const id = await this.connections.command.xadd(stream, 'MAXLEN', '~', maxLen, '*', ...flat);
    if (id === null) throw new Error(`XADD to ${stream} returned no id`);
    return id;
  }
}
