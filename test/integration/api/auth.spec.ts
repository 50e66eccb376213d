import { tokenLifetime } from '../../../apps/api/src/auth/auth.module';
import { AppConfig, DEV_INTERNAL_API_KEY, DEV_JWT_SECRET } from '../../../apps/api/src/config/app-config';
import { UsersService } from '../../../apps/api/src/users/users.service';
import { startTestApp, TEST_PASSWORD, TestApp } from './helpers/app';
import { API } from './provisioning.fixtures';

describe('auth (DOMAIN.md §7, issue 3 item 1)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Runs `fn` against an app started with `env` (the harness allows one app at a time). */
  async function withApp(env: Record<string, string>, fn: (app: TestApp) => Promise<void>): Promise<void> {
    await t.close();
    const other = await startTestApp(env);
    try {
      await fn(other);
    } finally {
      await other.close();
      t = await startTestApp();
    }
  }

  describe('POST /auth/login', () => {
    it('returns a JWT and the user (never the hash); the token opens GET /auth/me', async () => {
      await t.loginAs('operator');
      const res = await t.http
        .post(`${API}/auth/login`)
        .send({ username: 'test-operator', password: TEST_PASSWORD })
        .expect(200);
      expect(res.body.data.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(res.body.data.user).toMatchObject({ username: 'test-operator', role: 'operator' });
      expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|\$2[aby]\$/);
      const claims = JSON.parse(Buffer.from(res.body.data.token.split('.')[1], 'base64url').toString());
      expect(claims).toMatchObject({ sub: res.body.data.user.id, username: 'test-operator', role: 'operator' });

      const me = await t.http.get(`${API}/auth/me`).set('Authorization', `Bearer ${res.body.data.token}`).expect(200);
      expect(me.body.data).toMatchObject({ username: 'test-operator', role: 'operator' });
    });

    it('401 UNAUTHORIZED with the same message for a wrong password and an unknown user', async () => {
      await t.loginAs('viewer');
      const wrong = await t.http
        .post(`${API}/auth/login`)
        .send({ username: 'test-viewer', password: 'not-the-password' })
        .expect(401);
      const unknown = await t.http
        .post(`${API}/auth/login`)
        .send({ username: 'nobody-here', password: 'whatever-pass' })
        .expect(401);
      expect(wrong.body.error.code).toBe('UNAUTHORIZED');
      expect(unknown.body.error).toEqual(wrong.body.error);
    });

    it('400 VALIDATION_ERROR naming the missing field', async () => {
      const res = await t.http.post(`${API}/auth/login`).send({ username: 'admin' }).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
    });

    it('is rate-limited per IP: past LOGIN_RATE_LIMIT attempts a minute → 429 RATE_LIMITED', async () => {
      await withApp({ LOGIN_RATE_LIMIT: '3' }, async (app) => {
        for (let i = 0; i < 3; i++) {
          await app.http.post(`${API}/auth/login`).send({ username: 'x', password: 'wrong-password' }).expect(401);
        }
        const limited = await app.http
          .post(`${API}/auth/login`)
          .send({ username: 'x', password: 'wrong-password' })
          .expect(429);
        expect(limited.body.error.code).toBe('RATE_LIMITED');
        expect(limited.body.error.message).toMatch(/too many login attempts/);
        // other routes are not throttled
        const header = { Authorization: `Bearer ${await tokenFor(app)}` };
        for (let i = 0; i < 5; i++) await app.http.get(`${API}/hosts`).set(header).expect(200);
      });
    });
  });

  let directUsers = 0;
  /** A token without going through the (rate-limited) login route. */
  async function tokenFor(app: TestApp): Promise<string> {
    const { JwtService } = await import('@nestjs/jwt');
    const username = `jwt-direct-${++directUsers}`;
    const user = await app.prisma.user.create({ data: { username, passwordHash: 'x', role: 'viewer' } });
    return app.app.get(JwtService).sign({ sub: user.id, username: user.username, role: user.role });
  }

  describe('bearer tokens', () => {
    it('401 without a token, with a garbage token, and with a token of a deleted user', async () => {
      const none = await t.http.get(`${API}/hosts`).expect(401);
      expect(none.body.error.code).toBe('UNAUTHORIZED');
      await t.http.get(`${API}/hosts`).set('Authorization', 'Bearer not.a.jwt').expect(401);
      await t.http.get(`${API}/hosts`).set('Authorization', 'Basic abc').expect(401);

      const token = await tokenFor(t);
      await t.http.get(`${API}/hosts`).set('Authorization', `Bearer ${token}`).expect(200);
      await t.prisma.user.delete({ where: { username: `jwt-direct-${directUsers}` } });
      const gone = await t.http.get(`${API}/hosts`).set('Authorization', `Bearer ${token}`).expect(401);
      expect(gone.body.error.code).toBe('UNAUTHORIZED');
    });

    it('401 for a token signed with another secret', async () => {
      const { JwtService } = await import('@nestjs/jwt');
      const forged = new JwtService({ secret: 'another-secret-0123456789' }).sign({
        sub: '00000000-0000-4000-8000-000000000000',
        username: 'admin',
        role: 'admin',
      });
      await t.http.get(`${API}/hosts`).set('Authorization', `Bearer ${forged}`).expect(401);
    });
  });

  describe('role matrix', () => {
    const host = () => ({ hostname: `rm${Date.now() % 1e9}`, macAddress: randomMac() });

    it('viewer reads everything but writes nothing (403 FORBIDDEN)', async () => {
      const viewer = await t.authHeader('viewer');
      await t.http.get(`${API}/hosts`).set(viewer).expect(200);
      await t.http.get(`${API}/rooms`).set(viewer).expect(200);
      await t.http.get(`${API}/operations/provision`).set(viewer).expect(200);
      const denied = await t.http.post(`${API}/hosts`).set(viewer).send(host()).expect(403);
      expect(denied.body.error.code).toBe('FORBIDDEN');
      await t.http.post(`${API}/rooms`).set(viewer).send({ name: 'r1' }).expect(403);
      await t.http.post(`${API}/operations/provision`).set(viewer).send({ hostname: 'pc1' }).expect(403);
      await t.http.post(`${API}/operations/macct-repair`).set(viewer).send({ hostname: 'pc1' }).expect(403);
      await t.http.get(`${API}/users`).set(viewer).expect(403);
    });

    it('operator manages hosts but not users', async () => {
      const operator = await t.authHeader('operator');
      const created = await t.http.post(`${API}/hosts`).set(operator).send(host()).expect(201);
      await t.http
        .patch(`${API}/hosts/${created.body.data.id}`)
        .set(operator)
        .send({ ipAddress: '10.9.0.5' })
        .expect(200);
      await t.http
        .delete(`${API}/hosts/${created.body.data.id}`)
        .set(operator)
        .expect((r) => {
          expect([200, 204]).toContain(r.status);
        });
      await t.http.get(`${API}/users`).set(operator).expect(403);
      await t.http
        .post(`${API}/users`)
        .set(operator)
        .send({ username: 'new-admin', password: 'long-enough-pw', role: 'admin' })
        .expect(403);
    });

    it('admin does everything, including user management', async () => {
      const admin = await t.authHeader('admin');
      await t.http.post(`${API}/hosts`).set(admin).send(host()).expect(201);
      const created = await t.http
        .post(`${API}/users`)
        .set(admin)
        .send({ username: 'teacher1', password: 'long-enough-pw', role: 'viewer' })
        .expect(201);
      expect(created.body.data).toMatchObject({ username: 'teacher1', role: 'viewer' });
      expect(created.body.data.passwordHash).toBeUndefined();
      await t.http
        .post(`${API}/users`)
        .set(admin)
        .send({ username: 'teacher1', password: 'long-enough-pw', role: 'viewer' })
        .expect(409);
      const list = await t.http.get(`${API}/users`).set(admin).expect(200);
      expect(list.body.data.map((u: { username: string }) => u.username)).toContain('teacher1');
      await t.http.patch(`${API}/users/${created.body.data.id}`).set(admin).send({ role: 'operator' }).expect(200);
      await t.http.post(`${API}/auth/login`).send({ username: 'teacher1', password: 'long-enough-pw' }).expect(200);
      await t.http.delete(`${API}/users/${created.body.data.id}`).set(admin).expect(204);
    });

    it('the last admin cannot be demoted or deleted (409 IN_USE)', async () => {
      await t.resetDb();
      const admin = await t.authHeader('admin');
      const me = await t.http.get(`${API}/auth/me`).set(admin).expect(200);
      const demote = await t.http
        .patch(`${API}/users/${me.body.data.id}`)
        .set(admin)
        .send({ role: 'viewer' })
        .expect(409);
      expect(demote.body.error.code).toBe('IN_USE');
      await t.http.delete(`${API}/users/${me.body.data.id}`).set(admin).expect(409);
    });
  });

  describe('bootstrap admin', () => {
    it('is created from ADMIN_USERNAME/ADMIN_PASSWORD and a changed password survives a restart', async () => {
      const env = { ADMIN_USERNAME: 'boot-admin', ADMIN_PASSWORD: 'boot-password-1' };
      await t.prisma.user.deleteMany({ where: { username: 'boot-admin' } });
      await withApp(env, async (app) => {
        const login = await app.http
          .post(`${API}/auth/login`)
          .send({ username: 'boot-admin', password: 'boot-password-1' })
          .expect(200);
        expect(login.body.data.user.role).toBe('admin');
        await app.http
          .patch(`${API}/users/${login.body.data.user.id}`)
          .set('Authorization', `Bearer ${login.body.data.token}`)
          .send({ password: 'changed-password-2' })
          .expect(200);

        // a restart runs the bootstrap again with the same env (the harness cannot keep rows
        // across a real restart: other API suites may run in between and truncate the users)
        await app.app.get(UsersService).onApplicationBootstrap();
        await app.http
          .post(`${API}/auth/login`)
          .send({ username: 'boot-admin', password: 'boot-password-1' })
          .expect(401);
        await app.http
          .post(`${API}/auth/login`)
          .send({ username: 'boot-admin', password: 'changed-password-2' })
          .expect(200);
        expect(await app.prisma.user.count({ where: { username: 'boot-admin' } })).toBe(1);
      });
    });
  });

  describe('production configuration', () => {
    it('refuses to start without real secrets', () => {
      expect(() => new AppConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET.*production/s);
      expect(() => new AppConfig({ NODE_ENV: 'production' })).toThrow(/INTERNAL_API_KEY/);
      expect(
        () =>
          new AppConfig({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, INTERNAL_API_KEY: DEV_INTERNAL_API_KEY }),
      ).toThrow(/non-default/);
      const ok = new AppConfig({
        NODE_ENV: 'production',
        JWT_SECRET: 'a-real-secret-of-some-length',
        INTERNAL_API_KEY: 'a-real-internal-key-0123',
      });
      expect(ok.jwtSecret).toBe('a-real-secret-of-some-length');
    });

    it('JWT_EXPIRES_IN is checked at boot', () => {
      expect(tokenLifetime('3600')).toBe(3600);
      expect(tokenLifetime('12h')).toBe('12h');
      expect(() => tokenLifetime('12 hours')).toThrow(/JWT_EXPIRES_IN/);
    });

    it('development falls back to the dev secrets', () => {
      expect(new AppConfig({}).jwtSecret).toBe(DEV_JWT_SECRET);
    });
  });
});

let macSeq = 0;
function randomMac(): string {
  macSeq++;
  const tail = (Date.now() % 0xffff).toString(16).padStart(4, '0') + macSeq.toString(16).padStart(2, '0').slice(-2);
  return `02:AA:00:${tail.slice(0, 2)}:${tail.slice(2, 4)}:${tail.slice(4, 6)}`.toUpperCase();
}
