/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are read loosely in tests */
/**
 * Helpers shared by the jobs specs (auth, provisioning, outbox, internal, retry, websocket,
 * operations). The app itself comes from helpers/app.ts (useTestApp).
 */
import Redis from 'ioredis';
import WebSocket from 'ws';

import { decodeJobPayload, DEFAULT_JOBS_STREAM, fieldsToRecord, JobPayload, JOBS_DLQ_STREAM } from '@app/provisioning';

import { PG_PORT, pgUrl, REDIS_DB, REDIS_PORT, redisUrl } from '../../setup/services';
import { lateBound, TEST_INTERNAL_KEY, TEST_REDIS_URL, TestApp } from './helpers/app';

export const API = '/api/v1';

/** Provisioning on and live (not dry-run): the host status follows the operation. */
export const LIVE_ENV = { DC_PROVISIONING_ENABLED: 'true', DC_PROVISIONING_DRYRUN: 'false' };

let macCounter = 0;
/** A fresh, valid MAC per call (stored upper case). */
export function nextMac(): string {
  macCounter++;
  const hex = macCounter.toString(16).padStart(6, '0').toUpperCase();
  return `00:16:3E:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

export interface HostBody {
  hostname: string;
  macAddress?: string;
  ipAddress?: string | null;
  [key: string]: unknown;
}

/** POST /hosts as operator; returns the host view. */
export async function createHost(t: TestApp, body: HostBody): Promise<Record<string, any>> {
  const res = await t.http
    .post(`${API}/hosts`)
    .set(await t.authHeader('operator'))
    .send({ macAddress: nextMac(), ...body });
  if (res.status !== 201) throw new Error(`create host failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function patchHost(t: TestApp, id: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await t.http
    .patch(`${API}/hosts/${id}`)
    .set(await t.authHeader('operator'))
    .send(body);
  if (res.status !== 200) throw new Error(`patch host failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** PATCH /internal/operations/:id/status with the worker's key. */
export function report(t: TestApp, id: string, body: Record<string, unknown>) {
  return t.http.patch(`${API}/internal/operations/${id}/status`).set('X-Internal-Key', TEST_INTERNAL_KEY).send(body);
}

export function internalGet(t: TestApp, id: string) {
  return t.http.get(`${API}/internal/operations/${id}`).set('X-Internal-Key', TEST_INTERNAL_KEY);
}

export function workerRetry(t: TestApp, id: string, body: Record<string, unknown> = {}) {
  return t.http.post(`${API}/internal/operations/${id}/retry`).set('X-Internal-Key', TEST_INTERNAL_KEY).send(body);
}

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

/** A Redis client on the tests' DB 1 (what the app publishes to). */
export function testRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
}

/** testRedis() for a describe block: opened in beforeAll, disconnected in afterAll. */
export function useTestRedis(): Redis {
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(() => {
    redis?.disconnect();
    redis = undefined;
  });
  return lateBound('useTestRedis', () => redis);
}

export async function streamEntries(redis: Redis, stream = DEFAULT_JOBS_STREAM): Promise<StreamEntry[]> {
  const raw = await redis.xrange(stream, '-', '+');
  return raw.map(([id, flat]) => ({ id, fields: fieldsToRecord(flat) }));
}

export async function jobs(redis: Redis): Promise<JobPayload[]> {
  return (await streamEntries(redis)).map((e) => decodeJobPayload(e.fields));
}

export async function deadLetters(redis: Redis): Promise<StreamEntry[]> {
  return streamEntries(redis, JOBS_DLQ_STREAM);
}

export { waitFor } from '../../support/wait-for';

/** A WebSocket client that records every message it receives. */
export interface EventClient {
  socket: WebSocket;
  messages: Array<{ type: string; data: any; timestamp: string }>;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function connectEvents(t: TestApp, token: string | undefined): Promise<EventClient> {
  const url = `${t.url.replace(/^http/, 'ws')}/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  const socket = new WebSocket(url);
  const messages: EventClient['messages'] = [];
  socket.on('message', (raw) => messages.push(JSON.parse(raw.toString())));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, closed, close: () => socket.close() }));
    socket.once('error', reject);
  });
}

/**
 * A TCP proxy in front of a local service that a test can take down and bring back on the same
 * port: the app under test sees a real outage (refused connections) and a real recovery.
 */
export class FlakyTcpProxy {
  private server?: import('node:net').Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  /** Listens (again, on the same port after a stop()); a no-op while already listening. */
  async start(): Promise<void> {
    if (this.server) return;
    const net = await import('node:net');
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as import('node:net').AddressInfo).port;
  }

  /** Refuse new connections and cut the open ones. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

/** Redis (DB 1) behind a FlakyTcpProxy. */
export class FlakyRedisProxy extends FlakyTcpProxy {
  constructor() {
    super(REDIS_PORT);
  }

  get url(): string {
    return redisUrl(REDIS_DB.api, this.port);
  }
}

/** PostgreSQL (`linbo_test_api`) behind a FlakyTcpProxy. */
export class FlakyPostgresProxy extends FlakyTcpProxy {
  constructor() {
    super(PG_PORT);
  }

  get url(): string {
    return pgUrl('linbo_test_api', this.port);
  }
}
