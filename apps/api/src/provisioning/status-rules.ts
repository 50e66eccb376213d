import {
  ApiErrorCode,
  checkTransition,
  hostStatusFor,
  isTerminal,
  OperationStatus,
  ProvisionStatus,
  startsAttempt,
  StatusReport,
  WorkerRetryOutcome,
} from '@app/provisioning';

import type { Operation, OperationType, Prisma } from '../generated/prisma/client';
import type { OperationUpdate } from './operation-update';

/**
 * The rules of an operation's lifecycle (DOMAIN.md §8) as pure functions of the rows read under
 * their locks: what a status report, a user's retry or a worker's retry writes, or why it is
 * refused. No I/O; OperationStatusService reads, locks and writes around them.
 */

/** Why a change is refused: the 4xx of the single routes, the outcome of a bulk report. */
export interface Refusal {
  status: 404 | 409;
  code: ApiErrorCode;
  message: string;
  details?: unknown;
}

/** A planned change: write this update, keep the row as it is (idempotent), or refuse. */
export type Plan = { kind: 'write'; update: OperationUpdate } | { kind: 'keep' } | { kind: 'refuse'; refusal: Refusal };

/** A worker's retry: the plan plus what the route answers; `deadLetter`: XADD the job of try `tries` to the DLQ first. */
export type WorkerRetryPlan =
  | { kind: 'keep'; outcome: WorkerRetryOutcome }
  | { kind: 'refuse'; refusal: Refusal }
  | { kind: 'write'; update: OperationUpdate; outcome: WorkerRetryOutcome; deadLetter?: DeadLetter };

/** The job of the try that ended (`tries` of them) goes to the dead-letter stream with `reason`. */
export interface DeadLetter {
  tries: number;
  reason: string;
}

/** The provisioning state of a host, read under its lock. */
export interface HostState {
  provisionOpId: string | null;
  provisionStatus: ProvisionStatus | null;
}

export interface HostChange {
  provisionStatus: ProvisionStatus;
  provisionError: string | null;
}

const write = (update: OperationUpdate) => ({ kind: 'write' as const, update });
const refuse = (status: 404 | 409, code: ApiErrorCode, message: string, details?: unknown) => ({
  kind: 'refuse' as const,
  refusal: details === undefined ? { status, code, message } : { status, code, message, details },
});

/**
 * A worker's status report (PATCH /internal/operations/:id/status and its bulk form). Idempotent:
 * a repeat of the current status, or a late `running` after a terminal status (a redelivered
 * message), keeps the row; any other illegal move is INVALID_TRANSITION. `report.attempt` is
 * informational: the API counts tries itself, once per try.
 */
export function planReport(op: Operation, report: StatusReport, now = new Date()): Plan {
  const { id, status: from } = op;
  const to = report.status;
  const verdict = checkTransition(from, to);
  if (verdict === 'noop' || (verdict === 'reject' && to === 'running' && isTerminal(from))) return { kind: 'keep' };
  if (verdict === 'reject') {
    return refuse(409, 'INVALID_TRANSITION', `operation ${id} cannot move from ${from} to ${to}`, { from, to });
  }
  const data: OperationUpdate = { status: to };
  if (countsAttempt(from, to)) data.attempt = { increment: 1 };
  if (startsAttempt(from, to)) data.startedAt = now;
  if (isTerminal(to)) data.completedAt = now;
  if (report.result !== undefined) data.result = report.result as Prisma.InputJsonValue;
  if (to === 'failed') data.error = report.error?.trim() || 'the worker reported a failure without a message';
  if (to === 'completed') data.error = null;
  if (to === 'retrying') {
    // failed → retrying by report is a retry like any other: bounded, and published again
    if (op.attempt >= op.maxAttempts) {
      return refuse(
        409,
        'RETRY_LIMIT_REACHED',
        `operation ${id} already had ${op.attempt} of ${op.maxAttempts} attempts`,
      );
    }
    Object.assign(data, { publishedAt: null, streamId: null, completedAt: null });
  }
  return write(data);
}

/** A try ended without a `running` report (pending/retrying → completed/failed) still counts once. */
export function countsAttempt(from: OperationStatus, to: OperationStatus): boolean {
  return (
    startsAttempt(from, to) || ((from === 'pending' || from === 'retrying') && (to === 'completed' || to === 'failed'))
  );
}

/**
 * A user's retry (POST /operations/provision/:id/retry, /operations/macct/:id/retry): only a
 * failed operation of that type with tries left that (provisioning) is still the host's latest
 * change — retrying an older one would put stale data on the DC. `newer` is the first
 * provisioning operation queued after it for the same host or name.
 */
export function planUserRetry(
  op: Operation,
  type: OperationType,
  newer: Operation | null,
): Exclude<Plan, { kind: 'keep' }> {
  const { id } = op;
  if (op.type !== type) {
    const what = type === 'macct_repair' ? 'machine-account repair' : 'provisioning';
    return refuse(404, 'NOT_FOUND', `${what} operation ${id} not found`);
  }
  if (op.status !== 'failed') {
    return refuse(409, 'RETRY_NOT_ALLOWED', `only failed operations can be retried; ${id} is ${op.status}`);
  }
  if (op.attempt >= op.maxAttempts) {
    return refuse(
      409,
      'RETRY_LIMIT_REACHED',
      `operation ${id} already had ${op.attempt} of ${op.maxAttempts} attempts; queue a new one with POST /operations/provision`,
    );
  }
  if (op.type === 'provision_host' && newer) {
    return refuse(
      409,
      'RETRY_NOT_ALLOWED',
      `operation ${id} was superseded by operation ${newer.id} for host ${newer.targetHost}; retrying it would put stale data on the DC`,
    );
  }
  return write({ status: 'retrying', publishedAt: null, streamId: null, completedAt: null });
}

/**
 * A worker's retry after a transient failure (POST /internal/operations/:id/retry). With tries
 * left the operation goes to `retrying` (published again through the outbox); past the bound it
 * fails as dead-lettered with "gave up after N attempts: <last error>". A try that ended without
 * a `running` report is counted here. A repeat answers the same outcome and changes nothing; a
 * provisioning operation with a newer change of its host queued is cancelled instead.
 */
export function planWorkerRetry(
  op: Operation,
  newer: Operation | null,
  lastError: string | undefined,
  now = new Date(),
): WorkerRetryPlan {
  const { id } = op;
  if (op.status === 'retrying') return { kind: 'keep', outcome: { retried: true, attempt: op.attempt } };
  if (op.status === 'failed' && isDeadLettered(op)) {
    return { kind: 'keep', outcome: { retried: false, deadLettered: true, attempt: op.attempt } };
  }
  if (op.status === 'completed' || op.status === 'cancelled') {
    return refuse(409, 'RETRY_NOT_ALLOWED', `operation ${id} is ${op.status}; nothing to retry`);
  }
  if (op.type === 'provision_host' && newer) {
    // a newer change of the host is queued: this try must not run again (DOMAIN.md §8)
    return {
      kind: 'write',
      update: { status: 'cancelled', completedAt: now, error: `superseded by operation ${newer.id}; not retried` },
      outcome: { retried: false, superseded: true, supersededBy: newer.id },
    };
  }
  const counted = op.status === 'pending';
  const tries = counted ? op.attempt + 1 : op.attempt;
  const attempt = counted ? { attempt: { increment: 1 } as const } : {};
  const error = lastError?.trim() || op.error || 'unknown error';
  if (tries < op.maxAttempts) {
    return {
      kind: 'write',
      update: { status: 'retrying', ...attempt, error, publishedAt: null, streamId: null, completedAt: null },
      outcome: { retried: true, attempt: tries },
    };
  }
  const message = `gave up after ${tries} attempts: ${error}`;
  const result = { ...(asObject(op.result) ?? {}), code: 'DEAD_LETTERED', deadLettered: true };
  return {
    kind: 'write',
    update: { status: 'failed', ...attempt, error: message, completedAt: now, result: result as Prisma.InputJsonValue },
    outcome: { retried: false, deadLettered: true, attempt: tries },
    deadLetter: { tries, reason: message },
  };
}

/** What `op` (just changed) does to its host: nothing unless it is the host's provisionOpId (DOMAIN.md §8). */
export function hostChangeBy(op: Operation, host: HostState): HostChange | undefined {
  if (host.provisionOpId !== op.id) return undefined;
  const dryRun = (op.options as { dryRun?: unknown } | null)?.dryRun === true;
  const next = hostStatusFor(op.status, dryRun);
  if (next === undefined) return undefined;
  return { provisionStatus: next, provisionError: op.status === 'failed' ? op.error : null };
}

function isDeadLettered(op: Operation): boolean {
  return asObject(op.result)?.deadLettered === true;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
