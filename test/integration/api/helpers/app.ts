/**
 * Integration harness for the API (shared by every test/integration/api spec): the real app from
 * createApp() on PostgreSQL `linbo_test_api` and Redis DB 1, listening on a loopback port.
 *
 * API spec files share one database, and jest runs files in parallel workers, so startTestApp()
 * holds a PostgreSQL advisory lock for the life of the app: API files run one after another, other
 * suites (worker, libs, e2e) keep running beside them. That is why the default timeout is raised.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as bcrypt from 'bcryptjs';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';

import { createApp } from '../../../../apps/api/src/app.factory';
import { AppConfig } from '../../../../apps/api/src/config/app-config';
import { PrismaService } from '../../../../apps/api/src/prisma/prisma.service';
import { pgUrl, REDIS_DB, redisUrl } from '../../../setup/services';

const { ensureDatabase, migrate } = require('../../../../scripts/db-migrate.js') as {
  ensureDatabase(url: string): Promise<void>;
  migrate(url: string, log?: (line: string) => void): Promise<number>;
};

jest.setTimeout(180_000);

export const TEST_DATABASE_URL = pgUrl('linbo_test_api');
export const TEST_REDIS_URL = redisUrl(REDIS_DB.api);
export const TEST_INTERNAL_KEY = 'test-internal-key-0123456789';
export const TEST_PASSWORD = 'test-password-123';
/** one advisory lock id for "an API integration app is running" */
const API_SUITE_LOCK = 73100001;

export type TestRole = 'admin' | 'operator' | 'viewer';

export interface TestApp {
  app: NestExpressApplication;
  /** supertest bound to the running server: `http.get('/api/v1/hosts')` */
  http: ReturnType<typeof request>;
  prisma: PrismaService;
  config: AppConfig;
  /** e.g. http://127.0.0.1:41234 (no prefix); WebSocket: url.replace('http', 'ws') + '/ws' */
  url: string;
  /** creates (if needed) the user `test-<role>` and returns a JWT from POST /auth/login */
  loginAs(role: TestRole): Promise<string>;
  /** `{ Authorization: 'Bearer …' }` for a role, cached per app until resetDb() */
  authHeader(role: TestRole): Promise<Record<string, string>>;
  /** empties every table and Redis DB 1 (the bootstrap admin too: log in again with loginAs) */
  resetDb(): Promise<void>;
  close(): Promise<void>;
}

/** The env every test app starts from; `env` passed to startTestApp() wins. */
export function testEnv(env: Partial<Record<string, string>> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    JWT_SECRET: 'test-jwt-secret-0123456789',
    INTERNAL_API_KEY: TEST_INTERNAL_KEY,
    LOG_LEVEL: 'silent',
    DC_PROVISIONING_ENABLED: 'false',
    LOGIN_RATE_LIMIT: '10000',
    OUTBOX_POLL_MS: '100',
    ...(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>),
  };
}

const migrated = new Map<string, Promise<void>>();
/** Creates and migrates a test database once per test file (the runner is idempotent and locked). */
export function migrateTestDatabase(url = TEST_DATABASE_URL): Promise<void> {
  let done = migrated.get(url);
  if (!done) {
    done = ensureDatabase(url).then(() => migrate(url, () => undefined).then(() => undefined));
    migrated.set(url, done);
  }
  return done;
}

/** Empties the API tables (and, with a client, Redis DB 1). */
export async function resetDb(prisma: PrismaService, redis?: Redis): Promise<void> {
  await prisma.$executeRawUnsafe(
    'TRUNCATE TABLE "hosts", "operations", "rooms", "configs", "users", "worker_keys" CASCADE',
  );
  // default-school on the default DC stay (migration 20261203080000_schools_and_dcs), as they were
  await prisma.$executeRawUnsafe(`DELETE FROM "schools" WHERE "name" <> 'default-school'`);
  await prisma.$executeRawUnsafe(`UPDATE "schools" SET "csv_col0_source" = 'room', "dc_id" = 'default'`);
  await prisma.$executeRawUnsafe(`DELETE FROM "dcs" WHERE "id" <> 'default'`);
  if (redis) await redis.flushdb();
}

/** apps of this test file that are still open (the suite lock allows one at a time) */
let openApps = 0;

/**
 * Starts the API for a test file. One app at a time per file: close() it before starting another
 * (a second concurrent app would wait forever for the suite lock, so it is refused instead).
 */
export async function startTestApp(env: Partial<Record<string, string>> = {}): Promise<TestApp> {
  if (openApps > 0) {
    throw new Error('startTestApp: close() the running test app first (API suites run one app at a time)');
  }
  openApps += 1;
  try {
    return await startLocked(env);
  } catch (err) {
    openApps -= 1;
    throw err;
  }
}

/**
 * The one test-app hook of the API specs: registers the app's start (beforeAll), an emptied
 * database before each test (beforeEach; `{ reset: false }` leaves that to the spec) and its close
 * (afterAll) in the calling describe block, and returns the running app. Hooks a spec adds after
 * this call run after these. Use the returned app inside hooks and tests only.
 */
export function useTestApp(env: Partial<Record<string, string>> = {}, options: { reset?: boolean } = {}): TestApp {
  let running: TestApp | undefined;
  beforeAll(async () => {
    running = await startTestApp(env);
  });
  if (options.reset !== false) {
    beforeEach(async () => {
      await running?.resetDb();
    });
  }
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  return lateBound('useTestApp', () => running);
}

/**
 * An object that stands for a value a beforeAll hook creates later: every property is read from
 * the current value (methods bound to it), and reading it before the value exists throws.
 */
export function lateBound<T extends object>(what: string, current: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const value = current();
      if (!value) throw new Error(`${what}: not started yet (it starts in beforeAll; use it inside hooks and tests)`);
      const member: unknown = Reflect.get(value, key);
      return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(value) : member;
    },
  });
}

async function startLocked(env: Partial<Record<string, string>>): Promise<TestApp> {
  const vars = testEnv(env);
  await migrateTestDatabase(TEST_DATABASE_URL);
  await migrateTestDatabase(vars.DATABASE_URL);

  // the lock lives in the shared API database even when a test points the app at another one
  const lock = new Client({ connectionString: TEST_DATABASE_URL });
  lock.on('error', () => undefined); // a terminated session just drops the lock
  await lock.connect();
  await lock.query('SELECT pg_advisory_lock($1)', [API_SUITE_LOCK]);

  // the harness's own client always targets Redis DB 1, even when a test points the app elsewhere
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let app: NestExpressApplication | undefined;
  try {
    await redis.connect();
    const config = new AppConfig(vars);
    // a clean slate before the app boots (the app may seed its bootstrap admin on start, and its
    // outbox relay publishes at start-up whatever an earlier file left unpublished)
    await truncateBeforeBoot(vars.DATABASE_URL);
    await redis.flushdb();
    app = await createApp(config);
    const prisma = app.get(PrismaService);
    await resetDbKeepingUsers(prisma);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    const http = request(app.getHttpServer());
    const tokens = new Map<TestRole, string>();
    const started = app;
    let closed = false;

    const loginAs = async (role: TestRole): Promise<string> => {
      const username = `test-${role}`;
      const passwordHash = await bcrypt.hash(TEST_PASSWORD, 4);
      await prisma.user.upsert({
        where: { username },
        create: { username, passwordHash, role },
        update: { passwordHash, role },
      });
      const res = await http.post('/api/v1/auth/login').send({ username, password: TEST_PASSWORD });
      if (res.status !== 200 && res.status !== 201) {
        throw new Error(`login as ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
      }
      return (res.body as { data: { token: string } }).data.token;
    };

    return {
      app,
      http,
      prisma,
      config,
      url,
      loginAs,
      async authHeader(role) {
        let token = tokens.get(role);
        if (!token) {
          token = await loginAs(role);
          tokens.set(role, token);
        }
        return { Authorization: `Bearer ${token}` };
      },
      async resetDb() {
        tokens.clear();
        await resetDb(prisma, redis);
      },
      async close() {
        if (closed) return;
        closed = true;
        try {
          await started.close();
        } finally {
          openApps -= 1;
          redis.disconnect();
          await lock.query('SELECT pg_advisory_unlock($1)', [API_SUITE_LOCK]).catch(() => undefined);
          await lock.end();
        }
      },
    };
  } catch (err) {
    if (app) await app.close().catch(() => undefined);
    redis.disconnect();
    await lock.end().catch(() => undefined);
    throw err;
  }
}

/** Start of a suite: previous files may have left rows; the bootstrap admin (if any) is kept. */
async function truncateBeforeBoot(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('TRUNCATE TABLE "hosts", "operations", "rooms", "configs" CASCADE');
    await client.query(`DELETE FROM "users" WHERE "username" LIKE 'test-%'`);
  } finally {
    await client.end();
  }
}

async function resetDbKeepingUsers(prisma: PrismaService): Promise<void> {
  await prisma.$executeRawUnsafe('TRUNCATE TABLE "hosts", "operations", "rooms", "configs" CASCADE');
  await prisma.user.deleteMany({ where: { username: { startsWith: 'test-' } } });
}
