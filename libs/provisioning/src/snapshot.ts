/**
 * The frozen host snapshot stored in Operation.options at enqueue time (DOMAIN.md §6) and served to
 * the worker by GET /internal/operations/:id. Field names are the API's (camelCase).
 */
export interface HostSnapshot {
  hostId: string | null;
  hostname: string;
  /** normalised AA:BB:CC:DD:EE:FF */
  macAddress: string;
  /** null = DHCP */
  ipAddress: string | null;
  room: string | null;
  config: string | null;
  role: string;
  pxeFlag: number;
}

export interface ProvisionOptions extends HostSnapshot {
  /** set on a rename: the name the DC knows the host by */
  oldHostname?: string;
  /** frozen from DC_PROVISIONING_DRYRUN when the job was queued */
  dryRun: boolean;
  /** explicit request to adopt a manual devices.csv line with the same name or MAC (DOMAIN.md §9) */
  adopt?: boolean;
}

export interface MacctRepairOptions {
  hostname: string;
  dryRun: boolean;
}

/** What GET /internal/operations/:id returns inside `data`. */
export interface OperationView {
  id: string;
  type: 'provision_host' | 'macct_repair';
  action: string;
  targetHost: string;
  hostId: string | null;
  school: string;
  options: ProvisionOptions | MacctRepairOptions;
  status: import('./statuses').OperationStatus;
  attempt: number;
  maxAttempts: number;
  result: unknown;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Body of PATCH /internal/operations/:id/status. */
export interface StatusReport {
  status: import('./statuses').OperationStatus;
  result?: Record<string, unknown>;
  error?: string;
  attempt?: number;
}
