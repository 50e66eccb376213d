// ProvisionProcessor in process with fake ports (testing/fake-ports.ts): the whole DOMAIN.md §9
// batch — intake, running, merge, write, import, verify, report, ACK — without processes or sockets.
import { loadWorkerConfig, masterPathFor } from '../config/worker-config';
import { createWorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from '../metrics/worker-metrics';
import { ImportStep } from '../pipeline/import-step';
import { LookAhead } from '../pipeline/look-ahead';
import { MergeStep } from '../pipeline/merge-step';
import { VerificationStep } from '../pipeline/verification-step';
import { JobReporter } from '../report/job-reporter';
import { FakeAcks, FakeApi, FakeDc, FakeFiles, FakeLock, queued } from '../testing/fake-ports';
import { ProvisionProcessor } from './provision-processor';

const MASTER_HEAD = '# devices\nr100;manual1;win11;00:AA:00:00:00:01;10.0.0.1;;;;classroom-studentcomputer;;1;;;;\n';

function world() {
  const config = loadWorkerConfig({ INTERNAL_API_KEY: 'k', LOG_LEVEL: 'silent' });
  const logger = createWorkerLogger('silent');
  const masterPath = masterPathFor(config, 'default-school');
  const api = new FakeApi();
  const acks = new FakeAcks();
  const files = new FakeFiles();
  files.texts.set(masterPath, MASTER_HEAD);
  const lock = new FakeLock();
  const dc = new FakeDc(files, masterPath);
  const metrics = new WorkerMetrics();
  const reporter = new JobReporter(config, logger, api, acks, metrics);
  const merge = new MergeStep(config, logger, files.master, files.delta, files.otherSchools);
  const importStep = new ImportStep(config, lock, files.master, files.delta, dc, dc, merge, metrics);
  const verification = new VerificationStep(lock, dc, metrics);
  const ahead = new LookAhead(api, reporter);
  const processor = new ProvisionProcessor(logger, reporter, ahead, merge, importStep, verification, metrics);
  return { api, acks, files, lock, dc, metrics, processor, master: () => files.texts.get(masterPath)! };
}

const host = (n: number, extra: Record<string, unknown> = {}) => ({
  hostname: `pc${n}`,
  macAddress: `00:11:22:33:44:${String(n).padStart(2, '0')}`,
  ipAddress: `10.0.100.${n}`,
  ...extra,
});

describe('ProvisionProcessor (in process, fake ports)', () => {
  it('one import for the batch; every job verified, reported completed, ACKed after the report', async () => {
    const w = world();
    const ops = [1, 2, 3].map((n) => w.api.addProvision('create', host(n)));
    const result = await w.processor.process(
      'default-school',
      ops.map((op, i) => queued(op, i)),
    );
    await w.processor.drain();
    expect(result).toEqual({ handedBack: [], reason: null });
    expect(ops.map((op) => w.api.status(op.id))).toEqual(['completed', 'completed', 'completed']);
    expect(w.dc.imports).toEqual(['default-school']);
    expect(w.master()).toContain(';pc2;');
    expect(w.master().startsWith(MASTER_HEAD)).toBe(true);
    expect(w.api.calls).toEqual(['query 3', 'report running,running,running', 'report completed,completed,completed']);
    expect(w.acks.acked).toHaveLength(3);
    expect(w.lock.held).toBe(0);
  });

  it('superseded and duplicate entries are settled without running; the newest job of a host wins', async () => {
    const w = world();
    const first = w.api.addProvision('create', host(4, { hostId: 'h4' }));
    const second = w.api.addProvision('update', host(4, { hostId: 'h4', ipAddress: '10.0.100.44' }));
    const batch = [queued(first, 0), queued(second, 1), { ...queued(second, 2), id: '1003-0' }];
    await w.processor.process('default-school', batch);
    await w.processor.drain();
    expect(w.api.status(first.id)).toBe('cancelled');
    expect(w.api.status(second.id)).toBe('completed');
    // the newest snapshot is what lands in devices.csv
    expect(w.master()).toContain(';pc4;win11;00:11:22:33:44:04;10.0.100.44;');
    expect(w.api.calls[1]).toBe('report cancelled,running');
    expect(new Set(w.acks.acked)).toEqual(new Set(['1000-0', '1001-0', '1003-0']));
  });

  it('a job the API cancels before `running` is ACKed and not run', async () => {
    const w = world();
    const ops = [5, 6].map((n) => w.api.addProvision('create', host(n)));
    w.api.cancelBeforeRunning.add(ops[1].id);
    await w.processor.process('default-school', [queued(ops[0], 0), queued(ops[1], 1)]);
    await w.processor.drain();
    expect(w.api.status(ops[1].id)).toBe('cancelled');
    expect(w.master()).not.toContain(';pc6;');
    expect(w.acks.acked).toEqual(expect.arrayContaining(['1000-0', '1001-0']));
  });

  it('dry run: planned and reported, nothing written or imported', async () => {
    const w = world();
    const op = w.api.addProvision('create', host(7, { dryRun: true }));
    await w.processor.process('default-school', [queued(op, 0)]);
    await w.processor.drain();
    expect(w.api.ops.get(op.id)).toMatchObject({ status: 'completed', result: { dryRun: true, adopted: false } });
    expect(w.files.writes).toEqual([]);
    expect(w.dc.imports).toEqual([]);
  });

  it('what the DC does not show is VERIFY_FAILED for that job only', async () => {
    const w = world();
    const ops = [8, 9].map((n) => w.api.addProvision('create', host(n)));
    w.dc.refuse.add('pc9');
    await w.processor.process('default-school', [queued(ops[0], 0), queued(ops[1], 1)]);
    await w.processor.drain();
    expect(w.api.status(ops[0].id)).toBe('completed');
    expect(w.api.ops.get(ops[1].id)).toMatchObject({ status: 'failed', result: { code: 'VERIFY_FAILED' } });
    expect(w.api.ops.get(ops[1].id)?.error).toMatch(/^VERIFY_FAILED: import exited 0 \("sophomorix-device finished/);
  });

  it('a busy lock hands the jobs back (lock_timeout): held running, nothing written or ACKed', async () => {
    const w = world();
    const op = w.api.addProvision('create', host(10));
    w.lock.busy = true;
    const batch = [queued(op, 0)];
    const result = await w.processor.process('default-school', batch);
    await w.processor.drain();
    expect(result).toEqual({ handedBack: batch, reason: 'lock_timeout' });
    expect(w.api.status(op.id)).toBe('running');
    expect(w.files.writes).toEqual([]);
    expect(w.acks.acked).toEqual([]);
  });

  it('the API down hands the whole batch back (api_unavailable) before anything is reported', async () => {
    const w = world();
    const op = w.api.addProvision('create', host(11));
    w.api.down = true;
    const batch = [queued(op, 0)];
    expect(await w.processor.process('default-school', batch)).toEqual({
      handedBack: batch,
      reason: 'api_unavailable',
    });
    await w.processor.drain();
    expect(w.api.status(op.id)).toBe('pending');
    expect(w.api.calls).toEqual(['query 1']);
    expect(w.acks.acked).toEqual([]);
  });

  it('look-ahead: the next batch is made running during the import and is not fetched again', async () => {
    const w = world();
    const now = w.api.addProvision('create', host(12));
    const next = w.api.addProvision('create', host(13));
    const nextBatch = [queued(next, 1)];
    const prepared: number[] = [];
    await w.processor.process('default-school', [queued(now, 0)], async () => {
      prepared.push(await w.processor.prepare(nextBatch));
    });
    expect(prepared).toEqual([1]);
    expect(w.api.status(next.id)).toBe('running');
    await w.processor.process('default-school', nextBatch);
    await w.processor.drain();
    expect(w.api.status(next.id)).toBe('completed');
    // queries: the first batch, the look-ahead; the second batch asks nothing again
    expect(w.api.calls.filter((c) => c.startsWith('query'))).toEqual(['query 1', 'query 1']);
    expect(w.api.calls.filter((c) => c === 'report running')).toHaveLength(2);
  });
});
