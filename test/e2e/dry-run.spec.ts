/**
 * DOMAIN.md §7 / §11 scenario 11 end to end: with `DC_PROVISIONING_DRYRUN=true` on the API the frozen
 * `dryRun` flag travels with the job; the worker plans the merge but writes nothing (no delta,
 * master, backup or temp file), runs no import, completes the operation with `result.dryRun` and
 * the merge statistics, and the host stays `pending`.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { useE2e, WsRecorder } from './harness';

const MANUAL = [
  '# manual lines of the dry-run school',
  'server;server;nopxe;00:50:56:00:00:01;10.0.0.1;;;;server;;0;;;;main server',
  '',
].join('\n');

const e2e = useE2e({ master: MANUAL, api: { DC_PROVISIONING_DRYRUN: 'true' } });

let ws: WsRecorder;
beforeAll(async () => {
  ws = await e2e.env.subscribe();
});

e2e.test(
  'a dry-run create plans the merge, writes nothing, runs no import, and leaves the host pending',
  async (env) => {
    const folder = dirname(env.masterPath);
    const filesBefore = readdirSync(folder).sort();
    const host = await env.createHost({
      hostname: 'r140-pc01',
      macAddress: '00:16:3E:70:00:01',
      ipAddress: '10.0.140.1',
    });

    const op = await env.waitForOperation(host.provisionOpId!, ['completed', 'failed']);
    expect({ status: op.status, error: op.error }).toEqual({ status: 'completed', error: null });
    expect(op.options).toMatchObject({ dryRun: true, hostname: 'r140-pc01' });
    const result = op.result as Record<string, unknown>;
    expect(result.dryRun).toBe(true);
    // the merge statistics: the plan would have appended the one new line
    const stats = Object.values(result).find(
      (v): v is { appended: number } => typeof v === 'object' && v !== null && 'appended' in v,
    );
    expect(stats?.appended).toBe(1);

    expect((await env.host(host.id)).provisionStatus).toBe('pending');
    expect(env.masterText()).toBe(MANUAL);
    expect(readdirSync(folder).sort()).toEqual(filesBefore);
    expect(env.importRunCount()).toBe(0);
    const view = await env.probe.view(['10.0.140.1']);
    expect(view.computers.has('R140-PC01$')).toBe(false);

    await env.waitFor('provision.job.updated completed on the WebSocket', () =>
      ws.jobEvents(op.id, 'provision.job.updated').some((m) => m.data.status === 'completed'),
    );
    expect(ws.jobEvents(op.id, 'provision.job.updated').map((m) => [m.data.status, m.data.provisionStatus])).toEqual([
      ['running', 'pending'],
      ['completed', 'pending'],
    ]);
  },
);
