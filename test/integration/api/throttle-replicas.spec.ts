/**
 * The login throttle shared by API replicas (issue 13 "API replicas"): two RedisThrottlerStorage
 * instances on their own connections, as two API processes have, count into one window and share the
 * block. Redis DB 10 (no suite flushes it); keys are unique per run.
 */
import { randomUUID } from 'node:crypto';

import Redis from 'ioredis';

import { RedisThrottlerStorage, THROTTLE_KEY_PREFIX } from '../../../apps/api/src/auth/redis-throttler.storage';
import { redisUrl } from '../../setup/services';

const URL = redisUrl(10);

describe('RedisThrottlerStorage across replicas', () => {
  const a = new Redis(URL, { maxRetriesPerRequest: 1 });
  const b = new Redis(URL, { maxRetriesPerRequest: 1 });
  const replicaA = new RedisThrottlerStorage(a);
  const replicaB = new RedisThrottlerStorage(b);

  afterAll(async () => {
    await a.quit();
    await b.quit();
  });

  it('counts the hits of both replicas in one window and blocks on both', async () => {
    const key = `ip-${randomUUID()}`;
    const seen: Array<[number, boolean]> = [];
    for (let i = 0; i < 2; i += 1) {
      for (const replica of [replicaA, replicaB]) {
        const r = await replica.increment(key, 60_000, 4, 60_000, 'login');
        seen.push([r.totalHits, r.isBlocked]);
      }
    }
    expect(seen).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, false],
    ]);
    // the 5th attempt (on replica A) passes the limit of 4; replica B sees the block without counting
    const onA = await replicaA.increment(key, 60_000, 4, 60_000, 'login');
    const onB = await replicaB.increment(key, 60_000, 4, 60_000, 'login');
    expect([onA.totalHits, onA.isBlocked, onB.totalHits, onB.isBlocked]).toEqual([5, true, 5, true]);
    expect(onB.timeToBlockExpire).toBeGreaterThan(50);
    expect(onB.timeToBlockExpire).toBeLessThanOrEqual(60);
    expect(await a.pttl(`${THROTTLE_KEY_PREFIX}login:${key}`)).toBeGreaterThan(50_000);
  });

  it('a new window starts once the old one expired', async () => {
    const key = `ip-${randomUUID()}`;
    expect((await replicaA.increment(key, 200, 1, 200, 'login')).isBlocked).toBe(false);
    expect((await replicaB.increment(key, 200, 1, 200, 'login')).isBlocked).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const fresh = await replicaB.increment(key, 200, 1, 200, 'login');
    expect({ hits: fresh.totalHits, blocked: fresh.isBlocked }).toEqual({ hits: 1, blocked: false });
  });

  it('falls back to the replica’s own memory when Redis does not answer', async () => {
    const dead = new Redis('redis://127.0.0.1:1/0', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const offline = new RedisThrottlerStorage(dead);
    const first = await offline.increment('k', 60_000, 1, 60_000, 'login');
    const second = await offline.increment('k', 60_000, 1, 60_000, 'login');
    expect([first.isBlocked, second.isBlocked]).toEqual([false, true]);
    dead.disconnect();
  });
});
