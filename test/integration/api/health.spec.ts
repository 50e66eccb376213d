import { Client } from 'pg';

import { pgUrl, testDbName } from '../../setup/services';
import { startTestApp, TestApp } from './helpers/app';

describe('health (DOMAIN.md §7)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('GET /health is public liveness', async () => {
    const res = await t.http.get('/api/v1/health').expect(200);
    expect(res.body).toEqual({ data: { status: 'ok' } });
  });

  it('GET /health/ready reports database and Redis up', async () => {
    const res = await t.http.get('/api/v1/health/ready').expect(200);
    expect(res.body).toEqual({ data: { status: 'ok', checks: { database: 'up', redis: 'up' } } });
  });

  it('GET /health/ready is 503 SERVICE_UNAVAILABLE naming Redis when Redis is unreachable', async () => {
    const down = await startTestAppWithDeadRedis();
    try {
      const res = await down.http.get('/api/v1/health/ready').expect(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.body.error.message).toMatch(/redis/);
      expect(res.body.error.message).not.toMatch(/database/);
      expect(res.body.error.details).toEqual({ database: 'up', redis: 'down' });
    } finally {
      await down.close();
    }
  });

  it('GET /health/ready is 503 naming the database while it is gone, 200 again when it is back', async () => {
    const name = testDbName('linbo_test_api_health');
    const admin = new Client({ connectionString: pgUrl('postgres') });
    await admin.connect();
    await t.close();
    const app = await startTestApp({ DATABASE_URL: pgUrl('linbo_test_api_health') });
    try {
      await app.http.get('/api/v1/health/ready').expect(200);
      // the database disappears under the running app (its connections are terminated)
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      const res = await app.http.get('/api/v1/health/ready').expect(503);
      expect(res.body.error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        message: 'Not ready: database unreachable',
        details: { database: 'down', redis: 'up' },
      });
      await app.http.get('/api/v1/health').expect(200);
      // and it recovers once the database is back (the pool reconnects; the process never died)
      await admin.query(`CREATE DATABASE "${name}"`);
      await app.http.get('/api/v1/health/ready').expect(200);
    } finally {
      await app.close();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      t = await startTestApp();
    }
  });

  it('serves the OpenAPI document generated from the DTOs at /api/docs-json and the UI at /api/docs', async () => {
    const res = await t.http.get('/api/docs-json').expect(200);
    const doc = res.body as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    for (const path of [
      '/api/v1/hosts',
      '/api/v1/hosts/{id}',
      '/api/v1/hosts/by-name/{hostname}',
      '/api/v1/rooms/{id}',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    expect(Object.keys(doc.paths['/api/v1/configs/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/api/v1/import/devices'].post).toBeDefined();
    expect(doc.paths['/api/v1/export/devices'].get).toBeDefined();
    const host = doc.components.schemas.CreateHostDto;
    expect(Object.keys(host.properties)).toEqual(
      expect.arrayContaining(['hostname', 'macAddress', 'ipAddress', 'roomId', 'configId', 'role', 'pxeFlag']),
    );
    expect(host.required).toEqual(expect.arrayContaining(['hostname', 'macAddress']));
    const ui = await t.http.get('/api/docs').redirects(1).expect(200);
    expect(ui.text).toMatch(/swagger/i);
  });

  async function startTestAppWithDeadRedis(): Promise<TestApp> {
    // the suite's own app holds the API lock; release it by closing first, then reopen after
    await t.close();
    const app = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1/1' });
    const close = app.close;
    app.close = async () => {
      await close();
      t = await startTestApp();
    };
    return app;
  }
});
