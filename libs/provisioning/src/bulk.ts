import type { ApiErrorCode } from './error-codes';
import type { OperationView, StatusReport } from './snapshot';

/**
 * The bulk internal routes (docs/API.md "Internal routes"): the worker fetches and reports a whole
 * batch in one request each instead of one request per job. Same rules as the single routes.
 */

/** Most ids / reports one bulk request may carry (a worker batch is far smaller). */
export const BULK_MAX_ITEMS = 500;

/** Body of POST /internal/operations/query; answer `{data: OperationView[]}` in this order, unknown ids left out. */
export interface OperationQuery {
  ids: string[];
}

/** One item of PATCH /internal/operations/status: the single PATCH body plus the operation's id. */
export interface BulkStatusReport extends StatusReport {
  id: string;
}

/** Body of PATCH /internal/operations/status. */
export interface BulkStatusRequest {
  reports: BulkStatusReport[];
}

/**
 * What happened to one report (same position as in the request):
 * - `stored`: applied, or an idempotent repeat / a late `running` after a terminal status
 *   (`changed: false`; `operation` shows the real status);
 * - `rejected`: an illegal move (409 of the single route: INVALID_TRANSITION, RETRY_LIMIT_REACHED),
 *   `operation` as it is;
 * - `not_found`: no such operation.
 */
export type BulkReportOutcome =
  | { id: string; outcome: 'stored'; changed: boolean; operation: OperationView }
  | { id: string; outcome: 'rejected'; operation?: OperationView; error: { code: ApiErrorCode; message: string } }
  | { id: string; outcome: 'not_found'; error: { code: ApiErrorCode; message: string } };

/** How a status report (single or bulk item) ended once the API answered for good. */
export type ReportOutcome = BulkReportOutcome['outcome'];

/**
 * `data` of POST /internal/operations/:id/retry (the worker, after a transient failure, DOMAIN.md §8):
 * another try queued, past the bound dead-lettered, or cancelled because a newer change is queued.
 */
export type WorkerRetryOutcome =
  | { retried: true; attempt: number }
  | { retried: false; deadLettered: true; attempt: number }
  | { retried: false; superseded: true; supersededBy: string };

/**
 * Why the worker ACKs a job without reporting a status for it (DOMAIN.md §9 step 3): there is
 * nothing left for the API to change.
 */
export type SkipReason =
  /** the same operation appears again later in the batch; that entry stands for it */
  | 'DUPLICATE_ENTRY'
  /** the API does not know the operation */
  | 'OPERATION_NOT_FOUND'
  /** the operation is completed, failed or cancelled already */
  | 'ALREADY_TERMINAL'
  /** the API did not take `running` (superseded or finished meanwhile) */
  | 'RUNNING_REFUSED';
