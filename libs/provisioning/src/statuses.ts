/**
 * Operation and host provisioning statuses and the transitions allowed between them (DOMAIN.md §8).
 * Pure data and functions: the API enforces them on every status report, the worker uses them
 * to decide whether a job is still worth running.
 */
export const OPERATION_STATUSES = ['pending', 'running', 'completed', 'failed', 'retrying', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const PROVISION_STATUSES = ['pending', 'running', 'synced', 'failed'] as const;
export type ProvisionStatus = (typeof PROVISION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OperationStatus[] = ['completed', 'failed', 'cancelled'];

/**
 * Allowed moves. A repeated report of the current status is accepted as a no-op (idempotent
 * reports) and is not listed here. `completed` and `cancelled` are final; `failed` only moves on
 * through an explicit retry. A late `running` can therefore never overwrite a terminal status.
 */
const TRANSITIONS: Readonly<Record<OperationStatus, readonly OperationStatus[]>> = {
  pending: ['running', 'completed', 'failed', 'cancelled'],
  running: ['completed', 'failed', 'cancelled'],
  retrying: ['running', 'completed', 'failed', 'cancelled'],
  failed: ['retrying'],
  completed: [],
  cancelled: [],
};

export function isOperationStatus(value: unknown): value is OperationStatus {
  return typeof value === 'string' && (OPERATION_STATUSES as readonly string[]).includes(value);
}

export function isTerminal(status: OperationStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export type TransitionVerdict = 'apply' | 'noop' | 'reject';

/** What to do with a report that moves an operation from `from` to `to`. */
export function checkTransition(from: OperationStatus, to: OperationStatus): TransitionVerdict {
  if (from === to) return 'noop';
  return TRANSITIONS[from].includes(to) ? 'apply' : 'reject';
}

/** Whether a move into `to` starts a new try (the attempt counter is bumped once per try). */
export function startsAttempt(from: OperationStatus, to: OperationStatus): boolean {
  return to === 'running' && (from === 'pending' || from === 'retrying');
}

/**
 * The host's provisionStatus that follows from its current operation's status, or `undefined`
 * when the host keeps what it has. A dry-run job that completed leaves the host `pending`
 * (DOMAIN.md §7: nothing was written on the DC).
 */
export function hostStatusFor(status: OperationStatus, dryRun: boolean): ProvisionStatus | undefined {
  switch (status) {
    case 'pending':
    case 'retrying':
      return 'pending';
    case 'running':
      return dryRun ? 'pending' : 'running';
    case 'completed':
      return dryRun ? 'pending' : 'synced';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return undefined;
  }
}
