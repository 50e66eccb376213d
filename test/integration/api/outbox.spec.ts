import { Logger } from '@nestjs/common';

import { DEFAULT_JOBS_STREAM } from '@app/provisioning';
import { RedisConnections, StreamProducer } from '@app/redis-streams';

import { OUTBOX_BATCH_SIZE, OutboxRelay } from '../../../apps/api/src/provisioning/outbox.relay';
import { startTestApp, TEST_REDIS_URL, useTestApp } from './helpers/app';
import { createHost, FlakyRedisProxy, LIVE_ENV, streamEntries, useTestRedis, waitFor } from './provisioning.fixtures';

describe('outbox relay (DOMAIN.md §8: Redis being down at write time loses nothing)', () => {
  const redis = useTestRedis();

  it('a host created while Redis is down is accepted, stays unpublished, and is published exactly once when Redis is back', async () => {
    const proxy = new FlakyRedisProxy();
    await proxy.start();
    const t = await startTestApp({ ...LIVE_ENV, REDIS_URL: proxy.url });
    try {
      await proxy.stop();
      const host = await createHost(t, { hostname: 'pc-outage', ipAddress: '10.5.0.1' });
      expect(host.provisionStatus).toBe('pending');
      const relay = t.app.get(OutboxRelay);
      expect(await relay.publishPending()).toBe(0);
      const op = await t.prisma.operation.findFirstOrThrow({ where: { hostId: host.id } });
      expect(op.publishedAt).toBeNull();
      expect(await streamEntries(redis)).toHaveLength(0);

      await proxy.start(); // same port: the app's connection comes back by itself
      const published = await waitFor(
        () => t.prisma.operation.findFirst({ where: { id: op.id, publishedAt: { not: null } } }),
        'the relay to publish after the outage',
        15_000,
      );
      expect(await relay.publishPending()).toBe(0);
      const entries = await streamEntries(redis);
      expect(entries.map((e) => e.fields.operation_id)).toEqual([op.id]);
      expect(published.streamId).toBe(entries[0].id);
    } finally {
      await t.close();
      await proxy.stop();
    }
  });

  describe('the relay class', () => {
    // the app's own relay polls rarely so the instances below do the work
    const t = useTestApp({ ...LIVE_ENV, OUTBOX_POLL_MS: '60000' }, { reset: false });
    let otherConnections: RedisConnections;
    beforeAll(() => {
      otherConnections = new RedisConnections({ url: TEST_REDIS_URL, connectionName: 'relay-b' });
    });
    afterAll(async () => {
      await otherConnections?.close();
    });

    async function insertOps(n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const op = await t.prisma.operation.create({
          data: {
            type: 'provision_host',
            action: 'create',
            targetHost: `pc${i}`,
            options: { hostname: `pc${i}`, dryRun: true },
          },
        });
        ids.push(op.id);
      }
      return ids;
    }

    it('two relays with two producers publish every queued operation exactly once, in order, and never a cancelled one', async () => {
      await t.resetDb();
      const ids = await insertOps(OUTBOX_BATCH_SIZE * 2 + 30);
      const cancelled = new Set(ids.filter((_, i) => i % 7 === 3));
      await t.prisma.operation.updateMany({ where: { id: { in: [...cancelled] } }, data: { status: 'cancelled' } });

      const a = new OutboxRelay(t.prisma, t.app.get(StreamProducer), t.config);
      const b = new OutboxRelay(t.prisma, new StreamProducer(otherConnections), t.config);
      const unpublished = () =>
        t.prisma.operation.count({ where: { publishedAt: null, status: { in: ['pending', 'retrying'] } } });
      // concurrent passes; the loser of the relay lock returns early, so repeat until drained
      let rounds = 0;
      while ((await unpublished()) > 0 && rounds++ < 20) {
        await Promise.all([a.publishPending(), b.publishPending(), a.publishPending(), b.publishPending()]);
      }
      expect(await unpublished()).toBe(0);

      const entries = await streamEntries(redis, DEFAULT_JOBS_STREAM);
      const expected = ids.filter((id) => !cancelled.has(id));
      expect(entries.map((e) => e.fields.operation_id)).toEqual(expected);
      const rows = await t.prisma.operation.findMany({ where: { id: { in: expected } } });
      const byId = new Map(entries.map((e) => [e.fields.operation_id, e.id]));
      for (const row of rows) expect(row.streamId).toBe(byId.get(row.id));
      expect(
        await t.prisma.operation.count({ where: { id: { in: [...cancelled] }, publishedAt: { not: null } } }),
      ).toBe(0);
    });

    it('a relay whose Redis is unreachable publishes nothing, marks nothing and logs the outage once', async () => {
      await t.resetDb();
      await insertOps(3);
      const dead = new RedisConnections({ url: 'redis://127.0.0.1:1/1', connectTimeoutMs: 500 });
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const relay = new OutboxRelay(t.prisma, new StreamProducer(dead), t.config);
        for (let i = 0; i < 3; i++) expect(await relay.publishPending()).toBe(0);
        expect(await t.prisma.operation.count({ where: { publishedAt: { not: null } } })).toBe(0);
        const outageLines = warn.mock.calls.filter(([m]) => String(m).startsWith('cannot publish jobs to Redis'));
        expect(outageLines).toHaveLength(1);
        // the working relay then takes them all
        expect(await new OutboxRelay(t.prisma, t.app.get(StreamProducer), t.config).publishPending()).toBe(3);
      } finally {
        warn.mockRestore();
        await dead.close();
      }
    });
  });
});
