import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';

import {
  REDIS_STREAMS_OPTIONS,
  RedisConnections,
  RedisStreamsModule,
  RedisStreamsOptions,
  StreamProducer,
} from '@app/redis-streams';

import { adminClient, REDIS_URL, uniqueStream } from './helpers';

describe('StreamProducer (real Redis DB 2)', () => {
  let admin: Redis;
  let connections: RedisConnections;
  let producer: StreamProducer;
  const keys: string[] = [];

  beforeAll(() => {
    admin = adminClient();
    connections = new RedisConnections({ url: REDIS_URL, connectionName: 'rs-test producer' });
    producer = new StreamProducer(connections);
  });

  afterAll(async () => {
    if (keys.length) await admin.del(...keys);
    await connections.close();
    admin.disconnect();
  });

  it('XADDs a flat field list and a record, in order, with increasing ids', async () => {
    const stream = uniqueStream('add');
    keys.push(stream);
    const first = await producer.add(stream, ['type', 'provision_host', 'attempt', '1']);
    const second = await producer.add(stream, { type: 'macct_repair', host: 'pc01' });
    expect(first).toMatch(/^\d+-\d+$/);
    expect(second).not.toBe(first);
    const entries = await admin.xrange(stream, '-', '+');
    expect(entries).toEqual([
      [first, ['type', 'provision_host', 'attempt', '1']],
      [second, ['type', 'macct_repair', 'host', 'pc01']],
    ]);
  });

  it('trims approximately to maxLen (MAXLEN ~ drops whole radix-tree nodes, never below maxLen)', async () => {
    const stream = uniqueStream('trim');
    keys.push(stream);
    const total = 1_000;
    const maxLen = 100;
    for (let i = 0; i < total; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => producer.add(stream, ['n', String(i + j)], { maxLen })));
    }
    const len = await admin.xlen(stream);
    expect(len).toBeGreaterThanOrEqual(maxLen);
    expect(len).toBeLessThan(total / 2);
    // the newest entry survives trimming
    const [[, newest]] = await admin.xrevrange(stream, '+', '-', 'COUNT', 1);
    expect(newest).toEqual(['n', String(total - 1)]);
  });

  it('rejects bad input before talking to Redis', async () => {
    const stream = uniqueStream('bad');
    await expect(producer.add(stream, [])).rejects.toThrow(/field\/value pairs/);
    await expect(producer.add(stream, ['lonely'])).rejects.toThrow(/field\/value pairs/);
    await expect(producer.add(stream, { a: 'b' }, { maxLen: 0 })).rejects.toThrow(/maxLen/);
    expect(await admin.exists(stream)).toBe(0);
  });

  it('fails fast with an error when Redis is unreachable instead of hanging (DOMAIN.md §8 outbox retries)', async () => {
    const unreachable = new RedisConnections({ url: 'redis://127.0.0.1:1/2' });
    const down = new StreamProducer(unreachable);
    const started = Date.now();
    let closedIn = 0;
    try {
      await expect(down.add('linbo:jobs', ['type', 'provision_host'])).rejects.toThrow(
        /max retries per request|ECONNREFUSED|Command timed out/i,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
      // and again later, mid-outage: still an error, still fast
      const again = Date.now();
      await expect(down.add('linbo:jobs', ['type', 'provision_host'])).rejects.toThrow();
      expect(Date.now() - again).toBeLessThan(5_000);
    } finally {
      const closing = Date.now();
      await unreachable.close();
      closedIn = Date.now() - closing;
    }
    // shutting down a client that never connected is immediate and leaves no reconnect timer behind
    expect(closedIn).toBeLessThan(500);
    expect(['end', 'reconnecting']).toContain(unreachable.command.status);
  });
});

describe('RedisStreamsModule', () => {
  @Injectable()
  class UrlSource {
    readonly url = REDIS_URL;
  }
  @Module({ providers: [UrlSource], exports: [UrlSource] })
  class UrlModule {}

  it.each([
    ['forRoot', () => RedisStreamsModule.forRoot({ url: REDIS_URL, connectionName: 'rs-test-module' })],
    [
      'forRootAsync',
      () =>
        RedisStreamsModule.forRootAsync({
          imports: [UrlModule],
          inject: [UrlSource],
          useFactory: async (src: UrlSource) => ({ url: src.url, connectionName: 'rs-test-module' }),
        }),
    ],
  ])('%s provides options, connections and a working producer, and closes them on shutdown', async (_, build) => {
    const app = await Test.createTestingModule({ imports: [build()] }).compile();
    await app.init();
    const options = app.get<RedisStreamsOptions>(REDIS_STREAMS_OPTIONS);
    expect(options.url).toBe(REDIS_URL);
    const connections = app.get(RedisConnections);
    const producer = app.get(StreamProducer);
    const stream = uniqueStream('module');
    const id = await producer.add(stream, { k: 'v' });
    expect(await connections.command.xrange(stream, id, id)).toEqual([[id, ['k', 'v']]]);
    expect(await connections.command.client('GETNAME')).toBe('rs-test-module');
    await connections.command.del(stream);
    const reader = connections.createBlocking('probe');
    await reader.ping();
    await app.close();
    expect(connections.command.status).toBe('end');
    expect(reader.status).toBe('end');
  });
});
