import type { Server } from 'node:http';

import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../../apps/api/src/common/limits';
import { startTestApp, useTestApp } from './helpers/app';

const PREFIX = '/api/v1';

/** Issue 10 "HTTP hygiene": security headers, no X-Powered-By, CORS closed unless configured, timeouts. */
describe('HTTP hygiene (docs/API.md "HTTP hardening")', () => {
  describe('default configuration', () => {
    const t = useTestApp({}, { reset: false });

    it('sends the security headers and no X-Powered-By, on success and on errors', async () => {
      for (const res of [await t.http.get(`${PREFIX}/health`), await t.http.get(`${PREFIX}/hosts`)]) {
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
        expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
        expect(res.headers['referrer-policy']).toBe('no-referrer');
      }
    });

    it('CORS is closed: no Access-Control-Allow-Origin for any origin, preflight too', async () => {
      const get = await t.http.get(`${PREFIX}/health`).set('Origin', 'https://evil.example');
      expect(get.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await t.http
        .options(`${PREFIX}/hosts`)
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(pre.headers['access-control-allow-methods']).toBeUndefined();
    });

    it('the OpenAPI UI still loads under the security headers', async () => {
      const res = await t.http.get('/api/docs/').redirects(1);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(/swagger/i);
    });

    it('the server has the request and header timeouts of limits.ts', () => {
      const server = t.app.getHttpServer() as Server;
      expect(server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
      expect(server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    });
  });

  describe('CORS_ORIGINS set', () => {
    const t = useTestApp({ CORS_ORIGINS: 'https://admin.school.example, http://localhost:5173' }, { reset: false });

    it('allows exactly the configured origins', async () => {
      const ok = await t.http
        .options(`${PREFIX}/hosts`)
        .set('Origin', 'https://admin.school.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe('https://admin.school.example');
      const other = await t.http.get(`${PREFIX}/health`).set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('a bad CORS_ORIGINS is refused at boot, naming the variable', async () => {
    await expect(startTestApp({ CORS_ORIGINS: 'evil.example;x' })).rejects.toThrow(/CORS_ORIGINS/);
  });
});
