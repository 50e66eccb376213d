import { randomUUID } from 'node:crypto';
import net from 'node:net';

import Redis from 'ioredis';

import { REDIS_DB, REDIS_PORT, redisUrl } from '../../setup/services';

/** The redis-streams suites own Redis DB 2 (test isolation between helpers, docs in the brief). */
export const REDIS_URL = process.env.REDIS_STREAMS_TEST_URL ?? redisUrl(REDIS_DB.redisStreams);

/** Unique key per test: suites run in parallel Jest workers on the same DB. */
export function uniqueStream(label: string): string {
  return `test:rs:${label}:${randomUUID().slice(0, 8)}`;
}

/** A plain client to inspect Redis directly (not the code under test). */
export function adminClient(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

export { waitFor } from '../../support/wait-for';

/**
 * A TCP proxy in front of Redis that can "freeze" its current connections: bytes are swallowed in
 * both directions while the sockets stay open — the half-dead connection a network partition or a
 * NAT timeout leaves behind, which no close event ever reports. New connections still work.
 */
export class FreezingProxy {
  private readonly server: net.Server;
  private readonly pairs: Array<{ client: net.Socket; upstream: net.Socket; frozen: boolean }> = [];
  port = 0;

  constructor(
    private readonly targetHost = '127.0.0.1',
    private readonly targetPort = REDIS_PORT,
  ) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      const pair = { client, upstream, frozen: false };
      this.pairs.push(pair);
      client.on('data', (chunk) => pair.frozen || upstream.write(chunk));
      upstream.on('data', (chunk) => pair.frozen || client.write(chunk));
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return `redis://127.0.0.1:${this.port}/2`;
  }

  /** Freezes every connection open right now. */
  freezeExisting(): number {
    const live = this.pairs.filter((p) => !p.client.destroyed && !p.frozen);
    for (const p of live) p.frozen = true;
    return live.length;
  }

  /** Cuts every open connection (what a Redis restart looks like to a client). */
  dropAll(): void {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  get openConnections(): number {
    return this.pairs.filter((p) => !p.client.destroyed).length;
  }

  async stop(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
