import { Finding } from '@app/csv-merge';

import { FakeApi, queued } from '../testing/fake-ports';
import { blameForeignConflicts } from './foreign-conflicts';
import { ProvisionJob } from './provision-job';

const FILE = '/srv/north/north.devices.csv';
const TEXT = '# north\r\nn1;north1;g;00-11-22-33-44-01;10.9.0.1;;;;classroom-studentcomputer;;1;;;;\r\n';
const finding = (code: string, line = 2): Finding => ({
  code,
  line,
  column: null,
  file: FILE,
  severity: 'error',
  message: 'dup',
});

function job(action: ProvisionJob['action'], macAddress: string, ipAddress: string | null): ProvisionJob {
  const op = new FakeApi().addProvision(action, { hostname: 'pc1', macAddress, ipAddress });
  return { job: queued(op, 0), op, options: op.options as ProvisionJob['options'], action };
}

describe('blameForeignConflicts (the other line is read with csv-merge)', () => {
  it('blames the job whose MAC (normalised) or IP the other line has', () => {
    const mac = job('create', '00:11:22:33:44:01', '10.0.0.1');
    const ip = job('create', '00:11:22:33:44:09', '10.9.0.1');
    const blamed = blameForeignConflicts(
      [mac, ip],
      [finding('DUPLICATE_MAC'), finding('DUPLICATE_IP')],
      [{ file: FILE, text: TEXT }],
    );
    expect(blamed?.get(mac)).toMatchObject({ code: 'CSV_CONFLICT' });
    const message = (v: unknown) => (v as { message: string }).message;
    expect(message(blamed?.get(mac))).toMatch(/^MAC 00:11:22:33:44:01 of pc1 is already used by host north1 in /);
    expect(message(blamed?.get(ip))).toMatch(/^IP 10\.9\.0\.1 of pc1 /);
  });

  it('null when an error is not explained by a job: another code, a delete, an unknown line', () => {
    const files = [{ file: FILE, text: TEXT }];
    const create = job('create', '00:11:22:33:44:01', null);
    expect(blameForeignConflicts([create], [finding('INVALID_MAC')], files)).toBeNull();
    expect(
      blameForeignConflicts([job('delete', '00:11:22:33:44:01', null)], [finding('DUPLICATE_MAC')], files),
    ).toBeNull();
    expect(blameForeignConflicts([create], [finding('DUPLICATE_MAC', 9)], files)).toBeNull();
  });
});
