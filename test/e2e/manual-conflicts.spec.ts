/**
 * Jobs that collide with an admin's own devices.csv lines (DOMAIN.md §9 merge rules, §11 scenarios 5
 * and 7): the offending job fails with a message naming what it collides with, the rest of the
 * batch syncs, and the manual line stays byte for byte.
 */
import { HostView, linesOf, manualLinesOf, OperationView, problemsFor, useE2e } from './harness';

const MANUAL = [
  '# manual lines of the conflicts school',
  'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
  // a '-' separated MAC: the same device as AA:BB:CC:DD:EE:01 after normalising (DOMAIN.md §2)
  'r0;hand-pc01;win11;aa-bb-cc-dd-ee-01;10.0.0.31;;;;;;1;;;;written by hand',
  'r0;hand-pc02;win11;00:50:56:00:00:32;10.0.0.32;;;;;;1;;;;written by hand',
  '',
].join('\n');

const e2e = useE2e({ master: MANUAL });

async function hostNamed(name: string): Promise<HostView> {
  return e2e.env.api.get<HostView>(`/hosts/by-name/${name}`);
}

e2e.test(
  'duplicate MAC against a manual `aa-bb-…` line → that job fails naming the MAC and the host; the rest of the batch syncs',
  async (env) => {
    const csv = [
      'r130;r130-pc01;win11;AA:BB:CC:DD:EE:01;10.0.130.1;;;;;;1;;;;',
      'r130;r130-pc02;win11;00:16:3E:60:00:02;10.0.130.2;;;;;;1;;;;',
    ].join('\n');
    const summary = await env.api.post<{ created: number }>('/import/devices', `${csv}\n`, 'text/csv');
    expect(summary.created).toBe(2);

    const clash = await hostNamed('r130-pc01');
    const fine = await hostNamed('r130-pc02');
    const failed = await env.waitForOperation(clash.provisionOpId!, ['completed', 'failed']);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('CSV_CONFLICT');
    expect(failed.error!.toUpperCase()).toMatch(/AA[:-]BB[:-]CC[:-]DD[:-]EE[:-]01/);
    expect(failed.error).toContain('hand-pc01');

    const ok = await env.waitForOperation(fine.provisionOpId!, ['completed', 'failed']);
    expect({ status: ok.status, error: ok.error }).toEqual({ status: 'completed', error: null });
    const synced = await env.host(fine.id);
    expect(synced.provisionStatus).toBe('synced');
    expect((await env.host(clash.id)).provisionStatus).toBe('failed');

    const view = await env.probe.view([synced.ipAddress, '10.0.130.1']);
    expect(problemsFor(view, env.probe.dhcpBlocks(), synced)).toEqual([]);
    expect(view.computers.has('R130-PC01$')).toBe(false);
    // nothing of the failed job is written
    const master = env.masterText();
    expect(linesOf(master, 'r130-pc01')).toEqual([]);
    expect(manualLinesOf(master, ['r130-pc02'])).toBe(MANUAL);
  },
);

e2e.test(
  'delete of a name whose master line belongs to another MAC → job failed, the manual line untouched',
  async (env) => {
    // the API does not know the DC's manual lines: it accepts the host, the worker refuses it
    const host = await env.createHost({
      hostname: 'hand-pc02',
      macAddress: '00:16:3E:60:00:03',
      ipAddress: '10.0.130.3',
      room: 'r130',
    });
    const create = await env.waitForOperation(host.provisionOpId!, ['completed', 'failed']);
    expect(create.status).toBe('failed');
    expect(create.error).toContain('CSV_CONFLICT');

    expect((await env.api.request('DELETE', `/hosts/${host.id}`)).status).toBeLessThan(300);
    const ops = await env.api.list<OperationView>('/operations/provision?hostname=hand-pc02');
    const del = ops.filter((o) => o.action === 'delete');
    expect(del).toHaveLength(1);
    const done = await env.waitForOperation(del[0].id, ['completed', 'failed']);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('NOT_OWNED');

    expect(manualLinesOf(env.masterText(), ['r130-pc02'])).toBe(MANUAL);
    // the admin's device is still on the DC
    const view = await env.probe.view(['10.0.0.32']);
    expect(view.computers.has('HAND-PC02$')).toBe(true);
    expect(view.a.get('hand-pc02')).toEqual(['10.0.0.32']);
  },
);
