import Redis from 'ioredis';

import { ConsumerGroup, RedisConnections } from '@app/redis-streams';

import { adminClient, FreezingProxy, uniqueStream, waitFor } from './helpers';

const GROUP = 'dc-workers';

/**
 * The failure CONVENTIONS.md warns about (ioredis #1888, bullmq #4479): a blocking read on a socket that
 * silently stopped answering. A proxy that swallows bytes on open connections reproduces it
 * without touching the shared Redis server.
 */
describe('ConsumerGroup read watchdog and reconnects (real Redis DB 2 behind a proxy)', () => {
  let admin: Redis;
  let proxy: FreezingProxy;
  let connections: RedisConnections;
  let stream: string;

  beforeEach(async () => {
    admin = adminClient();
    proxy = new FreezingProxy();
    connections = new RedisConnections({ url: await proxy.start(), connectionName: 'rs-test-wd' });
    stream = uniqueStream('wd');
  });

  afterEach(async () => {
    await connections.close();
    await proxy.stop();
    await admin.del(stream);
    admin.disconnect();
  });

  it('replaces a reader whose blocking read never answers, then reads on a fresh connection', async () => {
    const group = new ConsumerGroup(connections, {
      stream,
      group: GROUP,
      consumer: 'w1',
      blockMs: 100,
      readTimeoutMs: 500,
    });
    await group.ensureGroup();
    expect(await group.readNew()).toEqual([]); // reader connection established and working
    expect(proxy.freezeExisting()).toBe(2); // command + reader connection now black holes

    const started = Date.now();
    expect(await group.readNew()).toEqual([]);
    const took = Date.now() - started;
    // watchdog = max(readTimeoutMs, blockMs + 1 s margin) = 1100 ms: never before BLOCK could end
    expect(took).toBeGreaterThanOrEqual(1_050);
    expect(took).toBeLessThan(3_000);
    expect(group.watchdogResets).toBe(1);

    const id = await admin.xadd(stream, '*', 'operation_id', 'after-hang');
    const msgs = await group.readNew();
    expect(msgs.map((m) => m.id)).toEqual([id]);
    expect(group.watchdogResets).toBe(1);
    await group.close();
  });

  it('keeps consuming across a dropped connection (Redis restart): the read is resumed, nothing is lost', async () => {
    const group = new ConsumerGroup(connections, { stream, group: GROUP, consumer: 'w1', blockMs: 300 });
    await group.ensureGroup();
    const reading = group.readNew({ blockMs: 5_000 });
    await waitFor(
      async () => ((await admin.client('LIST')) as string).includes('name=rs-test-wd:reader:w1 '),
      'a new connection named rs-test-wd:reader:w1',
    );
    proxy.dropAll();
    const id = await admin.xadd(stream, '*', 'operation_id', 'during-outage');

    const received: string[] = [];
    received.push(...(await reading).map((m) => m.id));
    for (let i = 0; i < 5 && received.length === 0; i++) received.push(...(await group.readNew()).map((m) => m.id));
    expect(received).toEqual([id]);
    expect(await group.ack(id as string)).toBe(1); // the command connection reconnected as well
    await group.close();
    // the read it resumes may block 5 s on its own: jest's default 5 s budget is too short for it
  }, 20_000);
});
