import { EventsGateway, WS_CLOSE_UNAUTHORIZED } from '../../../apps/api/src/events/events.gateway';
import { useTestApp } from './helpers/app';
import {
  API,
  connectEvents,
  createHost,
  EventClient,
  LIVE_ENV,
  patchHost,
  report,
  waitFor,
} from './provisioning.fixtures';

describe('WebSocket events at /ws (DOMAIN.md §7)', () => {
  const t = useTestApp(LIVE_ENV);
  let client: EventClient | undefined;
  afterEach(() => {
    client?.close();
    client = undefined;
  });

  /** Connects as `role` and waits until the server has authenticated the socket. */
  async function connectAs(role: 'admin' | 'viewer'): Promise<EventClient> {
    const gateway = t.app.get(EventsGateway);
    const before = gateway.connectedClients;
    const c = await connectEvents(t, await t.loginAs(role));
    await waitFor(() => gateway.connectedClients > before, 'the socket to be authenticated');
    return c;
  }

  it('an unauthenticated socket is closed with 4401; a bad token too', async () => {
    const anonymous = await connectEvents(t, undefined);
    expect(await anonymous.closed).toEqual({
      code: WS_CLOSE_UNAUTHORIZED,
      reason: expect.stringMatching(/unauthorized/),
    });
    const forged = await connectEvents(t, 'eyJhbGciOiJIUzI1NiJ9.e30.invalid');
    expect((await forged.closed).code).toBe(WS_CLOSE_UNAUTHORIZED);
    expect(anonymous.messages).toEqual([]);
  });

  it('a socket is closed with 4401 when its token expires', async () => {
    const { JwtService } = await import('@nestjs/jwt');
    const user = await t.prisma.user.create({ data: { username: 'ws-short', passwordHash: 'x', role: 'viewer' } });
    const token = t.app
      .get(JwtService)
      .sign({ sub: user.id, username: user.username, role: user.role }, { expiresIn: 2 });
    const short = await connectEvents(t, token);
    // closed by the server on its own (the client sends nothing); no wall-clock bound: timed
    // assertions flake on a loaded CI (developers' guide)
    const closed = await short.closed;
    expect(closed).toEqual({ code: WS_CLOSE_UNAUTHORIZED, reason: 'unauthorized: token expired' });
  });

  it('a viewer receives provision.job.updated after an internal status report, with the agreed data', async () => {
    const host = await createHost(t, { hostname: 'pc-ws' });
    client = await connectAs('viewer');
    await report(t, host.provisionOpId, { status: 'running' }).expect(200);
    const [event] = await waitFor(
      () => client!.messages.filter((m) => m.type === 'provision.job.updated').length > 0 && client!.messages,
      'provision.job.updated',
    );
    expect(event).toEqual({
      type: 'provision.job.updated',
      data: {
        operationId: host.provisionOpId,
        hostId: host.id,
        hostname: 'pc-ws',
        action: 'create',
        status: 'running',
        provisionStatus: 'running',
      },
      timestamp: expect.any(String),
    });
    expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
  });

  it('every job status change is sent, in order, with provision.job.failed for a failure; repeats are not', async () => {
    client = await connectAs('admin');
    const host = await createHost(t, { hostname: 'pc-order' });
    const id = host.provisionOpId;
    await report(t, id, { status: 'running' }).expect(200);
    await report(t, id, { status: 'running' }).expect(200); // idempotent repeat: no event
    await report(t, id, { status: 'failed', error: 'IMPORT_FAILED: x' }).expect(200);
    await t.http
      .post(`${API}/operations/provision/${id}/retry`)
      .set(await t.authHeader('operator'))
      .expect(200);
    await report(t, id, { status: 'running' }).expect(200);
    await report(t, id, { status: 'completed' }).expect(200);

    const jobEvents = () => client!.messages.filter((m) => m.type.startsWith('provision.job.'));
    await waitFor(() => jobEvents().length === 7, 'seven job events');
    expect(jobEvents().map((m) => [m.type, m.data.status, m.data.provisionStatus])).toEqual([
      ['provision.job.created', 'pending', 'pending'],
      ['provision.job.updated', 'running', 'running'],
      ['provision.job.updated', 'failed', 'failed'],
      ['provision.job.failed', 'failed', 'failed'],
      ['provision.job.updated', 'retrying', 'pending'],
      ['provision.job.updated', 'running', 'running'],
      ['provision.job.updated', 'completed', 'synced'],
    ]);
    expect(jobEvents()[2].data.error).toBe('IMPORT_FAILED: x');
    expect(jobEvents()[5].data.error).toBeUndefined();
  });

  it('superseding sends the cancellation before the new job; host events arrive too', async () => {
    const host = await createHost(t, { hostname: 'pc-sup-ws' });
    client = await connectAs('viewer');
    const patched = await patchHost(t, host.id, { ipAddress: '10.6.0.1' });
    await waitFor(() => client!.messages.some((m) => m.type === 'host.updated'), 'host.updated');
    expect(client.messages.map((m) => [m.type, m.data.operationId ?? m.data.id, m.data.status ?? null])).toEqual([
      ['provision.job.updated', host.provisionOpId, 'cancelled'],
      ['provision.job.created', patched.provisionOpId, 'pending'],
      ['host.updated', host.id, null],
    ]);
  });

  it('a report storm on many operations keeps each operation’s events in order', async () => {
    client = await connectAs('admin');
    const hosts = await Promise.all(Array.from({ length: 5 }, (_, i) => createHost(t, { hostname: `pc-storm${i}` })));
    await Promise.all(
      hosts.map(async (h) => {
        await report(t, h.provisionOpId, { status: 'running' }).expect(200);
        await report(t, h.provisionOpId, { status: 'completed' }).expect(200);
      }),
    );
    await waitFor(
      () => client!.messages.filter((m) => m.type === 'provision.job.updated').length === 10,
      'ten updates',
    );
    for (const h of hosts) {
      const statuses = client.messages
        .filter((m) => m.type === 'provision.job.updated' && m.data.operationId === h.provisionOpId)
        .map((m) => m.data.status);
      expect(statuses).toEqual(['running', 'completed']);
    }
  });
});
