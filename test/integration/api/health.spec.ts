import { startTestApp, TestApp } from './helpers/app';

describe('health (SPEC §7)', () => {
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
