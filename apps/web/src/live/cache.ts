import type { QueryClient } from '@tanstack/react-query';

import type { ApiEvent, Host, JobEventData, Operation, Page, ProvisionStatus } from '../api/types';

/** Counts per provision status at the top of the hosts page; `none` = never provisioned. */
export interface Totals {
  total: number;
  none: number;
  pending: number;
  running: number;
  synced: number;
  failed: number;
}

export const keys = {
  hosts: ['hosts'] as const,
  hostList: ['hosts', 'list'] as const,
  totals: ['hosts', 'totals'] as const,
  jobs: ['jobs'] as const,
  jobList: ['jobs', 'list'] as const,
  job: (id: string) => ['jobs', 'detail', id] as const,
};

type Slot = keyof Omit<Totals, 'total'>;
const slot = (s: ProvisionStatus | null): Slot => s ?? 'none';

/**
 * The last provision status the console saw per host (from fetched rows and from events), so an
 * event can move the totals in place: -1 where the host was, +1 where it is now.
 */
export const knownStatus = new Map<string, ProvisionStatus | null>();

export function rememberRows(rows: readonly Host[]): void {
  for (const h of rows) knownStatus.set(h.id, h.provisionStatus);
}

function patchHost(h: Host, e: JobEventData): Host {
  if (h.id !== e.hostId) return h;
  const failed = e.provisionStatus === 'failed';
  return {
    ...h,
    provisionStatus: e.provisionStatus,
    provisionOpId: e.status === 'cancelled' ? h.provisionOpId : e.operationId,
    provisionError: failed ? (e.error ?? h.provisionError) : null,
  };
}

/**
 * Applies one batch of socket events to every cached page in place (no refetch per event: a busy
 * import sends hundreds). What cannot be placed without the server — a new host's position in the sorted list,
 * a new job, the totals of a host never seen — marks those queries stale once for the whole batch.
 */
export function applyEvents(client: QueryClient, events: readonly ApiEvent[]): void {
  const hostJobs = new Map<string, JobEventData>();
  const hostViews = new Map<string, Host>();
  const jobEvents = new Map<string, JobEventData>();
  const delta: Totals = { total: 0, none: 0, pending: 0, running: 0, synced: 0, failed: 0 };
  let listStale = false;
  let jobsStale = false;
  let totalsStale = false;
  let resourcesStale = false;

  const move = (hostId: string, to: ProvisionStatus | null) => {
    if (!knownStatus.has(hostId)) {
      totalsStale = true;
      knownStatus.set(hostId, to);
      return;
    }
    const from = knownStatus.get(hostId) ?? null;
    if (from === to) return;
    delta[slot(from)] -= 1;
    delta[slot(to)] += 1;
    knownStatus.set(hostId, to);
  };

  for (const ev of events) {
    switch (ev.type) {
      case 'provision.job.created':
      case 'provision.job.updated':
      case 'provision.job.failed':
        jobEvents.set(ev.data.operationId, ev.data);
        if (ev.type === 'provision.job.created') jobsStale = true;
        if (ev.data.hostId && ev.data.status !== 'cancelled') {
          hostJobs.set(ev.data.hostId, ev.data);
          move(ev.data.hostId, ev.data.provisionStatus);
        }
        break;
      case 'host.updated':
        hostViews.set(ev.data.id, ev.data);
        hostJobs.delete(ev.data.id);
        move(ev.data.id, ev.data.provisionStatus);
        break;
      case 'host.created':
        listStale = resourcesStale = true;
        delta.total += 1;
        delta[slot(ev.data.provisionStatus)] += 1;
        knownStatus.set(ev.data.id, ev.data.provisionStatus);
        break;
      case 'host.deleted': {
        listStale = resourcesStale = true;
        delta.total -= 1;
        const last = knownStatus.has(ev.data.id) ? (knownStatus.get(ev.data.id) ?? null) : ev.data.provisionStatus;
        delta[slot(last)] -= 1;
        knownStatus.delete(ev.data.id);
        break;
      }
      case 'import.completed':
        listStale = totalsStale = resourcesStale = jobsStale = true;
        break;
    }
  }

  if (hostJobs.size > 0 || hostViews.size > 0) {
    client.setQueriesData<Page<Host>>({ queryKey: keys.hostList }, (page) => {
      if (!page) return page;
      let changed = false;
      const data = page.data.map((h) => {
        const view = hostViews.get(h.id);
        const job = hostJobs.get(h.id);
        const next = view ? { ...view } : job ? patchHost(h, job) : h;
        if (next !== h) changed = true;
        return next;
      });
      return changed ? { ...page, data } : page;
    });
  }
  if (jobEvents.size > 0) {
    client.setQueriesData<Page<Operation>>({ queryKey: keys.jobList }, (page) => {
      if (!page) return page;
      let changed = false;
      const data = page.data.map((op) => {
        const e = jobEvents.get(op.id);
        if (!e) return op;
        changed = true;
        return { ...op, status: e.status, error: e.error ?? (e.status === 'completed' ? null : op.error) };
      });
      return changed ? { ...page, data } : page;
    });
    for (const id of jobEvents.keys()) void client.invalidateQueries({ queryKey: keys.job(id), exact: true });
  }
  if (!totalsStale && Object.values(delta).some((v) => v !== 0)) {
    client.setQueryData<Totals>(keys.totals, (t) => {
      if (!t) return t;
      const next = { ...t };
      for (const k of Object.keys(delta) as (keyof Totals)[]) next[k] = Math.max(0, t[k] + delta[k]);
      return next;
    });
  }
  if (totalsStale) void client.invalidateQueries({ queryKey: keys.totals });
  if (listStale) void client.invalidateQueries({ queryKey: keys.hostList });
  if (jobsStale) void client.invalidateQueries({ queryKey: keys.jobList });
  if (resourcesStale) {
    void client.invalidateQueries({ queryKey: ['rooms'] });
    void client.invalidateQueries({ queryKey: ['configs'] });
  }
}
