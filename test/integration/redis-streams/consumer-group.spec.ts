import Redis from 'ioredis';

import { ConsumerGroup, ConsumerGroupOptions, RedisConnections, StreamProducer } from '@app/redis-streams';

import { adminClient, REDIS_URL, uniqueStream, waitFor } from './helpers';

const GROUP = 'dc-workers';

describe('ConsumerGroup (real Redis DB 2)', () => {
  let admin: Redis;
  let producerConnections: RedisConnections;
  let producer: StreamProducer;
  let opened: RedisConnections[] = [];
  let keys: string[] = [];
  let stream: string;

  /** One simulated worker process: its own connections and one consumer. */
  function startConsumer(consumer: string, extra: Partial<ConsumerGroupOptions> = {}) {
    const connections = new RedisConnections({ url: REDIS_URL, connectionName: `rs-test-${consumer}` });
    opened.push(connections);
    const group = new ConsumerGroup(connections, { stream, group: GROUP, consumer, blockMs: 200, ...extra });
    return { connections, group };
  }

  async function produce(...jobs: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const job of jobs) ids.push(await producer.add(stream, { type: 'provision_host', operation_id: job }));
    return ids;
  }

  async function pendingOf(consumer: string): Promise<Array<[string, string, number, number]>> {
    return (await admin.xpending(stream, GROUP, '-', '+', 100, consumer)) as Array<[string, string, number, number]>;
  }

  beforeAll(() => {
    admin = adminClient();
    producerConnections = new RedisConnections({ url: REDIS_URL, connectionName: 'rs-test-producer' });
    producer = new StreamProducer(producerConnections);
  });

  beforeEach(() => {
    stream = uniqueStream('jobs');
    keys = [stream, `${stream}:dlq`];
  });

  afterEach(async () => {
    await Promise.all(opened.map((c) => c.close()));
    opened = [];
    await admin.del(...keys);
  });

  afterAll(async () => {
    await producerConnections.close();
    admin.disconnect();
  });

  describe('group creation', () => {
    it('is idempotent (BUSYGROUP ignored), also when raced, and creates the stream', async () => {
      const { group } = startConsumer('w1');
      await Promise.all([group.ensureGroup(), group.ensureGroup(), group.ensureGroup()]);
      await group.ensureGroup();
      const groups = (await admin.xinfo('GROUPS', stream)) as unknown[][];
      expect(groups).toHaveLength(1);
      expect(groups[0]).toEqual(expect.arrayContaining(['name', GROUP]));
      expect(await admin.type(stream)).toBe('stream');
    });

    it('delivers jobs published before the first worker created the group (nothing lost, DOMAIN.md §8)', async () => {
      const ids = await produce('early-1', 'early-2');
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      expect((await group.readNew()).map((m) => m.id)).toEqual(ids);
    });

    it('rejects unsafe options', () => {
      const { connections } = startConsumer('w1');
      const base = { stream, group: GROUP, consumer: 'w1' };
      expect(() => new ConsumerGroup(connections, { ...base, blockMs: 0 })).toThrow(/blockMs/);
      expect(() => new ConsumerGroup(connections, { ...base, blockMs: 1000, readTimeoutMs: 1000 })).toThrow(
        /readTimeoutMs/,
      );
      expect(() => new ConsumerGroup(connections, { ...base, maxDeliveries: 0 })).toThrow(/maxDeliveries/);
      expect(() => new ConsumerGroup(connections, { ...base, consumer: '' })).toThrow(/consumer/);
    });
  });

  describe('read and ack', () => {
    it('reads new entries in stream order with deliveries 1, tracks pending and lag, acks', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const ids = await produce('a', 'b', 'c');
      expect(await group.lag()).toBe(3);

      const first = await group.readNew({ count: 2 });
      expect(first).toEqual([
        { id: ids[0], fields: { type: 'provision_host', operation_id: 'a' }, deliveries: 1 },
        { id: ids[1], fields: { type: 'provision_host', operation_id: 'b' }, deliveries: 1 },
      ]);
      expect(await group.lag()).toBe(1);
      const rest = await group.readNew();
      expect(rest.map((m) => m.fields.operation_id)).toEqual(['c']);
      expect(await group.pendingCount()).toBe(3);

      expect(await group.ack(ids[0], ids[2])).toBe(2);
      expect(await group.ack()).toBe(0);
      expect(await group.pendingCount()).toBe(1);
      expect((await pendingOf('w1')).map((p) => p[0])).toEqual([ids[1]]);
      expect(await group.lag()).toBe(0);
    });

    it('returns [] when BLOCK times out, after about blockMs', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const started = Date.now();
      expect(await group.readNew({ blockMs: 150 })).toEqual([]);
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(140);
      expect(took).toBeLessThan(1_500);
    });

    it('wakes a blocked read as soon as a job is published', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const reading = group.readNew({ blockMs: 10_000 });
      await waitFor(() => isBlocked(admin, 'rs-test-w1:reader:w1'), 'reader w1 blocked in XREADGROUP');
      const [id] = await produce('wake');
      const started = Date.now();
      expect((await reading).map((m) => m.id)).toEqual([id]);
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('reports lag null for a missing stream and pendingCount 0 for a missing group', async () => {
      const { group } = startConsumer('w1');
      expect(await group.lag()).toBeNull();
      expect(await group.pendingCount()).toBe(0);
    });
  });

  describe('NOGROUP recovery', () => {
    it('recreates the group when the stream was deleted between reads and still gets the next job', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      await produce('before');
      await group.ack(...(await group.readNew()).map((m) => m.id));

      await admin.del(stream); // stream and group gone; the producer recreates a bare stream
      const [id] = await produce('after-delete');
      expect((await group.readNew()).map((m) => m.id)).toEqual([id]);
    });

    it('recovers when the stream is deleted while a read is blocked on it', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const reading = group.readNew({ blockMs: 10_000 });
      await waitFor(() => isBlocked(admin, 'rs-test-w1:reader:w1'), 'reader w1 blocked in XREADGROUP');
      await admin.del(stream); // Redis answers the blocked client "UNBLOCKED the stream key no longer exists"
      const [id] = await produce('after-delete');
      expect((await reading).map((m) => m.id)).toEqual([id]);
    });

    it('recovers when the group is destroyed while a read is blocked on it', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const reading = group.readNew({ blockMs: 10_000 });
      await waitFor(() => isBlocked(admin, 'rs-test-w1:reader:w1'), 'reader w1 blocked in XREADGROUP');
      await admin.xgroup('DESTROY', stream, GROUP);
      const [id] = await produce('after-destroy');
      expect((await reading).map((m) => m.id)).toEqual([id]);
      expect((await admin.xinfo('GROUPS', stream)) as unknown[]).toHaveLength(1);
    });

    it('readOwnPending and claimIdle recreate a missing group and return []', async () => {
      const { group } = startConsumer('w1', { claimIdleMs: 0 });
      expect(await group.readOwnPending()).toEqual([]);
      await admin.xgroup('DESTROY', stream, GROUP);
      expect(await group.claimIdle()).toEqual([]);
      expect((await admin.xinfo('GROUPS', stream)) as unknown[]).toHaveLength(1);
    });
  });

  describe('crash recovery', () => {
    it('a second consumer takes over the message of a consumer killed mid-message (XAUTOCLAIM, deliveries 2)', async () => {
      const a = startConsumer('worker-a');
      await a.group.ensureGroup();
      const [id] = await produce('in-flight');
      const [taken] = await a.group.readNew();
      expect(taken.id).toBe(id);
      // worker A dies without ACK: its sockets are cut
      a.connections.command.disconnect();
      await a.group.close();

      const b = startConsumer('worker-b', { claimIdleMs: 100 });
      expect(await b.group.claimIdle()).toEqual([]); // not idle long enough yet: live work is not stolen
      const claimed = await waitFor(async () => {
        const got = await b.group.claimIdle();
        return got.length ? got : null;
      }, 'worker-b claiming the idle entry');
      expect(claimed).toEqual([{ id, fields: { type: 'provision_host', operation_id: 'in-flight' }, deliveries: 2 }]);
      expect(await pendingOf('worker-a')).toEqual([]);
      expect((await pendingOf('worker-b')).map((p) => [p[0], p[3]])).toEqual([[id, 2]]);
      expect(await b.group.ack(id)).toBe(1);
      expect(await b.group.pendingCount()).toBe(0);
    });

    it('after a restart the same consumer re-reads its own pending entries (0) before new ones (>)', async () => {
      const before = startConsumer('worker-a');
      await before.group.ensureGroup();
      const [p1, p2] = await produce('p1', 'p2');
      expect(await before.group.readNew()).toHaveLength(2);
      await before.connections.close(); // crash after reading, before ACK

      const [fresh] = await produce('fresh');
      const after = startConsumer('worker-a');
      await after.group.ensureGroup();
      const page1 = await after.group.readOwnPending(1);
      const page2 = await after.group.readOwnPending(1);
      expect(await after.group.readOwnPending(1)).toEqual([]); // end of the PEL, not a loop
      expect([...page1, ...page2]).toEqual([
        { id: p1, fields: { type: 'provision_host', operation_id: 'p1' }, deliveries: 2 },
        { id: p2, fields: { type: 'provision_host', operation_id: 'p2' }, deliveries: 2 },
      ]);
      expect((await after.group.readNew()).map((m) => m.id)).toEqual([fresh]);
      await after.group.ack(p1, p2, fresh);
      expect(await after.group.pendingCount()).toBe(0);
    });

    it('ACKs and skips own pending entries that were deleted from the stream meanwhile', async () => {
      const before = startConsumer('worker-a');
      await before.group.ensureGroup();
      const [gone, kept] = await produce('gone', 'kept');
      await before.group.readNew();
      await before.connections.close();
      await admin.xdel(stream, gone);

      const after = startConsumer('worker-a');
      const recovered = await after.group.readOwnPending();
      expect(recovered.map((m) => m.id)).toEqual([kept]);
      expect((await pendingOf('worker-a')).map((p) => p[0])).toEqual([kept]);
    });
  });

  describe('delivery limit and dead letters', () => {
    it('dead-letters a message delivered more than maxDeliveries times, with reason, and empties the PEL', async () => {
      const { group } = startConsumer('w1', { maxDeliveries: 2, claimIdleMs: 0 });
      await group.ensureGroup();
      const [id] = await produce('poison');

      const deliveries: number[] = [];
      let msg = (await group.readNew())[0];
      deliveries.push(msg.deliveries);
      while (!group.overDeliveryLimit(msg)) {
        msg = (await group.claimIdle())[0]; // the job failed without ACK and is retried
        deliveries.push(msg.deliveries);
      }
      expect(deliveries).toEqual([1, 2, 3]);
      expect(group.deadLetterStream).toBe(`${stream}:dlq`);

      const before = Date.now();
      await group.deadLetter(msg, 'delivered 3 times (limit 2)');
      expect(await group.pendingCount()).toBe(0);
      const dlq = await admin.xrange(`${stream}:dlq`, '-', '+');
      expect(dlq).toHaveLength(1);
      const [, flat] = dlq[0];
      const fields = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
      expect(fields).toEqual({
        type: 'provision_host',
        operation_id: 'poison',
        original_id: id,
        reason: 'delivered 3 times (limit 2)',
        deliveries: '3',
        consumer: 'w1',
        failed_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(Date.parse(fields.failed_at)).toBeGreaterThanOrEqual(before - 1_000);
      // the original entry stays in the stream (history) but is no longer pending anywhere
      expect(await admin.xlen(stream)).toBe(1);
    });

    it('uses a custom dead-letter stream', async () => {
      const dlq = `${stream}:custom-dlq`;
      keys.push(dlq);
      const { group } = startConsumer('w1', { deadLetterStream: dlq });
      await group.ensureGroup();
      await produce('x');
      const [msg] = await group.readNew();
      expect(group.overDeliveryLimit(msg)).toBe(false);
      await group.deadLetter(msg, 'undecodable payload');
      expect(await admin.xlen(dlq)).toBe(1);
      expect(await group.pendingCount()).toBe(0);
    });
  });

  describe('shutdown', () => {
    it('interrupt() makes a blocked readNew return [] promptly and stops further reads; ack keeps working', async () => {
      const { group } = startConsumer('w1');
      await group.ensureGroup();
      const [inFlight] = await produce('in-flight');
      const [msg] = await group.readNew();
      expect(msg.id).toBe(inFlight);

      const reading = group.readNew({ blockMs: 30_000 });
      await waitFor(() => isBlocked(admin, 'rs-test-w1:reader:w1'), 'reader w1 blocked in XREADGROUP');
      const started = Date.now();
      group.interrupt();
      expect(await reading).toEqual([]);
      expect(Date.now() - started).toBeLessThan(500);

      const again = Date.now();
      expect(await group.readNew({ blockMs: 30_000 })).toEqual([]); // returns at once, reads nothing
      expect(Date.now() - again).toBeLessThan(100);
      expect(await group.ack(inFlight)).toBe(1); // finishing in-flight work still ACKs

      await group.close();
      expect(await clientNames(admin)).not.toContain('rs-test-w1:reader:w1');
      await produce('after-shutdown');
      expect(await group.readNew()).toEqual([]);
      expect(await group.lag()).toBe(1); // left for the next worker, not swallowed by a dead reader
      expect(await group.pendingCount()).toBe(0);
    });

    it('closing RedisConnections under a blocked read ends the read with [] instead of an error', async () => {
      const { connections, group } = startConsumer('w1');
      await group.ensureGroup();
      const reading = group.readNew({ blockMs: 30_000 });
      await waitFor(() => isBlocked(admin, 'rs-test-w1:reader:w1'), 'reader w1 blocked in XREADGROUP');
      const started = Date.now();
      await connections.close();
      expect(await reading).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await group.readNew()).toEqual([]);
      expect(connections.command.status).toBe('end');
    });

    it('close() ends the reader connection and leaves the shared command connection to RedisConnections', async () => {
      const { connections, group } = startConsumer('w1');
      await group.ensureGroup();
      await group.readNew({ blockMs: 10 });
      expect(await clientNames(admin)).toContain('rs-test-w1:reader:w1');
      await group.close();
      expect(await clientNames(admin)).not.toContain('rs-test-w1:reader:w1');
      expect(await connections.command.ping()).toBe('PONG');
    });
  });
});

async function clientNames(admin: Redis): Promise<string[]> {
  const list = (await admin.client('LIST')) as string;
  return list
    .split('\n')
    .map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '')
    .filter(Boolean);
}

/** True once the named client sits in a blocking XREADGROUP (so the test does not race the read). */
async function isBlocked(admin: Redis, name: string): Promise<boolean> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').some((line) => line.includes(` name=${name} `) && / flags=\S*b/.test(line));
}
