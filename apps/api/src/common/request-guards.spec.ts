import { Duplex } from 'node:stream';

import { answerClientError, jsonDepthExceeds, jsonValueProblem, urlProblem } from './request-guards';

describe('request guards (docs/API.md "Limits on client input")', () => {
  it('measures JSON depth on the bytes, ignoring brackets inside strings', () => {
    expect(jsonDepthExceeds(Buffer.from('[[[]]]'), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('[[[[]]]]'), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from('{"a":"[[[[[[\\"[[[["}'), 1)).toBe(false);
  });

  it('names the path of the first bad value', () => {
    expect(jsonValueProblem({ a: [1, { b: 'x\u0000' }] })?.field).toBe('a[1].b');
    expect(jsonValueProblem(JSON.parse('{"r":{"__proto__":1}}'))?.field).toBe('r.__proto__');
    expect(jsonValueProblem({ n: 2 ** 53 })?.message).toMatch(/between/);
    expect(jsonValueProblem({ n: 2 ** 53 - 1, f: 0.5, s: 'é😀' })).toBeNull();
  });

  it.each([
    ['/api/v1/hosts?page=1&limit=20&search=pc', null],
    ['/api/v1/hosts?a=1&a=2', /given once/],
    ['/api/v1/hosts?page=9007199254740992', /between/],
    ['/api/v1/hosts?page=-1e999', /finite/],
    ['/api/v1/hosts/by-name/%00', /NUL/],
    ['/api/v1/hosts/%E0%A4', /UTF-8/],
    ['/api/v1/hosts?constructor=1', /should not exist/],
  ])('urlProblem(%s)', (url, expected) => {
    const problem = urlProblem(url);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem?.message).toMatch(expected);
  });

  function socket(): { s: Duplex; written: () => string } {
    let out = '';
    const s = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    return { s, written: () => out };
  }

  it('answers a request timeout with 408 REQUEST_TIMEOUT and the envelope', () => {
    const { s, written } = socket();
    answerClientError(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), s);
    expect(written()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(JSON.parse(written().split('\r\n\r\n')[1]).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('drops a reset connection without writing', () => {
    const { s, written } = socket();
    answerClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), s);
    expect(written()).toBe('');
    expect(s.destroyed).toBe(true);
  });
});
