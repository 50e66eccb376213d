import { ImportRun } from '../import/import-runner';
import { FakeApi, queued } from '../testing/fake-ports';
import { ProvisionJob } from './provision-job';
import { batchOutcome, ImportedBatch, manualLinesInvalid, verifiedVerdicts, workerErrorVerdicts } from './verdicts';

const run = (over: Partial<ImportRun> = {}): ImportRun => ({
  school: 'default-school',
  command: ['import'],
  exitCode: 0,
  timedOut: false,
  durationMs: 5,
  output: 'x\nsophomorix-device finished  OK!\n',
  failureLines: [],
  looksFailed: false,
  ...over,
});

function batch(imported: Partial<ImportRun> = {}): { b: ImportedBatch; jobs: ProvisionJob[] } {
  const api = new FakeApi();
  const jobs = [1, 2].map((n) => {
    const op = api.addProvision('create', { hostname: `pc${n}` });
    return { job: queued(op, n), op, options: op.options as ProvisionJob['options'], action: 'create' as const };
  });
  const outcomes = jobs.map((j) => ({ id: j.op.id, status: 'applied' as const, line: `line ${j.options.hostname}` }));
  const b = {
    school: 'default-school',
    batchSize: 3,
    applied: jobs,
    targets: [],
    run: run(imported),
    outcomes,
    dhcp: { hosts: null },
  };
  return { b, jobs };
}

const report = (problems: Array<[string, string[]]>) => ({
  problems: new Map(problems),
  sambaToolRuns: 2,
  cleaned: [],
});

describe('verdicts (pure)', () => {
  it('completed with the import and verification in the result; problems fail the job (VERIFY_FAILED quoting the import)', () => {
    const { b, jobs } = batch();
    const v = verifiedVerdicts(b, report([[jobs[1].op.id, ['no computer account pc2$']]]));
    expect(v.get(jobs[0])).toEqual({
      status: 'completed',
      result: {
        dryRun: false,
        school: 'default-school',
        import: { command: ['import'], exitCode: 0, timedOut: false, durationMs: 5, failureLines: [] },
        verify: { sambaToolRuns: 2, cleaned: 0 },
        batchSize: 3,
        line: 'line pc1',
        adopted: false,
      },
    });
    expect(v.get(jobs[1])).toMatchObject({
      status: 'failed',
      code: 'VERIFY_FAILED',
      message:
        'import exited 0 ("sophomorix-device finished  OK!") but the DC does not match: no computer account pc2$',
    });
  });

  it('an import that looked failed is IMPORT_FAILED; a hung one is retried (IMPORT_TIMEOUT)', () => {
    const failedRun = batch({ exitCode: 1, looksFailed: true, failureLines: ['ERROR: x'] });
    const problem = report([[failedRun.jobs[0].op.id, ['missing']]]);
    expect(verifiedVerdicts(failedRun.b, problem).get(failedRun.jobs[0])).toMatchObject({ code: 'IMPORT_FAILED' });
    const hung = batch({ exitCode: null, timedOut: true, looksFailed: true });
    const hungProblem = report([[hung.jobs[0].op.id, ['missing']]]);
    expect(verifiedVerdicts(hung.b, hungProblem).get(hung.jobs[0])).toMatchObject({
      status: 'retry',
      code: 'IMPORT_TIMEOUT',
    });
  });

  it('worker errors are retries; batch outcomes; manual line failures name file and line', () => {
    const { jobs } = batch();
    expect([...workerErrorVerdicts(jobs, new Error('EIO')).values()]).toEqual([
      { status: 'retry', code: 'WORKER_ERROR', message: 'worker error: EIO' },
      { status: 'retry', code: 'WORKER_ERROR', message: 'worker error: EIO' },
    ]);
    const ok = { status: 'completed' as const, result: {} };
    const bad = { status: 'failed' as const, code: 'VERIFY_FAILED' as const, message: '' };
    expect([
      batchOutcome([], 0),
      batchOutcome([ok], 0),
      batchOutcome([ok, bad], 0),
      batchOutcome([bad], 0),
      batchOutcome([ok], 1),
    ]).toEqual(['skipped', 'completed', 'partial', 'failed', 'handed_back']);
    const finding = { code: 'INVALID_MAC', line: 4, column: 3, severity: 'error' as const, message: 'bad MAC' };
    expect(manualLinesInvalid('devices.csv has invalid manual lines', [finding], '/m.csv')).toMatchObject({
      code: 'CSV_MANUAL_LINE_INVALID',
      message: 'devices.csv has invalid manual lines, nothing imported: /m.csv:4: bad MAC',
    });
  });
});
