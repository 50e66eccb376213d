/** The API's views as docs/API.md describes them (the console reads, it never reshapes). */
export type ProvisionStatus = 'pending' | 'running' | 'synced' | 'failed';
export type Role = 'admin' | 'operator' | 'viewer';

export interface User {
  id: string;
  username: string;
  role: Role;
}

export interface Host {
  id: string;
  hostname: string;
  macAddress: string;
  ipAddress: string | null;
  roomId: string | null;
  room: string | null;
  configId: string | null;
  config: string | null;
  /** the room's school, default-school without a room */
  schoolId: string;
  school: string;
  role: string;
  pxeFlag: number;
  provisionStatus: ProvisionStatus | null;
  provisionOpId: string | null;
  provisionError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NamedResource {
  id: string;
  /** rooms only: the school that owns the room */
  schoolId?: string;
  name: string;
  description: string | null;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

export type CsvCol0Source = 'room' | 'group';

/** `GET /schools` (docs/API.md "Schools and DCs"). */
export interface School {
  id: string;
  name: string;
  description: string | null;
  dcId: string;
  csvCol0Source: CsvCol0Source;
  roomCount: number;
  hostCount: number;
  createdAt: string;
  updatedAt: string;
}

/** `GET /dcs` (admins only). */
export interface Dc {
  id: string;
  description: string | null;
  schools: string[];
  keys: { id: string; createdAt: string }[];
}

export type OperationStatus = 'pending' | 'running' | 'completed' | 'failed' | 'retrying' | 'cancelled';

export interface Operation {
  id: string;
  type: string;
  action: string;
  targetHost: string | null;
  hostId: string | null;
  school: string | null;
  options: Record<string, unknown> | null;
  status: OperationStatus;
  attempt: number;
  maxAttempts: number;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface Pagination {
  page: number;
  limit: number;
  total: number;
  pages: number;
}

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

export interface ImportSummary {
  dryRun: boolean;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  errors: { line: number; message: string }[];
  roomsCreated: string[];
  configsCreated: string[];
  jobsQueued: number;
}

/** `{type, data, timestamp}` from `/ws` (docs/API.md "WebSocket events"). */
export interface JobEventData {
  operationId: string;
  hostId: string | null;
  hostname: string;
  action: string;
  status: OperationStatus;
  provisionStatus: ProvisionStatus | null;
  error?: string;
}

export type ApiEvent =
  | {
      type: 'provision.job.created' | 'provision.job.updated' | 'provision.job.failed';
      data: JobEventData;
      timestamp: string;
    }
  | { type: 'host.created' | 'host.updated' | 'host.deleted'; data: Host; timestamp: string }
  | { type: 'import.completed'; data: ImportSummary; timestamp: string };
