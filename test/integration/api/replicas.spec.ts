/**
 * Two API replicas on one database and one Redis (issue 13 "API replicas"): app A from the harness,
 * app B built the same way with its own Prisma pool, Redis connections and process-level state, as a
 * second process has. A socket on B sees the events of hosts changed through A (and the other way
 * round), each event once; the outbox relays of both publish every job exactly once.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';

import { createApp } from '../../../apps/api/src/app.factory';
import { AppConfig } from '../../../apps/api/src/config/app-config';
import { EventsFanout } from '../../../apps/api/src/events/events.fanout';
import { EventsGateway } from '../../../apps/api/src/events/events.gateway';
import { startTestApp, TEST_REDIS_URL, TestApp, testEnv } from './helpers/app';
import { API, connectEvents, EventClient, nextMac, waitFor } from './provisioning.fixtures';

const ENV = { DC_PROVISIONING_ENABLED: 'true', DC_PROVISIONING_DRYRUN: 'true' };

describe('two API replicas', () => {
  let a: TestApp;
  let b: NestExpressApplication;
  let bUrl: string;
  let redis: Redis;
  const clients: EventClient[] = [];

  beforeAll(async () => {
    a = await startTestApp(ENV);
    b = await createApp(new AppConfig(testEnv(ENV)));
    await b.listen(0, '127.0.0.1');
    bUrl = `http://127.0.0.1:${(b.getHttpServer().address() as { port: number }).port}`;
    await Promise.all([a.app.get(EventsFanout).subscribed, b.get(EventsFanout).subscribed]);
    redis = new Redis(TEST_REDIS_URL);
  });
  beforeEach(async () => {
    await a.resetDb();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.close();
  });

  async function socketOn(app: NestExpressApplication, url: string): Promise<EventClient> {
    const gateway = app.get(EventsGateway);
    const before = gateway.connectedClients;
    const client = await connectEvents({ url } as TestApp, await a.loginAs('viewer'));
    await waitFor(() => gateway.connectedClients > before, 'the socket to be authenticated');
    clients.push(client);
    return client;
  }

  const post = async (url: string, hostname: string) => {
    const res = await fetch(`${url}${API}/hosts`, {
      method: 'POST',
      headers: { ...(await a.authHeader('operator')), 'Content-Type': 'application/json' },
      body: JSON.stringify({ hostname, macAddress: nextMac() }),
    });
    expect(res.status).toBe(201);
  };

  it('a subscriber on B sees the events of a host created through A, and A those of B, once each', async () => {
    const onA = await socketOn(a.app, a.url);
    const onB = await socketOn(b, bUrl);
    await post(a.url, 'via-a');
    await post(bUrl, 'via-b');
    const created = (c: EventClient) =>
      c.messages.filter((m) => m.type === 'host.created').map((m) => m.data.hostname as string);
    await waitFor(() => created(onA).length === 2 && created(onB).length === 2, 'both hosts on both sockets');
    expect(created(onA)).toEqual(['via-a', 'via-b']);
    expect(created(onB)).toEqual(['via-a', 'via-b']);
    // job events too, in order, and nothing twice (a replica ignores its own messages on the channel)
    const jobs = (c: EventClient) =>
      c.messages.filter((m) => m.type.startsWith('provision.job')).map((m) => `${m.type}:${m.data.hostname}`);
    await waitFor(() => jobs(onB).length >= 2, 'the job events on B');
    expect(jobs(onB).filter((j) => j === 'provision.job.created:via-a')).toHaveLength(1);
    expect(jobs(onA).filter((j) => j === 'provision.job.created:via-b')).toHaveLength(1);
  });

  it('the outbox relays of both replicas publish every job exactly once', async () => {
    await redis.del('linbo:jobs:default');
    const names = Array.from({ length: 40 }, (_, i) => `dup${i}`);
    await Promise.all(names.map((name, i) => post(i % 2 === 0 ? a.url : bUrl, name)));
    const ops = await a.prisma.operation.findMany({ select: { id: true } });
    expect(ops).toHaveLength(40);
    await waitFor(async () => (await redis.xlen('linbo:jobs:default')) >= 40, 'every job in the stream');
    // both relays poll every 100 ms: give a double publish the chance to show
    await new Promise((r) => setTimeout(r, 500));
    const entries = await redis.xrange('linbo:jobs:default', '-', '+');
    const published = entries.map(([, fields]) => fields[fields.indexOf('operation_id') + 1]);
    expect(published).toHaveLength(40);
    expect(new Set(published)).toEqual(new Set(ops.map((o) => o.id)));
  });
});
