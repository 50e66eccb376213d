import { useQuery } from '@tanstack/react-query';

import { api } from '../api/client';
import type { Dc, School } from '../api/types';

/** The school of room-less hosts; a devices.csv import or export without `?school=` is its file. */
export const DEFAULT_SCHOOL = 'default-school';

export const schoolKeys = {
  schools: ['schools'] as const,
  dcs: ['dcs'] as const,
};

/** Every school (the API does not page them: a school authority has tens, not thousands). */
export function useSchools() {
  return useQuery({ queryKey: schoolKeys.schools, queryFn: () => api.get<School[]>('/schools') });
}

/** The DCs, for the school form; admins only (`GET /dcs` is 403 for the others). */
export function useDcs(enabled: boolean) {
  return useQuery({ queryKey: schoolKeys.dcs, queryFn: () => api.get<Dc[]>('/dcs'), enabled });
}

/** School id → name, for views that carry only the id (rooms). */
export function useSchoolNames(): Map<string, string> {
  const schools = useSchools();
  return new Map((schools.data ?? []).map((s) => [s.id, s.name]));
}
