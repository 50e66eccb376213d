/**
 * GET /internal/whoami: the DC an internal key belongs to, so a worker can refuse to start with a key
 * of another DC than its DC_ID (every report would be 403). The shared INTERNAL_API_KEY of a
 * single-DC installation answers `{dcId: null, shared: true}`.
 */
import { TEST_INTERNAL_KEY, useTestApp } from './helpers/app';
import { API } from './provisioning.fixtures';

describe('GET /internal/whoami', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' });

  it("names a DC key's DC, the shared key as shared; revoked, wrong and missing keys are 401", async () => {
    const admin = await t.authHeader('admin');
    await t.http.post(`${API}/dcs`).set(admin).send({ id: 'north' }).expect(201);
    const north = (await t.http.post(`${API}/dcs/north/keys`).set(admin).expect(201)).body.data;
    const fallback = (await t.http.post(`${API}/dcs/default/keys`).set(admin).expect(201)).body.data;

    const ask = (key?: string) => {
      const req = t.http.get(`${API}/internal/whoami`);
      return key === undefined ? req : req.set('X-Internal-Key', key);
    };
    expect((await ask(north.key).expect(200)).body).toEqual({ data: { dcId: 'north', shared: false } });
    expect((await ask(fallback.key).expect(200)).body).toEqual({ data: { dcId: 'default', shared: false } });
    expect((await ask(TEST_INTERNAL_KEY).expect(200)).body).toEqual({ data: { dcId: null, shared: true } });

    expect((await ask().expect(401)).body.error.code).toBe('UNAUTHORIZED');
    expect((await ask('lwk_north_not-a-key').expect(401)).body.error.code).toBe('UNAUTHORIZED');
    // a user's JWT is not an internal key
    await t.http.get(`${API}/internal/whoami`).set(admin).expect(401);
    await t.http.delete(`${API}/dcs/north/keys/${north.id}`).set(admin).expect(200);
    expect((await ask(north.key).expect(401)).body.error.code).toBe('UNAUTHORIZED');
  });
});
