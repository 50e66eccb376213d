/* eslint-disable @typescript-eslint/no-explicit-any -- JSON response bodies are read loosely in tests */
import { Client, QueryConfig } from 'pg';

import { BULK_MAX_ITEMS } from '@app/provisioning';

import type { ApiEvent } from '../../../apps/api/src/events/event-types';
import { EventsService } from '../../../apps/api/src/events/events.service';
import { OutboxRelay } from '../../../apps/api/src/provisioning/outbox.relay';
import { TEST_INTERNAL_KEY, TestApp, useTestApp } from './helpers/app';
import { API, createHost, internalGet, LIVE_ENV, patchHost, report } from './provisioning.fixtures';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

function query(t: TestApp, body: unknown) {
  return t.http
    .post(`${API}/internal/operations/query`)
    .set('X-Internal-Key', TEST_INTERNAL_KEY)
    .send(body as object);
}

function reportMany(t: TestApp, reports: unknown) {
  return t.http
    .patch(`${API}/internal/operations/status`)
    .set('X-Internal-Key', TEST_INTERNAL_KEY)
    .send({ reports } as object);
}

/** Operation ids of `n` freshly created hosts (provisioning live: one pending operation each). */
async function queuedOps(t: TestApp, prefix: string, n: number): Promise<Array<{ hostId: string; opId: string }>> {
  const out = [];
  for (let i = 0; i < n; i++) {
    const host = await createHost(t, { hostname: `${prefix}${i}` });
    out.push({ hostId: host.id as string, opId: host.provisionOpId as string });
  }
  return out;
}

interface RecordedTransaction {
  statements: string[];
  /** every parameter of its statements, as JSON */
  params: string;
}

/**
 * Records what every pg connection of this process (the app's Prisma pool included: the pg
 * adapter's clients are pg Clients) sends from now on; stop() cuts it into transactions, BEGIN …
 * COMMIT/ROLLBACK on one connection, begun while recording.
 */
function recordTransactions(): { stop(): RecordedTransaction[] } {
  const spy = jest.spyOn(Client.prototype, 'query');
  return {
    stop() {
      const calls = spy.mock.calls.map((args, i) => ({
        connection: spy.mock.contexts[i] as unknown,
        query: args[0] as unknown as string | QueryConfig,
      }));
      spy.mockRestore();
      const open = new Map<unknown, RecordedTransaction>();
      const done: RecordedTransaction[] = [];
      for (const { connection, query } of calls) {
        const text = typeof query === 'string' ? query : query.text;
        if (text === 'BEGIN') open.set(connection, { statements: [], params: '' });
        const tx = open.get(connection);
        if (!tx) continue;
        tx.statements.push(text);
        tx.params += JSON.stringify(typeof query === 'string' ? [] : (query.values ?? []));
        if (text === 'COMMIT' || text === 'ROLLBACK') {
          done.push(tx);
          open.delete(connection);
        }
      }
      return done;
    },
  };
}

describe('bulk internal routes (docs/API.md "Internal routes")', () => {
  const t = useTestApp(LIVE_ENV);
  let events: ApiEvent[];
  beforeAll(() => {
    t.app.get(EventsService).subscribe((e) => events.push(e));
  });
  beforeEach(() => {
    events = [];
  });

  const op = (id: string) => t.prisma.operation.findUniqueOrThrow({ where: { id } });
  const hostStatus = async (id: string) => (await t.prisma.host.findUniqueOrThrow({ where: { id } })).provisionStatus;
  /** provision.job.updated/failed since the last reset: [type, operationId, status] */
  const jobChanges = () =>
    events
      .filter((e) => e.type === 'provision.job.updated' || e.type === 'provision.job.failed')
      .map((e) => [e.type, (e.data as any).operationId, (e.data as any).status]);

  it('401 UNAUTHORIZED without the right X-Internal-Key; a user JWT is not enough', async () => {
    const [a] = await queuedOps(t, 'pc-key', 1);
    const noKey = await t.http
      .post(`${API}/internal/operations/query`)
      .send({ ids: [a.opId] })
      .expect(401);
    expect(noKey.body.error.code).toBe('UNAUTHORIZED');
    await t.http
      .post(`${API}/internal/operations/query`)
      .set('X-Internal-Key', 'wrong')
      .send({ ids: [a.opId] })
      .expect(401);
    await t.http
      .patch(`${API}/internal/operations/status`)
      .set('X-Internal-Key', `${TEST_INTERNAL_KEY}x`)
      .send({ reports: [{ id: a.opId, status: 'running' }] })
      .expect(401);
    await t.http
      .patch(`${API}/internal/operations/status`)
      .set(await t.authHeader('admin'))
      .send({ reports: [{ id: a.opId, status: 'running' }] })
      .expect(401);
    expect((await op(a.opId)).status).toBe('pending');
  });

  describe('POST /internal/operations/query', () => {
    it('returns the OperationViews in the order asked, unknown ids left out, any letter case', async () => {
      const [a, b, c] = await queuedOps(t, 'pc-q', 3);
      const res = await query(t, { ids: [c.opId, UNKNOWN, a.opId.toUpperCase(), b.opId, c.opId] }).expect(200);
      expect(res.body.data.map((o: any) => o.id)).toEqual([c.opId, a.opId, b.opId, c.opId]);
      // the same view as GET /internal/operations/:id, snapshot included
      const single = await t.http
        .get(`${API}/internal/operations/${a.opId}`)
        .set('X-Internal-Key', TEST_INTERNAL_KEY)
        .expect(200);
      expect(res.body.data[1]).toEqual(single.body.data);
      expect(res.body.data[1]).toMatchObject({ status: 'pending', options: { hostname: 'pc-q0', dryRun: false } });

      const none = await query(t, { ids: [UNKNOWN] }).expect(200);
      expect(none.body.data).toEqual([]);
    });

    it.each([
      ['no ids', {}, 'ids'],
      ['0 ids', { ids: [] }, 'ids'],
      [`${BULK_MAX_ITEMS + 1} ids`, { ids: Array.from({ length: BULK_MAX_ITEMS + 1 }, () => UNKNOWN) }, 'ids'],
      ['a bad UUID', { ids: [UNKNOWN, 'not-a-uuid'] }, 'ids'],
      ['ids not an array', { ids: UNKNOWN }, 'ids'],
      ['an unknown field', { ids: [UNKNOWN], status: 'pending' }, 'status'],
    ])('400 VALIDATION_ERROR for %s', async (_name, body, field) => {
      const res = await query(t, body).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
    });

    it(`accepts exactly ${BULK_MAX_ITEMS} ids`, async () => {
      const [a] = await queuedOps(t, 'pc-max', 1);
      const ids = Array.from({ length: BULK_MAX_ITEMS }, (_, i) => (i === 250 ? a.opId : UNKNOWN));
      const res = await query(t, { ids }).expect(200);
      expect(res.body.data.map((o: any) => o.id)).toEqual([a.opId]);
    });
  });

  describe('PATCH /internal/operations/status', () => {
    it('applies a mix in order: stored, rejected (illegal move, with the operation as it is), not_found', async () => {
      const [a, b, c, d] = await queuedOps(t, 'pc-mix', 4);
      // c is completed already, d was superseded (cancelled) by a newer change of its host
      await report(t, c.opId, { status: 'running' }).expect(200);
      await report(t, c.opId, { status: 'completed' }).expect(200);
      const newer = (await patchHost(t, d.hostId, { ipAddress: '10.7.0.4' })).provisionOpId;
      expect((await op(d.opId)).status).toBe('cancelled');
      events = [];

      const res = await reportMany(t, [
        { id: a.opId, status: 'running', attempt: 1 },
        { id: b.opId, status: 'running' },
        { id: c.opId, status: 'failed', error: 'late failure' },
        { id: UNKNOWN, status: 'running' },
        { id: d.opId, status: 'completed' },
        { id: a.opId, status: 'completed', result: { importRun: 7 } },
        { id: b.opId, status: 'failed', error: 'VERIFY_FAILED: no A record', result: { code: 'VERIFY_FAILED' } },
      ]).expect(200);
      const data = res.body.data;
      expect(data.map((o: any) => [o.id, o.outcome])).toEqual([
        [a.opId, 'stored'],
        [b.opId, 'stored'],
        [c.opId, 'rejected'],
        [UNKNOWN, 'not_found'],
        [d.opId, 'rejected'],
        [a.opId, 'stored'],
        [b.opId, 'stored'],
      ]);
      expect(data[0]).toMatchObject({ changed: true, operation: { status: 'running', attempt: 1 } });
      expect(data[2]).toMatchObject({
        error: { code: 'INVALID_TRANSITION', message: expect.stringMatching(/completed.*failed/) },
        operation: { id: c.opId, status: 'completed', error: null },
      });
      expect(data[3]).toEqual({
        id: UNKNOWN,
        outcome: 'not_found',
        error: { code: 'NOT_FOUND', message: expect.any(String) },
      });
      expect(data[4]).toMatchObject({ error: { code: 'INVALID_TRANSITION' }, operation: { status: 'cancelled' } });
      expect(data[5]).toMatchObject({
        changed: true,
        operation: { status: 'completed', attempt: 1, result: { importRun: 7 } },
      });
      expect(data[6].operation).toMatchObject({ status: 'failed', error: 'VERIFY_FAILED: no A record' });

      // the rows say the same, the rejected ones unchanged; hosts follow their own operations
      expect(await op(a.opId)).toMatchObject({ status: 'completed', attempt: 1 });
      expect(await op(c.opId)).toMatchObject({ status: 'completed', error: null });
      expect((await op(d.opId)).status).toBe('cancelled');
      expect(await hostStatus(a.hostId)).toBe('synced');
      expect(await t.prisma.host.findUniqueOrThrow({ where: { id: b.hostId } })).toMatchObject({
        provisionStatus: 'failed',
        provisionError: 'VERIFY_FAILED: no A record',
      });
      expect((await t.prisma.host.findUniqueOrThrow({ where: { id: d.hostId } })).provisionOpId).toBe(newer);

      // one event per stored change, in the order of the reports; none for rejected / not_found
      expect(jobChanges()).toEqual([
        ['provision.job.updated', a.opId, 'running'],
        ['provision.job.updated', b.opId, 'running'],
        ['provision.job.updated', a.opId, 'completed'],
        ['provision.job.updated', b.opId, 'failed'],
        ['provision.job.failed', b.opId, 'failed'],
      ]);
      const failedEvent = events.find((e) => e.type === 'provision.job.failed')!;
      expect(failedEvent.data).toMatchObject({
        hostId: b.hostId,
        provisionStatus: 'failed',
        error: 'VERIFY_FAILED: no A record',
      });
    });

    it('is idempotent: a resent request stores nothing twice (attempt once, no events); a late running after a terminal status is stored without change', async () => {
      const [a, b] = await queuedOps(t, 'pc-rep', 2);
      const batch = [
        { id: a.opId, status: 'running' },
        { id: a.opId, status: 'running' }, // a repeat inside one request
        { id: b.opId, status: 'running' },
      ];
      const first = await reportMany(t, batch).expect(200);
      expect(first.body.data.map((o: any) => [o.outcome, o.changed])).toEqual([
        ['stored', true],
        ['stored', false],
        ['stored', true],
      ]);
      events = [];
      const again = await reportMany(t, batch).expect(200);
      expect(again.body.data.map((o: any) => [o.outcome, o.changed, o.operation.status, o.operation.attempt])).toEqual([
        ['stored', false, 'running', 1],
        ['stored', false, 'running', 1],
        ['stored', false, 'running', 1],
      ]);
      expect(jobChanges()).toEqual([]);

      const terminal = [
        { id: a.opId, status: 'completed' },
        { id: b.opId, status: 'failed', error: 'IMPORT_FAILED: exit 1' },
      ];
      await reportMany(t, terminal).expect(200);
      events = [];
      const repeat = await reportMany(t, [...terminal, { id: a.opId, status: 'running' }]).expect(200);
      expect(repeat.body.data.map((o: any) => [o.outcome, o.changed, o.operation.status])).toEqual([
        ['stored', false, 'completed'],
        ['stored', false, 'failed'],
        ['stored', false, 'completed'],
      ]);
      expect(jobChanges()).toEqual([]);
      expect(await op(a.opId)).toMatchObject({ status: 'completed', attempt: 1 });
      expect(await op(b.opId)).toMatchObject({ status: 'failed', attempt: 1, error: 'IMPORT_FAILED: exit 1' });
      expect(await hostStatus(a.hostId)).toBe('synced');
    });

    it('only the operation named in host.provisionOpId changes host.provisionStatus', async () => {
      const [h] = await queuedOps(t, 'pc-owner', 1);
      await report(t, h.opId, { status: 'running' }).expect(200);
      const second = (await patchHost(t, h.hostId, { ipAddress: '10.7.0.9' })).provisionOpId;
      expect(second).not.toBe(h.opId);
      events = [];

      const res = await reportMany(t, [
        { id: h.opId, status: 'completed' }, // the older, still running op finishes
        { id: second, status: 'running' },
      ]).expect(200);
      expect(res.body.data.map((o: any) => o.outcome)).toEqual(['stored', 'stored']);
      expect(await hostStatus(h.hostId)).toBe('running');
      const updated = events.filter((e) => e.type === 'provision.job.updated').map((e) => e.data as any);
      // the older op's event reports the host as the newer op left it (pending), not synced
      expect(updated.map((d) => [d.operationId, d.status, d.provisionStatus])).toEqual([
        [h.opId, 'completed', 'pending'],
        [second, 'running', 'running'],
      ]);

      await reportMany(t, [{ id: second, status: 'failed', error: 'VERIFY_FAILED: no DHCP entry' }]).expect(200);
      expect(await t.prisma.host.findUniqueOrThrow({ where: { id: h.hostId } })).toMatchObject({
        provisionStatus: 'failed',
        provisionError: 'VERIFY_FAILED: no DHCP entry',
      });
    });

    it('folds several reports of one operation in request order; intermediate and final views, rows, hosts and events as applied one by one', async () => {
      const [a, b, c] = await queuedOps(t, 'pc-fold', 3);
      // b1 is running when its host changes again: b2 becomes the host's provisionOpId
      const b1 = b.opId;
      await report(t, b1, { status: 'running' }).expect(200);
      const b2 = (await patchHost(t, b.hostId, { ipAddress: '10.7.0.21' })).provisionOpId as string;
      await report(t, c.opId, { status: 'running' }).expect(200);
      await report(t, c.opId, { status: 'completed' }).expect(200);
      events = [];

      const res = await reportMany(t, [
        { id: a.opId, status: 'running' },
        { id: b1, status: 'completed', result: { importRun: 5 } }, // not the host's op: host untouched
        { id: a.opId, status: 'running' }, // a repeat of the report just applied: noop
        { id: c.opId, status: 'failed', error: 'late' },
        { id: UNKNOWN, status: 'running' },
        { id: b2, status: 'running', result: { stage: 'import', importRun: 6, a: 1 } },
        { id: a.opId, status: 'completed', result: { importRun: 5, verified: true } },
        { id: b2, status: 'failed', error: '  VERIFY_FAILED: no A record  ' },
      ]).expect(200);
      const data = res.body.data;
      expect(data.map((o: any) => [o.outcome, o.changed ?? null, o.operation?.status ?? null])).toEqual([
        ['stored', true, 'running'],
        ['stored', true, 'completed'],
        ['stored', false, 'running'],
        ['rejected', null, 'completed'],
        ['not_found', null, null],
        ['stored', true, 'running'],
        ['stored', true, 'completed'],
        ['stored', true, 'failed'],
      ]);
      // a's first report shows the state it left (not the final row); the repeat shows the same
      expect(data[0].operation).toMatchObject({ attempt: 1, startedAt: expect.any(String), completedAt: null });
      expect(data[2].operation).toEqual(data[0].operation);
      expect(data[3].error.code).toBe('INVALID_TRANSITION');
      // an intermediate result reads as PostgreSQL stores it (jsonb key order)
      const [stored] = await t.prisma.$queryRaw<
        Array<{ v: object }>
      >`SELECT ${JSON.stringify(data[5].operation.result)}::jsonb AS v`;
      expect(Object.keys(data[5].operation.result)).toEqual(Object.keys(stored.v));
      expect(data[5].operation.result).toEqual({ stage: 'import', importRun: 6, a: 1 });
      // final states: what the database holds, view for view
      for (const [i, id] of [
        [6, a.opId],
        [1, b1],
        [7, b2],
      ] as const) {
        expect(data[i].operation).toEqual((await internalGet(t, id).expect(200)).body.data);
      }

      expect(await op(a.opId)).toMatchObject({
        status: 'completed',
        attempt: 1,
        startedAt: new Date(data[0].operation.startedAt),
        completedAt: expect.any(Date),
        error: null,
        result: { importRun: 5, verified: true },
      });
      expect(await op(b1)).toMatchObject({ status: 'completed', attempt: 1, result: { importRun: 5 }, error: null });
      expect(await op(b2)).toMatchObject({
        status: 'failed',
        attempt: 1,
        startedAt: expect.any(Date),
        completedAt: expect.any(Date),
        error: 'VERIFY_FAILED: no A record',
        result: { stage: 'import', importRun: 6, a: 1 },
      });
      expect(await op(c.opId)).toMatchObject({ status: 'completed', error: null });
      expect(await t.prisma.host.findUniqueOrThrow({ where: { id: a.hostId } })).toMatchObject({
        provisionStatus: 'synced',
        provisionError: null,
      });
      expect(await t.prisma.host.findUniqueOrThrow({ where: { id: b.hostId } })).toMatchObject({
        provisionOpId: b2,
        provisionStatus: 'failed',
        provisionError: 'VERIFY_FAILED: no A record',
      });

      // one event per change, in request order, each with the host as that change left it
      expect(
        events.map((e) => [
          e.type,
          (e.data as any).operationId,
          (e.data as any).status,
          (e.data as any).provisionStatus,
        ]),
      ).toEqual([
        ['provision.job.updated', a.opId, 'running', 'running'],
        ['provision.job.updated', b1, 'completed', 'pending'],
        ['provision.job.updated', b2, 'running', 'running'],
        ['provision.job.updated', a.opId, 'completed', 'synced'],
        ['provision.job.updated', b2, 'failed', 'failed'],
        ['provision.job.failed', b2, 'failed', 'failed'],
      ]);
    });

    it('runs as many SQL statements for 30 reports as for 3 (set-wise writes, one transaction)', async () => {
      const ops = await queuedOps(t, 'pc-sql', 33);
      // published first: the relay's own UPDATE would name these operations too
      await t.app.get(OutboxRelay).publishPending();
      const statementsOf = async (batch: typeof ops, status: string) => {
        const recording = recordTransactions();
        const res = await reportMany(
          t,
          batch.map((o) => ({ id: o.opId, status })),
        ).expect(200);
        const touching = recording.stop().filter((tx) => batch.some((o) => tx.params.includes(o.opId)));
        expect(res.body.data.every((o: any) => o.outcome === 'stored' && o.changed)).toBe(true);
        expect(touching).toHaveLength(1);
        return touching[0].statements.length;
      };
      const [small, large] = [ops.slice(0, 3), ops.slice(3)];
      expect(await statementsOf(large, 'running')).toBe(await statementsOf(small, 'running'));
      expect(await statementsOf(large, 'completed')).toBe(await statementsOf(small, 'completed'));
      // every report was written, and every host with it
      const rows = await t.prisma.operation.findMany({ where: { id: { in: ops.map((o) => o.opId) } } });
      expect(rows.map((r) => [r.status, r.attempt])).toEqual(ops.map(() => ['completed', 1]));
      const hosts = await t.prisma.host.findMany({ where: { id: { in: ops.map((o) => o.hostId) } } });
      expect(hosts.map((h) => h.provisionStatus)).toEqual(ops.map(() => 'synced'));
    });

    it('failed → retrying is bounded like the single route: rejected with RETRY_LIMIT_REACHED past maxAttempts', async () => {
      const [a] = await queuedOps(t, 'pc-retry', 1);
      await t.prisma.operation.update({ where: { id: a.opId }, data: { status: 'failed', attempt: 3 } });
      const res = await reportMany(t, [{ id: a.opId, status: 'retrying' }]).expect(200);
      expect(res.body.data[0]).toMatchObject({
        outcome: 'rejected',
        error: { code: 'RETRY_LIMIT_REACHED' },
        operation: { status: 'failed', attempt: 3 },
      });
    });

    /** `OWN` stands for a valid report of a queued operation, which must stay pending */
    const OWN = { id: 'OWN', status: 'running' };
    it.each([
      ['no reports', undefined, 'reports'],
      ['0 reports', [], 'reports'],
      [`${BULK_MAX_ITEMS + 1} reports`, Array.from({ length: BULK_MAX_ITEMS + 1 }, () => OWN), 'reports'],
      ['an unknown status', [OWN, { id: UNKNOWN, status: 'done' }], 'reports.1.status'],
      ['a bad id', [OWN, { id: 'op-1', status: 'running' }], 'reports.1.id'],
      ['a missing id', [OWN, { status: 'running' }], 'reports.1.id'],
      ['a non-string error', [OWN, { id: UNKNOWN, status: 'failed', error: 42 }], 'reports.1.error'],
      ['a non-object result', [OWN, { id: UNKNOWN, status: 'completed', result: 'text' }], 'reports.1.result'],
      ['a negative attempt', [OWN, { id: UNKNOWN, status: 'running', attempt: -1 }], 'reports.1.attempt'],
      ['an unknown field in a report', [OWN, { id: UNKNOWN, status: 'running', extra: 1 }], 'reports.1.extra'],
      ['a report that is not an object', [OWN, 'running'], 'reports.1'],
      ['reports not an array', OWN, 'reports'],
    ])('400 VALIDATION_ERROR for %s, and nothing is applied', async (_name, reports, field) => {
      const [a] = await queuedOps(t, 'pc-bad', 1);
      const own = (r: unknown) => (r === OWN ? { ...OWN, id: a.opId } : r);
      const res = await reportMany(t, Array.isArray(reports) ? reports.map(own) : own(reports)).expect(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
      expect((await op(a.opId)).status).toBe('pending');
    });
  });
});
