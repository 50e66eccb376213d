import { OperationView } from '@app/provisioning';

import { FakeApi, queued } from '../testing/fake-ports';
import { intake, skipOf } from './intake';

function setup() {
  const api = new FakeApi();
  const views = () => new Map([...api.ops].map(([id, op]) => [id, { ...op }]));
  return { api, views };
}

describe('intake (classify + coalesce, pure)', () => {
  it('sorts entries: duplicates, unknown and finished operations are skips; a non-provision job fails early', () => {
    const { api, views } = setup();
    const ok = api.addProvision('create', { hostname: 'pc1' });
    const done = api.addProvision('create', { hostname: 'pc2' });
    done.status = 'completed';
    const repair = api.addProvision('create', { hostname: 'pc3' });
    repair.type = 'macct_repair';
    const unknown = { ...ok, id: '00000000-0000-4000-8000-00000000ffff' } as OperationView;
    const batch = [queued(ok, 0), queued(ok, 1), queued(done, 2), queued(repair, 3), queued(unknown, 4)];
    const out = intake(batch, views());
    expect(out.jobs.map((j) => j.job.id)).toEqual(['1001-0']);
    expect(out.skips.map(([j, s]) => [j.id, s.reason])).toEqual([
      ['1000-0', 'DUPLICATE_ENTRY'],
      ['1002-0', 'ALREADY_TERMINAL'],
      ['1004-0', 'OPERATION_NOT_FOUND'],
    ]);
    expect(out.early.map(([j, v]) => [j.id, v.status, v.status === 'failed' && v.code])).toEqual([
      ['1003-0', 'failed', 'WORKER_ERROR'],
    ]);
  });

  it('a create or update whose S-name does not fit 15 characters fails early; a delete of it still runs', () => {
    const { api, views } = setup();
    const long = api.addProvision('create', { hostname: 'pc-0123456' });
    long.school = 'north';
    const fits = api.addProvision('update', { hostname: 'pc-012345' });
    fits.school = 'north';
    const gone = api.addProvision('delete', { hostname: 'pc-9876543' });
    gone.school = 'north';
    const plain = api.addProvision('create', { hostname: 'pc-0123456789' });
    const out = intake(
      [long, fits, gone, plain].map((op, i) => queued(op, i)),
      views(),
    );
    expect(out.jobs.map((j) => j.options.hostname)).toEqual(['pc-012345', 'pc-9876543', 'pc-0123456789']);
    expect(
      out.early.map(([j, v]) => [j.id, v.status === 'failed' && v.code, v.status === 'failed' && v.message]),
    ).toEqual([
      [
        '1000-0',
        'DC_NAME_TOO_LONG',
        'the name on the DC north-pc-0123456 has 16 characters; AD allows 15 (rename the host)',
      ],
    ]);
  });

  it('the newest job of a host wins; an older rename is carried; a create + update is a create', () => {
    const { api, views } = setup();
    const create = api.addProvision('create', { hostname: 'old', hostId: 'h' });
    const rename = api.addProvision('update', { hostname: 'new', hostId: 'h', oldHostname: 'old' });
    const update = api.addProvision('update', { hostname: 'new', hostId: 'h', ipAddress: '10.0.0.9' });
    const batch = [create, rename, update].map((op, i) => queued(op, i));
    const before = JSON.stringify(views().get(update.id));
    const out = intake(batch, views());
    expect(out.jobs).toHaveLength(1);
    expect(out.jobs[0]).toMatchObject({ action: 'create', options: { hostname: 'new', ipAddress: '10.0.0.9' } });
    // the first name of the group is carried as the old name (the merge finds the line by it)
    expect(out.jobs[0].options.oldHostname).toBe('old');
    expect(out.early.map(([j, v]) => [j.id, v.status])).toEqual([
      ['1000-0', 'cancelled'],
      ['1001-0', 'cancelled'],
    ]);
    // a value returned: the views handed in are not changed
    expect(JSON.stringify(views().get(update.id))).toBe(before);
  });

  it('an update after a rename keeps the name the DC knows; a delete after a rename runs both', () => {
    const { api, views } = setup();
    const rename = api.addProvision('update', { hostname: 'b', hostId: 'h', oldHostname: 'a' });
    const update = api.addProvision('update', { hostname: 'b', hostId: 'h' });
    let out = intake([queued(rename, 0), queued(update, 1)], views());
    expect(out.jobs.map((j) => [j.options.hostname, j.options.oldHostname, j.action])).toEqual([['b', 'a', 'update']]);
    const del = api.addProvision('delete', { hostname: 'b', hostId: 'h' });
    out = intake([queued(rename, 0), queued(del, 2)], views());
    expect(out.jobs.map((j) => j.action)).toEqual(['update', 'delete']);
    expect(out.early).toEqual([]);
  });

  it('skipOf: null for an open operation', () => {
    const { api } = setup();
    const op = api.addProvision('create', { hostname: 'pc1' });
    expect(skipOf(op)).toBeNull();
    expect(skipOf(null)?.reason).toBe('OPERATION_NOT_FOUND');
    expect(skipOf({ ...op, status: 'cancelled' })?.message).toBe('operation already cancelled');
  });
});
