import { QueryClient } from '@tanstack/react-query';
import { act } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import type { ApiEvent, Host, JobEventData, Page } from '../api/types';
import { FakeWebSocket } from '../test/FakeWebSocket';
import { host, page, stubWebSocket, testClient } from '../test/render';
import { applyEvents, keys, knownStatus, rememberRows, Totals } from './cache';
import { LiveSocket } from './socket';

const job = (
  h: Host,
  status: JobEventData['status'],
  provisionStatus: JobEventData['provisionStatus'],
  error?: string,
): ApiEvent => ({
  type: status === 'failed' ? 'provision.job.failed' : 'provision.job.updated',
  data: {
    operationId: `op-${h.id}`,
    hostId: h.id,
    hostname: h.hostname,
    action: 'create',
    status,
    provisionStatus,
    error,
  },
  timestamp: new Date().toISOString(),
});

beforeEach(() => {
  stubWebSocket();
  knownStatus.clear();
});

describe('LiveSocket', () => {
  it('hands a burst of events over in one batch, not one callback per event', () => {
    vi.useFakeTimers();
    const onBatch = vi.fn();
    const socket = new LiveSocket(
      'tok',
      { onBatch, onReconnect: vi.fn(), onUnauthorized: vi.fn(), onState: vi.fn() },
      150,
    );
    socket.start();
    const ws = FakeWebSocket.last;
    expect(ws.url).toMatch(/\/ws\?token=tok$/);
    ws.open();
    const h = host();
    for (let i = 0; i < 600; i++) ws.send(job(h, 'running', 'running'));
    expect(onBatch).not.toHaveBeenCalled();
    vi.advanceTimersByTime(150);
    expect(onBatch).toHaveBeenCalledTimes(1);
    expect(onBatch.mock.calls[0][0]).toHaveLength(600);
    ws.send(job(h, 'completed', 'synced'));
    vi.advanceTimersByTime(150);
    expect(onBatch).toHaveBeenCalledTimes(2);
    socket.stop();
  });

  it('after a drop it reconnects and asks for one refetch; a 4401 close means signed out', () => {
    vi.useFakeTimers();
    const handlers = { onBatch: vi.fn(), onReconnect: vi.fn(), onUnauthorized: vi.fn(), onState: vi.fn() };
    const socket = new LiveSocket('tok', handlers);
    socket.start();
    FakeWebSocket.last.open();
    expect(handlers.onReconnect).not.toHaveBeenCalled();
    FakeWebSocket.last.drop();
    expect(handlers.onState).toHaveBeenLastCalledWith(false);
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.open();
    expect(handlers.onReconnect).toHaveBeenCalledTimes(1);
    FakeWebSocket.last.drop(4401);
    expect(handlers.onUnauthorized).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(20_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    socket.stop();
  });
});

describe('applyEvents (the hosts cache)', () => {
  function seeded(rows: Host[], totals: Totals): { client: QueryClient; listKey: readonly unknown[] } {
    const client = testClient();
    const listKey = [...keys.hostList, { page: 1 }];
    client.setQueryData(listKey, page(rows));
    client.setQueryData(keys.totals, totals);
    rememberRows(rows);
    return { client, listKey };
  }

  it('patches the visible rows and the totals in place; untouched rows keep their identity; nothing refetches', () => {
    const a = host({ provisionStatus: 'pending', provisionOpId: 'op-old' });
    const b = host({ provisionStatus: 'running' });
    const c = host({ provisionStatus: 'synced' });
    const { client, listKey } = seeded([a, b, c], { total: 3, none: 0, pending: 1, running: 1, synced: 1, failed: 0 });
    const fetches = vi.fn();
    vi.stubGlobal('fetch', fetches);

    act(() =>
      applyEvents(client, [
        job(a, 'running', 'running'),
        job(b, 'failed', 'failed', 'VERIFY_FAILED: A record missing'),
        job(a, 'completed', 'synced'),
      ]),
    );

    const rows = client.getQueryData<Page<Host>>(listKey)!.data;
    expect(rows.map((r) => r.provisionStatus)).toEqual(['synced', 'failed', 'synced']);
    expect(rows[0].provisionOpId).toBe(`op-${a.id}`);
    expect(rows[1].provisionError).toBe('VERIFY_FAILED: A record missing');
    expect(rows[2]).toBe(c);
    expect(client.getQueryData<Totals>(keys.totals)).toEqual({
      total: 3,
      none: 0,
      pending: 0,
      running: 0,
      synced: 2,
      failed: 1,
    });
    expect(client.getQueryState(listKey)?.isInvalidated).toBe(false);
    expect(client.getQueryState(keys.totals)?.isInvalidated).toBe(false);
    expect(fetches).not.toHaveBeenCalled();
  });

  it('a retry clears the last error; a host never seen marks the totals stale instead of guessing', () => {
    const a = host({ provisionStatus: 'failed', provisionError: 'boom' });
    const { client, listKey } = seeded([a], { total: 1, none: 0, pending: 0, running: 0, synced: 0, failed: 1 });
    act(() => applyEvents(client, [job(a, 'retrying', 'pending')]));
    const row = client.getQueryData<Page<Host>>(listKey)!.data[0];
    expect(row).toMatchObject({ provisionStatus: 'pending', provisionError: null });
    expect(client.getQueryData<Totals>(keys.totals)).toMatchObject({ failed: 0, pending: 1 });

    act(() => applyEvents(client, [job(host(), 'running', 'running')]));
    expect(client.getQueryState(keys.totals)?.isInvalidated).toBe(true);
    // the page itself did not change, so it is not refetched
    expect(client.getQueryState(listKey)?.isInvalidated).toBe(false);
  });

  it('a new host is counted at once and makes the list fetch once for the whole batch', () => {
    const a = host({ provisionStatus: 'synced' });
    const { client, listKey } = seeded([a], { total: 1, none: 0, pending: 0, running: 0, synced: 1, failed: 0 });
    const created = (h: Host): ApiEvent => ({ type: 'host.created', data: h, timestamp: '' });
    const spy = vi.spyOn(client, 'invalidateQueries');
    act(() =>
      applyEvents(client, [
        created(host({ provisionStatus: 'pending' })),
        created(host({ provisionStatus: 'pending' })),
      ]),
    );
    expect(client.getQueryData<Totals>(keys.totals)).toMatchObject({ total: 3, pending: 2, synced: 1 });
    expect(client.getQueryState(listKey)?.isInvalidated).toBe(true);
    expect(spy.mock.calls.filter(([f]) => JSON.stringify(f?.queryKey) === JSON.stringify(keys.hostList))).toHaveLength(
      1,
    );
  });
});
