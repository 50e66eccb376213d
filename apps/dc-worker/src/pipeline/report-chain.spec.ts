import { createWorkerLogger } from '../logging/worker-logger';
import { ReportAbortedError } from '../report/api-transport';
import { FakeApi, queued } from '../testing/fake-ports';
import { ProvisionJob } from './provision-job';
import { ReportChain } from './report-chain';

const log = createWorkerLogger('silent');

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((r) => setImmediate(r));

function job(api: FakeApi, hostname: string, macAddress: string): ProvisionJob {
  const op = api.addProvision('create', { hostname, macAddress });
  return { job: queued(op, 0), op, options: op.options as ProvisionJob['options'], action: 'create' };
}

describe('ReportChain', () => {
  it('reports in batch order, one after the other, whatever order the verifications end in', async () => {
    const chain = new ReportChain();
    const order: string[] = [];
    const first = deferred<string>();
    const second = deferred<string>();
    chain.append(first.promise, null, async (v) => void order.push(v), log);
    chain.append(second.promise, null, async (v) => void order.push(v), log);
    second.resolve('second');
    await tick();
    expect(order).toEqual([]);
    first.resolve('first');
    await chain.settled();
    expect(order).toEqual(['first', 'second']);
  });

  it('admits a new batch while one earlier batch reports, not two', async () => {
    const chain = new ReportChain();
    const gate = deferred();
    chain.append(gate.promise, null, () => Promise.resolve(), log);
    let admitted = false;
    void chain.admit().then(() => (admitted = true));
    await tick();
    expect(admitted).toBe(true);
    chain.append(Promise.resolve(), null, () => Promise.resolve(), log);
    let second = false;
    void chain.admit().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    gate.resolve();
    await chain.settled();
    await tick();
    expect(second).toBe(true);
  });

  it('a batch sharing a host waits for the verification; another batch does not', async () => {
    const api = new FakeApi();
    const chain = new ReportChain();
    const verified = deferred();
    chain.append(verified.promise, [job(api, 'pc1', '00:11:22:33:44:01')], () => Promise.resolve(), log);
    let shared = false;
    void chain.overlapping([job(api, 'PC1', '00:11:22:33:44:99')], log).then(() => (shared = true));
    await chain.overlapping([job(api, 'pc2', '00:11:22:33:44:02')], log);
    expect(shared).toBe(false);
    verified.resolve();
    await chain.settled();
    expect(shared).toBe(true);
  });

  it('a report abandoned at shutdown stops admitting and is thrown once by drain; other errors are logged', async () => {
    const chain = new ReportChain();
    chain.append(Promise.resolve(), null, () => Promise.reject(new Error('boom')), log);
    await chain.drain();
    expect(await chain.admit()).toBe(true);
    chain.append(Promise.resolve(), null, () => Promise.reject(new ReportAbortedError('stopping')), log);
    await chain.settled();
    expect(await chain.admit()).toBe(false);
    expect(await chain.admitAhead()).toBe(false);
    await expect(chain.drain()).rejects.toBeInstanceOf(ReportAbortedError);
    await expect(chain.drain()).resolves.toBeUndefined();
  });
});
