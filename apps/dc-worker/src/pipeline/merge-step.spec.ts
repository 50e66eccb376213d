import { loadWorkerConfig, masterPathFor } from '../config/worker-config';
import { createWorkerLogger } from '../logging/worker-logger';
import { FakeApi, FakeFiles, queued } from '../testing/fake-ports';
import { MergeStep } from './merge-step';
import { ProvisionJob } from './provision-job';

const config = loadWorkerConfig({
  INTERNAL_API_KEY: 'k',
  DEVICES_CSV_MASTER: '/srv/sophomorix/default-school/devices.csv',
});
const logger = createWorkerLogger('silent');
const MASTER = masterPathFor(config, 'default-school');
const OTHER = '/srv/sophomorix/north/north.devices.csv';
const line = (room: string, name: string, mac: string, ip: string) =>
  `${room};${name};win11;${mac};${ip};;;;classroom-studentcomputer;;1;;;;\n`;

function setup(master: string, others: Array<{ file: string; text: string }> = []) {
  const api = new FakeApi();
  const files = new FakeFiles();
  files.texts.set(MASTER, master);
  const otherSchools = { read: () => Promise.resolve({ files: others, unreadable: [] }) };
  const step = new MergeStep(config, logger, files.master, files.delta, otherSchools);
  const job = (action: ProvisionJob['action'], n: number, extra: Record<string, unknown> = {}): ProvisionJob => {
    const op = api.addProvision(action, {
      hostname: `pc${n}`,
      macAddress: `00:11:22:33:44:${String(n).padStart(2, '0')}`,
      ipAddress: `10.0.100.${n}`,
      ...extra,
    });
    return { job: queued(op, n), op, options: op.options as ProvisionJob['options'], action };
  };
  return { step, job, files };
}

describe('MergeStep (inputs, plan, other schools, mass-delete guard)', () => {
  it('plans the write for the applied jobs and refuses the conflicting one alone', async () => {
    const { step, job } = setup(line('r1', 'manual', '00:11:22:33:44:02', '10.0.0.2'));
    const [a, b] = [job('create', 1), job('create', 2)];
    const { verdicts, write } = await step.run('default-school', [a, b], false);
    expect(write?.applied).toEqual([a]);
    expect(write?.plan.master).toContain(';pc1;');
    expect(verdicts.get(b)).toMatchObject({ status: 'failed', code: 'CSV_CONFLICT' });
    expect(verdicts.has(a)).toBe(false);
  });

  it('a missing master fails every job with MASTER_MISSING; a dry run says so in its result', async () => {
    const { step, job, files } = setup('');
    files.texts.delete(MASTER);
    const a = job('create', 1);
    expect((await step.run('default-school', [a], false)).verdicts.get(a)).toMatchObject({ code: 'MASTER_MISSING' });
    const dry = await step.run('default-school', [a], true);
    expect(dry).toMatchObject({ write: null });
    expect(dry.verdicts.get(a)).toMatchObject({ code: 'MASTER_MISSING', result: { dryRun: true } });
  });

  it('a MAC taken in another school fails that job alone (CSV_CONFLICT naming the file); the rest is re-planned', async () => {
    const others = [{ file: OTHER, text: line('n1', 'north1', '00:11:22:33:44:01', '10.9.0.1') }];
    const { step, job } = setup('# master\n', others);
    const [a, b] = [job('create', 1), job('create', 2)];
    const { verdicts, write } = await step.run('default-school', [a, b], false);
    expect(write?.applied).toEqual([b]);
    expect(write?.plan.master).not.toContain(';pc1;');
    const v = verdicts.get(a);
    expect(v).toMatchObject({ status: 'failed', code: 'CSV_CONFLICT' });
    expect(v?.status === 'failed' && v.message).toContain(`already used by host north1 in ${OTHER}:1`);
  });

  it("another school's own bad line blocks the whole batch (CSV_MANUAL_LINE_INVALID)", async () => {
    const others = [{ file: OTHER, text: 'n1;bad name;win11;zz;10.9.0.1;;;;classroom-studentcomputer;;1;;;;\n' }];
    const { step, job } = setup('# master\n', others);
    const a = job('create', 1);
    const { verdicts, write } = await step.run('default-school', [a], false);
    expect(write).toBeNull();
    expect(verdicts.get(a)).toMatchObject({ status: 'failed', code: 'CSV_MANUAL_LINE_INVALID' });
  });

  it('a dry run gives every job its verdict and no write', async () => {
    const { step, job } = setup('# master\n');
    const a = job('create', 1, { dryRun: true });
    const { verdicts, write } = await step.run('default-school', [a], true);
    expect(write).toBeNull();
    expect(verdicts.get(a)).toMatchObject({ status: 'completed', result: { dryRun: true, adopted: false } });
  });
});
