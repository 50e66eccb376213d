import { judgeKeyDc } from './key-dc';

const config = { dcId: 'north', jobsStream: 'linbo:jobs:north' };

describe('judgeKeyDc', () => {
  it("runs with a key of its own DC or the shared key; refuses another DC's key naming both", () => {
    expect(judgeKeyDc(config, { kind: 'identity', identity: { dcId: 'north', shared: false } })).toMatchObject({
      ok: true,
      fatal: false,
    });
    expect(judgeKeyDc(config, { kind: 'identity', identity: { dcId: null, shared: true } })).toMatchObject({
      ok: true,
      detail: 'the shared INTERNAL_API_KEY (every DC)',
    });
    const wrong = judgeKeyDc(config, { kind: 'identity', identity: { dcId: 'south', shared: false } });
    expect(wrong).toMatchObject({ ok: false, fatal: true });
    expect(wrong.detail).toMatch(/^DC_ID=north but INTERNAL_API_KEY is a key of DC south: .*linbo:jobs:north.*403/);
  });

  it('a refused key is fatal; an API that cannot tell is not checked; an unreachable one is asked again', () => {
    expect(judgeKeyDc(config, { kind: 'refused', httpStatus: 401 })).toMatchObject({ ok: false, fatal: true });
    expect(judgeKeyDc(config, { kind: 'unknown', httpStatus: 404 })).toMatchObject({ ok: true, fatal: false });
    expect(judgeKeyDc(config, { kind: 'unreachable', error: 'ECONNREFUSED' })).toMatchObject({
      ok: false,
      fatal: false,
    });
  });
});
