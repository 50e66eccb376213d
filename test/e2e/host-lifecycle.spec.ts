/**
 * One host through its whole life (DOMAIN.md §11 scenarios 1, 3, 4, 5): REST call → outbox → Redis
 * stream → worker batch → devices.csv merge → fake linuxmuster-import-devices → verification →
 * status report → WebSocket event. Everything runs as real processes; the DC is looked at
 * through samba-tool and the DHCP file.
 */
import {
  E2eEnv,
  HostView,
  leftoversOf,
  linesOf,
  manualLinesOf,
  OperationView,
  problemsFor,
  useE2e,
  WsRecorder,
} from './harness';

/** An admin's own devices.csv: comment, blank, CRLF and extra-column lines must survive byte for byte. */
const MANUAL = [
  '# devices.csv of the e2e school: the lines below were written by hand',
  'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
  'r000;r000-printer;nopxe;00:50:56:00:00:02;10.0.0.20;;;;printer;;0;;;;',
  '',
  'r001;r001-pc99;win11;00:50:56:00:00:03;10.0.1.99;;;;;;1;;;;saved on windows\r',
  'r001;r001-pc98;win11;00:50:56:00:00:04;10.0.1.98;;;;;;1;;;;extra columns;x;y',
].join('\n');
/** A manual line for a device the API will take over (DOMAIN.md §9: same name and MAC ⇒ adopted). */
const ADOPTABLE =
  'r100;r100-pc05;win11;00:16:3E:10:00:05;10.0.100.5;OFFICE-KEY;WIN-KEY;;;res9;1;r11;r12;r13;bought 2024';
const MASTER = `${MANUAL}\n${ADOPTABLE}\n`;

const e2e = useE2e({ master: MASTER });

let ws: WsRecorder;
beforeAll(async () => {
  ws = await e2e.env.subscribe();
});

/**
 * Waits for operation `opId` to end, expects `completed`, and checks the WebSocket saw its
 * status changes as `provision.job.updated` events in order: running, then completed (DOMAIN.md §7).
 * A delete's host row is gone, so its events carry no provisionStatus.
 */
async function expectProvisioned(env: E2eEnv, opId: string | null, deleted = false): Promise<void> {
  expect(opId).toEqual(expect.any(String));
  const op = await env.waitForOperation(opId!, ['completed', 'failed', 'cancelled']);
  expect({ status: op.status, error: op.error }).toEqual({ status: 'completed', error: null });
  await env.waitFor(`provision.job.updated completed for ${opId} on the WebSocket`, () =>
    ws.jobEvents(opId!, 'provision.job.updated').some((m) => m.data.status === 'completed'),
  );
  const updates = ws.jobEvents(opId!, 'provision.job.updated');
  expect(updates.map((m) => [m.data.status, m.data.provisionStatus])).toEqual([
    ['running', deleted ? null : 'running'],
    ['completed', deleted ? null : 'synced'],
  ]);
  for (const m of updates) expect(m.data.operationId).toBe(opId);
  expect(Date.parse(updates[0].timestamp)).toBeLessThanOrEqual(Date.parse(updates[1].timestamp));
  expect(ws.malformed).toEqual([]);
}

/** Host `id` is synced by operation `opId` and looks right on the DC. */
async function expectSyncedOnDc(env: E2eEnv, id: string, opId: string): Promise<HostView> {
  const host = await env.host(id);
  expect({ status: host.provisionStatus, op: host.provisionOpId, error: host.provisionError }).toEqual({
    status: 'synced',
    op: opId,
    error: null,
  });
  const view = await env.probe.view([host.ipAddress]);
  expect(problemsFor(view, env.probe.dhcpBlocks(), host)).toEqual([]);
  return host;
}

const ownHostnames = ['r100-pc01', 'r100-pc02', 'r100-pc05', 'r100-pc06', 'r100-pc07', 'r100-pc08'];

describe('a host through create, IP change, rename and delete', () => {
  let host: HostView;
  let position: number;

  e2e.test(
    'create → one import run → AD account, A, PTR, DHCP block → synced; manual lines byte-identical',
    async (env) => {
      const runsBefore = env.importRunCount();
      host = await env.createHost({ hostname: 'r100-pc01', macAddress: '00:16:3e:10:00:01', ipAddress: '10.0.100.1' });
      expect(host).toMatchObject({
        hostname: 'r100-pc01',
        macAddress: '00:16:3E:10:00:01',
        provisionStatus: 'pending',
      });

      await expectProvisioned(env, host.provisionOpId);
      host = await expectSyncedOnDc(env, host.id, host.provisionOpId!);
      expect(env.importRunCount() - runsBefore).toBe(1);

      const master = env.masterText();
      const lines = linesOf(master, 'r100-pc01');
      expect(lines).toHaveLength(1);
      const fields = lines[0].split(';');
      expect(fields.slice(0, 5)).toEqual(['r100', 'r100-pc01', 'win11', '00:16:3E:10:00:01', '10.0.100.1']);
      expect([fields[8], fields[10]]).toEqual(['classroom-studentcomputer', '1']);
      expect(manualLinesOf(master, ownHostnames)).toBe(manualLinesOf(MASTER, ownHostnames));
      position = master.split('\n').indexOf(lines[0]);
      expect(position).toBeGreaterThan(0);
    },
  );

  e2e.test('IP change → the line is patched in place, A/PTR replaced → synced', async (env) => {
    const runsBefore = env.importRunCount();
    const before = env.masterText().split('\n');
    const updated = await env.api.patch<HostView>(`/hosts/${host.id}`, { ipAddress: '10.0.100.11' });
    expect(updated.provisionOpId).not.toBe(host.provisionOpId);

    await expectProvisioned(env, updated.provisionOpId);
    host = await expectSyncedOnDc(env, host.id, updated.provisionOpId!);
    expect(env.importRunCount() - runsBefore).toBe(1);

    const after = env.masterText().split('\n');
    expect(after).toHaveLength(before.length);
    expect(after[position].split(';').slice(0, 5)).toEqual([
      'r100',
      'r100-pc01',
      'win11',
      '00:16:3E:10:00:01',
      '10.0.100.11',
    ]);
    // only that one line changed
    expect(after.filter((l, i) => l !== before[i])).toEqual([after[position]]);
    const view = await env.probe.view(['10.0.100.1', '10.0.100.11']);
    expect(view.a.get('r100-pc01')).toEqual(['10.0.100.11']);
    expect(view.ptr.get('10.0.100.1') ?? []).toEqual([]);
  });

  e2e.test('rename → old name gone from AD/DNS/DHCP, new name present, the line keeps its position', async (env) => {
    const runsBefore = env.importRunCount();
    const renamed = await env.api.patch<HostView>(`/hosts/${host.id}`, { hostname: 'r100-pc02' });
    expect(renamed.hostname).toBe('r100-pc02');

    await expectProvisioned(env, renamed.provisionOpId);
    host = await expectSyncedOnDc(env, host.id, renamed.provisionOpId!);
    expect(env.importRunCount() - runsBefore).toBe(1);

    const view = await env.probe.view([host.ipAddress]);
    expect(leftoversOf(view, env.probe.dhcpBlocks(), 'r100-pc01', host.ipAddress)).toEqual([]);
    const master = env.masterText();
    expect(linesOf(master, 'r100-pc01')).toEqual([]);
    expect(master.split('\n')[position].split(';').slice(0, 5)).toEqual([
      'r100',
      'r100-pc02',
      'win11',
      '00:16:3E:10:00:01',
      '10.0.100.11',
    ]);
    expect(manualLinesOf(master, ownHostnames)).toBe(manualLinesOf(MASTER, ownHostnames));
  });

  e2e.test('delete → line gone, AD/DNS/DHCP gone, operation completed', async (env) => {
    const runsBefore = env.importRunCount();
    const res = await env.api.request('DELETE', `/hosts/${host.id}`);
    expect(res.status).toBeLessThan(300);
    expect((await env.api.request('GET', `/hosts/${host.id}`)).status).toBe(404);

    const ops = await env.api.list<{ id: string; action: string }>('/operations/provision?hostname=r100-pc02');
    const del = ops.filter((o) => o.action === 'delete');
    expect(del).toHaveLength(1);
    await expectProvisioned(env, del[0].id, true);
    expect(env.importRunCount() - runsBefore).toBe(1);

    const master = env.masterText();
    expect(linesOf(master, 'r100-pc02')).toEqual([]);
    const view = await env.probe.view(['10.0.100.11']);
    expect(leftoversOf(view, env.probe.dhcpBlocks(), 'r100-pc02', '10.0.100.11')).toEqual([]);
    expect(manualLinesOf(master, ownHostnames)).toBe(manualLinesOf(MASTER, ownHostnames));
    // the admin's own hosts are still on the DC
    expect(view.computers.has('SERVER$')).toBe(true);
    expect(view.a.get('r000-printer')).toEqual(['10.0.0.20']);
  });
});

describe('a manual line taken over by the API', () => {
  e2e.test(
    'create with the same name and MAC adopts the line in place; a rename keeps position and unmanaged columns',
    async (env) => {
      const position = MASTER.split('\n').indexOf(ADOPTABLE);
      let host = await env.createHost({
        hostname: 'r100-pc05',
        macAddress: '00:16:3E:10:00:05',
        ipAddress: '10.0.100.5',
      });
      await expectProvisioned(env, host.provisionOpId);
      host = await expectSyncedOnDc(env, host.id, host.provisionOpId!);
      let master = env.masterText();
      expect(linesOf(master, 'r100-pc05')).toHaveLength(1);
      expect(master.split('\n')[position].split(';')[1]).toBe('r100-pc05');

      const renamed = await env.api.patch<HostView>(`/hosts/${host.id}`, { hostname: 'r100-pc06' });
      await expectProvisioned(env, renamed.provisionOpId);
      host = await expectSyncedOnDc(env, host.id, renamed.provisionOpId!);

      master = env.masterText();
      expect(linesOf(master, 'r100-pc05')).toEqual([]);
      const fields = master.split('\n')[position].split(';');
      const original = ADOPTABLE.split(';');
      expect(fields.slice(0, 5)).toEqual(['r100', 'r100-pc06', 'win11', '00:16:3E:10:00:05', '10.0.100.5']);
      // unmanaged columns (DOMAIN.md §9 MANAGED_COLS = 0, 1, 2, 3, 4, 8, 10) are the admin's, untouched
      for (const col of [5, 6, 7, 9, 11, 12, 13, 14]) expect([col, fields[col]]).toEqual([col, original[col]]);
      const view = await env.probe.view(['10.0.100.5']);
      expect(leftoversOf(view, env.probe.dhcpBlocks(), 'r100-pc05', '10.0.100.5')).toEqual([]);
      expect(manualLinesOf(master, ownHostnames)).toBe(manualLinesOf(MASTER, ownHostnames));
    },
  );
});

describe('changes racing each other', () => {
  e2e.test(
    'a second PATCH while the first update is queued → the DC ends with the latest data (DOMAIN.md §11 scenario 10)',
    async (env) => {
      let host = await env.createHost({
        hostname: 'r100-pc07',
        macAddress: '00:16:3E:10:00:07',
        ipAddress: '10.0.100.7',
      });
      await expectProvisioned(env, host.provisionOpId);

      const first = await env.api.patch<HostView>(`/hosts/${host.id}`, { ipAddress: '10.0.100.70' });
      const second = await env.api.patch<HostView>(`/hosts/${host.id}`, { ipAddress: '10.0.100.71' });
      expect(second.provisionOpId).not.toBe(first.provisionOpId);
      await expectProvisioned(env, second.provisionOpId);
      host = await expectSyncedOnDc(env, host.id, second.provisionOpId!);
      expect(host.ipAddress).toBe('10.0.100.71');

      // the older job was either superseded before it ran or ran first; never after the newer one
      const older = await env.waitForOperation(first.provisionOpId!, ['completed', 'cancelled', 'failed']);
      expect(['completed', 'cancelled']).toContain(older.status);
      const view = await env.probe.view(['10.0.100.7', '10.0.100.70', '10.0.100.71']);
      expect(view.a.get('r100-pc07')).toEqual(['10.0.100.71']);
      expect((view.ptr.get('10.0.100.70') ?? []).concat(view.ptr.get('10.0.100.7') ?? [])).toEqual([]);
      const lines = linesOf(env.masterText(), 'r100-pc07');
      expect(lines.map((l) => l.split(';')[4])).toEqual(['10.0.100.71']);
    },
  );

  e2e.test(
    'delete and re-create of the same name back to back → the new host is on the DC (DOMAIN.md §11 scenario 6)',
    async (env) => {
      const old = await env.createHost({
        hostname: 'r100-pc08',
        macAddress: '00:16:3E:10:00:08',
        ipAddress: '10.0.100.8',
      });
      await expectProvisioned(env, old.provisionOpId);

      expect((await env.api.request('DELETE', `/hosts/${old.id}`)).status).toBeLessThan(300);
      let fresh = await env.createHost({
        hostname: 'r100-pc08',
        macAddress: '00:16:3E:10:00:88',
        ipAddress: '10.0.100.88',
      });
      await expectProvisioned(env, fresh.provisionOpId);
      fresh = await expectSyncedOnDc(env, fresh.id, fresh.provisionOpId!);

      const ops = await env.api.list<{ id: string; action: string; status: string }>(
        '/operations/provision?hostname=r100-pc08',
      );
      const del = ops.filter((o) => o.action === 'delete');
      expect(del).toHaveLength(1);
      const delDone = await env.waitForOperation(del[0].id, ['completed', 'cancelled', 'failed']);
      expect(['completed', 'cancelled']).toContain(delDone.status);

      const lines = linesOf(env.masterText(), 'r100-pc08');
      expect(lines.map((l) => l.split(';').slice(3, 5))).toEqual([['00:16:3E:10:00:88', '10.0.100.88']]);
      const view = await env.probe.view(['10.0.100.8', '10.0.100.88']);
      expect(view.a.get('r100-pc08')).toEqual(['10.0.100.88']);
      expect(view.ptr.get('10.0.100.8') ?? []).toEqual([]);
      expect(manualLinesOf(env.masterText(), ownHostnames)).toBe(manualLinesOf(MASTER, ownHostnames));
    },
  );
});

describe('machine-account repair', () => {
  e2e.test(
    'POST /operations/macct-repair runs MACCT_REPAIR_SCRIPT --only-hosts HOST -s SCHOOL and completes (DOMAIN.md §10)',
    async (env) => {
      const before = env.fakeDc.repairRuns().length;
      const op = await env.api.post<OperationView>('/operations/macct-repair', { hostname: 'r100-pc07' });
      expect(op).toMatchObject({ type: 'macct_repair', targetHost: 'r100-pc07' });
      const done = await env.waitFor(
        `macct repair ${op.id} to finish`,
        async () => {
          const cur = await env.api.get<OperationView>(`/operations/macct/${op.id}`);
          return ['completed', 'failed'].includes(cur.status) ? cur : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 150 },
      );
      expect({ status: done.status, error: done.error }).toEqual({ status: 'completed', error: null });
      const runs = env.fakeDc.repairRuns().slice(before);
      expect(runs.map((r) => [r.argv, r.exit])).toEqual([[['--only-hosts', 'r100-pc07', '-s', 'default-school'], 0]]);
    },
  );
});

describe('shutdown', () => {
  e2e.test('SIGTERM stops the worker and the API cleanly, without the SIGKILL fallback', async (env) => {
    await ws.close();
    // Nest's shutdown hooks re-raise the signal after closing, so a clean end is exit 0 or SIGTERM
    const clean = [
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ];
    const worker = await env.workerProc.stop(10_000);
    const api = await env.apiProc.stop(10_000);
    expect(clean).toContainEqual(worker);
    expect(clean).toContainEqual(api);
  });
});
