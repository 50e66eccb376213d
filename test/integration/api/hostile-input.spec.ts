import * as net from 'node:net';

import Redis from 'ioredis';
import type { Test } from 'supertest';

import { TEST_INTERNAL_KEY, TEST_REDIS_URL, useTestApp } from './helpers/app';
import { stateFingerprint } from './helpers/state';

const PREFIX = '/api/v1';

/**
 * The classes of hostile input of issue 10: each is a 4xx with the error envelope and a stable code,
 * and changes nothing in the database or the jobs stream (DOMAIN.md §7). Provisioning is ON so a
 * leaked job would show in the stream.
 */
describe('hostile input is refused, whole classes at once (docs/API.md "Limits on client input")', () => {
  const t = useTestApp({ DC_PROVISIONING_ENABLED: 'true' }, { reset: false });
  let redis: Redis;
  let admin: Record<string, string>;
  let hostId: string;
  let opId: string;
  const internal = { 'X-Internal-Key': TEST_INTERNAL_KEY };

  beforeAll(async () => {
    redis = new Redis(TEST_REDIS_URL);
    await t.resetDb();
    admin = await t.authHeader('admin');
    const res = await t.http
      .post(`${PREFIX}/hosts`)
      .set(admin)
      .send({ hostname: 'pc01', macAddress: '00:11:22:33:44:55', ipAddress: '10.0.0.1' })
      .expect(201);
    hostId = res.body.data.id;
    opId = res.body.data.provisionOpId;
    await t.authHeader('operator'); // every user row exists before the first fingerprint
  });
  afterAll(() => {
    redis?.disconnect();
  });

  const json = (method: 'post' | 'patch', path: string, raw: string | Buffer, headers = admin): Test =>
    t.http[method](`${PREFIX}${path}`)
      .set(headers)
      .set('Content-Type', 'application/json')
      .serialize((b: unknown) => b as string) // bytes as given, never re-encoded
      .send(raw as string);
  const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  const host = (extra: string) => `{"hostname":"pc02","macAddress":"00:11:22:33:44:66"${extra}}`;
  const csv = (body: string | Buffer) =>
    t.http.post(`${PREFIX}/import/devices`).set(admin).set('Content-Type', 'text/csv').send(body);
  const get = (path: string) => t.http.get(`${PREFIX}${path}`).set(admin);

  const cases: Array<[string, () => Test, number, string, RegExp]> = [
    // bodies: depth, prototype keys, NUL, invalid UTF-8, lone surrogates, numbers, wrong types
    ['5000-deep JSON array', () => json('post', '/hosts', deepArray(5000)), 400, 'VALIDATION_ERROR', /deeper than 32/],
    ['20000-deep JSON object', () => json('post', '/rooms', deepObject(20000)), 400, 'VALIDATION_ERROR', /deeper/],
    [
      'deep JSON on PATCH',
      () => json('patch', `/hosts/${hostId}`, deepObject(3000)),
      400,
      'VALIDATION_ERROR',
      /deeper/,
    ],
    ['__proto__ key', () => json('post', '/hosts', host(',"__proto__":{"x":1}')), 400, 'VALIDATION_ERROR', /__proto__/],
    [
      'constructor key',
      () => json('post', '/rooms', '{"name":"r1","constructor":1}'),
      400,
      'VALIDATION_ERROR',
      /constructor/,
    ],
    [
      'prototype key',
      () => json('patch', `/hosts/${hostId}`, '{"prototype":{}}'),
      400,
      'VALIDATION_ERROR',
      /prototype/,
    ],
    [
      'nested __proto__ in a free-form object',
      () =>
        json(
          'patch',
          `/internal/operations/${opId}/status`,
          '{"status":"running","result":{"__proto__":{"a":1}}}',
          internal,
        ),
      400,
      'VALIDATION_ERROR',
      /result\.__proto__/,
    ],
    ['NUL in a JSON string', () => json('post', '/rooms', '{"name":"r\\u00001"}'), 400, 'VALIDATION_ERROR', /NUL/],
    ['NUL in a JSON key', () => json('post', '/rooms', '{"na\\u0000me":"r1"}'), 400, 'VALIDATION_ERROR', /NUL/],
    [
      'NUL in a worker error text',
      () => json('post', `/internal/operations/${opId}/retry`, '{"error":"x\\u0000y"}', internal),
      400,
      'VALIDATION_ERROR',
      /NUL/,
    ],
    ['lone surrogate', () => json('post', '/rooms', '{"name":"\\ud800"}'), 400, 'VALIDATION_ERROR', /lone surrogate/],
    [
      'invalid UTF-8 JSON',
      () => json('post', '/rooms', Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])),
      400,
      'VALIDATION_ERROR',
      /not valid UTF-8/,
    ],
    [
      'pxeFlag beyond safe integer',
      () => json('post', '/hosts', host(',"pxeFlag":9007199254740993')),
      400,
      'VALIDATION_ERROR',
      /safe|between/,
    ],
    [
      'a number that is Infinity',
      () => json('post', '/hosts', host(',"pxeFlag":1e400')),
      400,
      'VALIDATION_ERROR',
      /finite/,
    ],
    [
      'attempt beyond safe integer',
      () => json('patch', `/internal/operations/${opId}/status`, '{"status":"running","attempt":1e20}', internal),
      400,
      'VALIDATION_ERROR',
      /between/,
    ],
    [
      'hostname as a number',
      () => json('post', '/hosts', '{"hostname":5,"macAddress":"00:11:22:33:44:66"}'),
      400,
      'VALIDATION_ERROR',
      /hostname/,
    ],
    ['body is an array', () => json('post', '/rooms', '[{"name":"r1"}]'), 400, 'VALIDATION_ERROR', /./],
    ['body is a bare string', () => json('post', '/rooms', '"r1"'), 400, 'VALIDATION_ERROR', /./],
    ['truncated JSON', () => json('post', '/rooms', '{"name":'), 400, 'VALIDATION_ERROR', /Malformed|JSON/],
    [
      'charset latin1',
      () =>
        t.http
          .post(`${PREFIX}/rooms`)
          .set(admin)
          .set('Content-Type', 'application/json; charset=latin1')
          .send('{"name":"r1"}'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      /./,
    ],
    // query strings: numbers, NUL, invalid UTF-8, repeated keys, arrays, prototype keys
    ['page beyond safe integer', () => get('/hosts?page=99999999999999999999'), 400, 'VALIDATION_ERROR', /page/],
    ['page 1e20', () => get('/hosts?page=1e20'), 400, 'VALIDATION_ERROR', /page/],
    [
      'page 2e6 (offset too far)',
      () => get('/hosts?page=2000000'),
      400,
      'VALIDATION_ERROR',
      /page must not be greater/,
    ],
    ['NUL in search', () => get('/hosts?search=pc%00'), 400, 'VALIDATION_ERROR', /NUL/],
    ['NUL in a query key', () => get('/operations/provision?st%00atus=x'), 400, 'VALIDATION_ERROR', /NUL/],
    ['invalid UTF-8 in the query', () => get('/hosts?search=%FF%FE'), 400, 'VALIDATION_ERROR', /UTF-8/],
    ['broken percent-encoding', () => get('/hosts?search=%E0%A4%A'), 400, 'VALIDATION_ERROR', /UTF-8/],
    ['a repeated key', () => get('/hosts?limit=1&limit=2'), 400, 'VALIDATION_ERROR', /given once/],
    ['an array key', () => get('/hosts?roomId[]=1'), 400, 'VALIDATION_ERROR', /should not exist/],
    [
      '__proto__ in the query',
      () => get('/operations/provision?__proto__=1'),
      400,
      'VALIDATION_ERROR',
      /should not exist/,
    ],
    [
      'a 2000-char query value',
      () => get(`/hosts?search=${'a'.repeat(2000)}`),
      400,
      'VALIDATION_ERROR',
      /at most 1024/,
    ],
    [
      '40 query parameters',
      () => get(`/hosts?${Array.from({ length: 40 }, (_, i) => `k${i}=1`).join('&')}`),
      400,
      'VALIDATION_ERROR',
      /more than 32/,
    ],
    ['dryRun=yes on the import', () => csv('#\n').query('dryRun=yes'), 400, 'VALIDATION_ERROR', /dryRun/],
    // path ids
    ['NUL in a path name', () => get('/hosts/by-name/pc%0001'), 400, 'VALIDATION_ERROR', /NUL/],
    ['invalid UTF-8 in a path', () => get('/hosts/by-name/%C3%28'), 400, 'VALIDATION_ERROR', /UTF-8/],
    ['a non-UUID id', () => get('/hosts/not-a-uuid'), 400, 'VALIDATION_ERROR', /UUID/],
    ['a huge numeric id', () => get('/operations/provision/99999999999999999999999'), 400, 'VALIDATION_ERROR', /UUID/],
    // CSV imports: NUL, binary, huge lines, thousands of columns, too many lines
    [
      'NUL in the CSV',
      () => csv('r1;pc03;win;00:11:22:33:44:77;10.0.0.3;;;;;;1\0;;;;\n'),
      400,
      'VALIDATION_ERROR',
      /NUL/,
    ],
    [
      'binary CSV',
      () => csv(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff])),
      400,
      'VALIDATION_ERROR',
      /UTF-8|NUL/,
    ],
    [
      'a 100 KB CSV line',
      () => csv(`r1;pc03;${'x'.repeat(100_000)}\n`),
      400,
      'VALIDATION_ERROR',
      /line 1 is longer than 4096/,
    ],
    ['1000 columns', () => csv(`#\nr1;pc03${';'.repeat(998)}\n`), 400, 'VALIDATION_ERROR', /line 2 has 1000 fields/],
    ['25000 lines', () => csv('#\n'.repeat(25_000)), 400, 'VALIDATION_ERROR', /more than 20000 lines/],
    [
      'NUL in the JSON csv',
      () => json('post', '/import/devices', '{"csv":"r1;pc03\\u0000;x"}'),
      400,
      'VALIDATION_ERROR',
      /NUL/,
    ],
    // login
    [
      'login with a number',
      () => json('post', '/auth/login', '{"username":1,"password":2}', {}),
      400,
      'VALIDATION_ERROR',
      /./,
    ],
    [
      'login with NUL',
      () => json('post', '/auth/login', '{"username":"adm\\u0000","password":"x"}', {}),
      400,
      'VALIDATION_ERROR',
      /NUL/,
    ],
    [
      'login with __proto__',
      () => json('post', '/auth/login', '{"username":"a","password":"b","__proto__":{"role":"admin"}}', {}),
      400,
      'VALIDATION_ERROR',
      /__proto__/,
    ],
    ['login deep', () => json('post', '/auth/login', deepArray(100), {}), 400, 'VALIDATION_ERROR', /deeper/],
  ];

  const titled = cases.map(
    ([name, send, status, code, message]) => [`${name} → ${status} ${code}`, send, status, code, message] as const,
  );
  it.each(titled)('%s, nothing changed', async (_name, send, status, code, message) => {
    const before = await stateFingerprint(t.prisma, redis);
    const res = await send();
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body.error.message).toMatch(message);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(await stateFingerprint(t.prisma, redis)).toBe(before);
  });

  /** A raw HTTP exchange, for what supertest cannot send (oversize headers). */
  function raw(request: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(new URL(t.url).port as unknown as number, '127.0.0.1');
      let data = '';
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.write(request);
    });
  }

  it('oversize headers → 431 HEADERS_TOO_LARGE with the envelope', async () => {
    const reply = await raw(`GET ${PREFIX}/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'HEADERS_TOO_LARGE', message: 'request headers are larger than 16384 bytes' },
    });
  });

  it('malformed HTTP (a NUL in a header) → 400 with the envelope', async () => {
    const reply = await raw(`GET ${PREFIX}/health HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error.code).toBe('VALIDATION_ERROR');
  });

  it('good requests still pass the guards (UTF-8 names, numbers, a devices.csv)', async () => {
    await get('/hosts?page=1&limit=5&search=pc%C3%A9').expect(200);
    const res = await csv('# comment\nr1;pc09;nopxe;00:11:22:33:44:99;10.0.0.9;;;;;;0;;;;\n')
      .query('dryRun=true')
      .expect(200);
    expect(res.body.data.created).toBe(1);
  });
});
