import { FakeApi, queued } from '../testing/fake-ports';
import { batchJobOf, identityKeys, ProvisionJob } from './provision-job';

describe('ProvisionJob helpers', () => {
  const op = new FakeApi().addProvision('update', {
    hostname: 'PC1',
    oldHostname: 'Old1',
    macAddress: '00-11-22-33-44-AA',
    ipAddress: '10.0.0.1',
    adopt: true,
  });
  const job: ProvisionJob = {
    job: queued(op, 0),
    op,
    options: op.options as ProvisionJob['options'],
    action: 'update',
  };

  it('identity keys: lower-cased names and old names, normalised MAC, IP', () => {
    expect([...identityKeys([job])]).toEqual(['name:pc1', 'name:old1', 'mac:00:11:22:33:44:AA', 'ip:10.0.0.1']);
  });

  it('the merge library gets the snapshot as a record, the rename and the adoption', () => {
    expect(batchJobOf(job)).toEqual({
      id: op.id,
      action: 'update',
      record: {
        room: 'r100',
        hostname: 'PC1',
        config: 'win11',
        mac: '00-11-22-33-44-AA',
        ip: '10.0.0.1',
        role: 'classroom-studentcomputer',
        pxeFlag: 1,
      },
      oldHostname: 'Old1',
      adopt: true,
    });
  });
});
