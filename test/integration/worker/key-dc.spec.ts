// The worker's DC_ID must match the DC of its internal key (GET /internal/whoami): with DC_ID=a and
// the key of DC b it would read a's stream and get 403 on every report. It refuses to run — at
// start, or before its first batch when the API was down at start — and `--check` names both DCs.
// The shared key (single-DC installation) works with any DC_ID.
import { useWorkerBuild, waitFor, WorkerEnv } from './harness';

jest.setTimeout(30_000);

const build = useWorkerBuild();

function stdout(w: { logs: Array<Record<string, unknown>> }): string {
  return w.logs.map((l) => (typeof l.raw === 'string' ? l.raw : JSON.stringify(l))).join('\n');
}

const MISMATCH = /refusing to run: DC_ID=default but INTERNAL_API_KEY is a key of DC north/;

describe("the internal key's DC", () => {
  it('a key of another DC: the worker refuses to start and reads nothing', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    env.api.keyDc = 'north';
    const op = env.api.addProvision('create', { hostname: 'pc01', macAddress: '00:11:22:33:44:01' });
    await env.publish(op);
    const w = env.spawn();
    expect((await w.exited).code).toBe(2);
    const fatal = w.logs.find((l) => MISMATCH.test(String(l.msg)));
    expect(fatal).toMatchObject({ dcId: 'default' });
    expect(String(fatal?.msg)).toContain('Set DC_ID=north');
    expect(w.logs.some((l) => l.msg === 'worker started')).toBe(false);
    expect(env.api.reports).toEqual([]);
    expect(await env.pending()).toBe(0);
    expect(env.api.status(op.id)).toBe('pending');
  });

  it('API down at start: checked before the first batch; a wrong key stops the worker, its jobs stay pending', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    env.api.keyDc = 'north';
    env.api.down = true;
    const op = env.api.addProvision('create', { hostname: 'pc02', macAddress: '00:11:22:33:44:02' });
    await env.publish(op);
    const w = env.spawn();
    await waitFor(
      () => w.logs.some((l) => l.msg === 'key not checked yet; asked again before the next batch'),
      'warning',
    );
    env.api.down = false;
    expect((await w.exited).code).toBe(2);
    expect(stdout(w)).toMatch(MISMATCH);
    expect(env.api.reports.filter((r) => r.answered === 200)).toEqual([]);
    expect(env.dc.importRuns()).toHaveLength(0);
    // read but never ACKed: the next start with the right DC_ID or key runs it
    expect(await env.pending()).toBe(1);
  });

  it('a key of its own DC, or the shared key: the worker runs', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# devices\n' });
    env.api.keyDc = 'north';
    const op = env.api.addProvision('create', { hostname: 'pc03', macAddress: '00:11:22:33:44:03' });
    await env.publish(op);
    const w = env.spawn({ DC_ID: 'north' });
    await env.waitStatus(op.id, 'completed');
    expect(w.logs.find((l) => l.msg === 'internal key checked')).toMatchObject({ key: 'a key of DC north' });
    await w.stop();

    env.api.keyDc = null;
    const next = env.api.addProvision('create', { hostname: 'pc04', macAddress: '00:11:22:33:44:04' });
    await env.publish(next);
    const shared = env.spawn({ DC_ID: 'north' });
    await env.waitStatus(next.id, 'completed');
    expect(shared.logs.find((l) => l.msg === 'internal key checked')).toMatchObject({
      key: 'the shared INTERNAL_API_KEY (every DC)',
    });
  });

  it('--check names DC_ID and the key’s DC', async () => {
    const env = await WorkerEnv.create(build.main, { master: '# x\n' });
    env.api.keyDc = 'north';
    const wrong = env.spawn({}, ['--check']);
    expect((await wrong.exited).code).toBe(1);
    expect(stdout(wrong)).toMatch(
      /^FAIL INTERNAL_API_KEY belongs to DC_ID=default: DC_ID=default but INTERNAL_API_KEY is a key of DC north/m,
    );
    const right = env.spawn({ DC_ID: 'north' }, ['--check']);
    await right.exited;
    expect(stdout(right)).toMatch(/^OK {3}INTERNAL_API_KEY belongs to DC_ID=north: a key of DC north/m);
  });
});
