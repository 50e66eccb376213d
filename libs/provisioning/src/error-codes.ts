/**
 * Stable error codes. API errors are `{error: {code, message, details?}}` (DOMAIN.md §7); worker
 * failures put one of the job codes at the start of Operation.error and in result.code.
 */
export const API_ERROR_CODES = [
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'DUPLICATE_ENTRY',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PROVISIONING_DISABLED',
  'INVALID_TRANSITION',
  'RETRY_NOT_ALLOWED',
  'RETRY_LIMIT_REACHED',
  'IN_USE',
  /** a hostname that exists in several schools, named without ?school= */
  'AMBIGUOUS_HOSTNAME',
  /** devices.csv column 0 cannot be written for the host in its school (csvCol0Source) */
  'COL0_INVALID',
  /** the host's name on the DC (`S-hostname` in a non-default school) is longer than NetBIOS allows */
  'DC_NAME_TOO_LONG',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_ERROR',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** Why the merge (libs/csv-merge planBatch) refuses one job of a batch (DOMAIN.md §9 steps 4–5). */
export const MERGE_FAILURE_CODES = [
  /** the job's line conflicts with another line (hostname, MAC after normalising, IP) */
  'CSV_CONFLICT',
  /** the job's own line fails the sophomorix rules */
  'CSV_INVALID_LINE',
  /** delete of a line we do not own */
  'NOT_OWNED',
] as const;
export type MergeFailureCode = (typeof MERGE_FAILURE_CODES)[number];

export const JOB_ERROR_CODES = [
  ...MERGE_FAILURE_CODES,
  /** a manual line in the master is invalid: nothing is imported */
  'CSV_MANUAL_LINE_INVALID',
  'MASTER_MISSING',
  /** `S-hostname` does not fit the NetBIOS limit (a host written before the API checked it) */
  'DC_NAME_TOO_LONG',
  'MASS_DELETE_REFUSED',
  'LOCK_TIMEOUT',
  'IMPORT_FAILED',
  'IMPORT_TIMEOUT',
  'VERIFY_FAILED',
  'MACCT_REPAIR_FAILED',
  'OPERATION_NOT_FOUND',
  'DEAD_LETTERED',
  'WORKER_ERROR',
] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];
