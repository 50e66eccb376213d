import type { OperationStatus, ProvisionStatus } from '@app/provisioning';

/** Data of every provision.job.* event (DOMAIN.md §7). */
export interface JobEventData {
  operationId: string;
  hostId: string | null;
  hostname: string;
  action: string;
  status: OperationStatus;
  /** the host's provisionStatus after the change; null when the host is gone or not provisioned */
  provisionStatus: ProvisionStatus | null;
  error?: string;
}

/**
 * The typed event map (CONVENTIONS.md habit 8): every event the API broadcasts on /ws and the shape of
 * its `data`. Host events carry the host view (GET /hosts/:id), import.completed the import summary.
 */
export interface ApiEventMap {
  'provision.job.created': JobEventData;
  'provision.job.updated': JobEventData;
  'provision.job.failed': JobEventData;
  'host.created': object;
  'host.updated': object;
  'host.deleted': object;
  'import.completed': object;
}

export type ApiEventType = keyof ApiEventMap;

export const API_EVENT_TYPES: readonly ApiEventType[] = [
  'provision.job.created',
  'provision.job.updated',
  'provision.job.failed',
  'host.created',
  'host.updated',
  'host.deleted',
  'import.completed',
];

/** One message on the socket: `{type, data, timestamp}` (DOMAIN.md §7). */
export interface ApiEvent<T extends ApiEventType = ApiEventType> {
  type: T;
  data: ApiEventMap[T];
  /** ISO 8601 */
  timestamp: string;
}
