import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';

import { api, Query } from '../api/client';
import type { Host, NamedResource, Page, ProvisionStatus } from '../api/types';
import { keys, rememberRows, Totals } from '../live/cache';
import { DEFAULT_SCHOOL } from '../schools/queries';

export interface HostQuery {
  page: number;
  limit: number;
  search: string;
  provisionStatus: ProvisionStatus | '';
  roomId: string;
  configId: string;
  /** a school's name, '' = all schools (`?school=`) */
  school: string;
  sort: 'hostname' | 'ipAddress' | 'createdAt' | 'updatedAt';
  order: 'asc' | 'desc';
}

export const STATUSES: ProvisionStatus[] = ['pending', 'running', 'synced', 'failed'];

/** One server-side page (docs/API.md `GET /hosts`); the previous page stays shown while the next loads. */
export function useHostPage(q: HostQuery) {
  const query = useQuery({
    queryKey: [...keys.hostList, q],
    queryFn: () => api.page<Host>('/hosts', q as unknown as Query) as Promise<Page<Host>>,
    placeholderData: keepPreviousData,
  });
  useEffect(() => {
    if (query.data) rememberRows(query.data.data);
  }, [query.data]);
  return query;
}

/** Totals per status: five `limit=1` counts (there is no totals route; `none` is the rest). */
export function useTotals() {
  return useQuery({
    queryKey: keys.totals,
    queryFn: async (): Promise<Totals> => {
      const count = (provisionStatus?: ProvisionStatus) =>
        api.page<Host>('/hosts', { limit: 1, provisionStatus }).then((p) => p.pagination.total);
      const [total, ...byStatus] = await Promise.all([count(), ...STATUSES.map((s) => count(s))]);
      const [pending, running, synced, failed] = byStatus;
      return { total, pending, running, synced, failed, none: total - pending - running - synced - failed };
    },
  });
}

/**
 * Rooms or configs for the selects and the filters (the first 100 by name; the select searches them).
 * Rooms can be limited to one school (`school`, a name); configs are shared by all schools.
 */
export function useResources(kind: 'rooms' | 'configs', search = '', school = '') {
  return useQuery({
    queryKey: [kind, 'options', search, school],
    queryFn: () => api.page<NamedResource>(`/${kind}`, { limit: 100, search, school }),
    placeholderData: keepPreviousData,
  });
}

/**
 * Select options for rooms: a room of a non-default school is shown with its school (`r100 · north`),
 * since two schools may each have a room of that name.
 */
export function roomOptions(rooms: readonly NamedResource[], schoolNames: Map<string, string>) {
  return rooms.map((r) => {
    const school = r.schoolId ? schoolNames.get(r.schoolId) : undefined;
    return { value: r.id, label: school && school !== DEFAULT_SCHOOL ? `${r.name} · ${school}` : r.name };
  });
}
