import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type Redis from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Keys of the shared login throttle: `<prefix><throttler>:<tracker key>` (+ `:block`). */
export const THROTTLE_KEY_PREFIX = 'linbo:throttle:';

/**
 * One fixed window per key, counted atomically in Redis: INCR, the window's expiry set on the first
 * hit, and a separate block key once the limit is passed (replies: hits, window ms left, blocked,
 * block ms left).
 */
const INCREMENT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, redis.call('PTTL', KEYS[1]), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, left, 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}`;

/**
 * Throttler storage shared by every API replica through Redis (docs/OPERATIONS.md "Running several API replicas": the login
 * throttle counts attempts across replicas, so a balancer cannot multiply the limit). A small class
 * on the API's existing ioredis command connection rather than another dependency. When Redis does
 * not answer, the count falls back to this process's memory (logged once per outage): logins keep
 * working and stay limited per replica, instead of failing with a 500.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly local = new ThrottlerStorageService();
  private redisDown = false;

  constructor(private readonly redis: Redis) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const base = `${THROTTLE_KEY_PREFIX}${throttlerName}:${key}`;
    let reply: [number, number, number, number];
    try {
      reply = (await this.redis.eval(INCREMENT, 2, base, `${base}:block`, ttl, limit, blockDuration)) as typeof reply;
    } catch (err) {
      if (!this.redisDown) {
        this.redisDown = true;
        this.logger.warn(`login throttle falls back to this replica's memory: ${(err as Error).message}`);
      }
      return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    this.redisDown = false;
    const [hits, left, blocked, blockLeft] = reply;
    return {
      totalHits: hits,
      // seconds, as @nestjs/throttler's own storage reports them
      timeToExpire: Math.max(0, Math.ceil(left / 1000)),
      isBlocked: blocked === 1,
      timeToBlockExpire: Math.max(0, Math.ceil(blockLeft / 1000)),
    };
  }
}
