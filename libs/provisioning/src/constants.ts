/** Redis names shared by the API (producer) and the DC worker (consumer), DOMAIN.md §8. */
export const JOBS_STREAM = 'linbo:jobs';
export const JOBS_GROUP = 'dc-workers';
/** The DC of a single-school installation (migration 20261203080000_schools_and_dcs). */
export const DEFAULT_DC = 'default';
/**
 * Each DC's jobs go to its own stream (docs/OPERATIONS.md "A school authority"): a worker
 * reads only its DC's key, so a Redis ACL can confine it to that key. `linbo:jobs` itself was the
 * single stream before DCs existed.
 */
export function jobsStreamOf(dcId: string): string {
  return `${JOBS_STREAM}:${dcId}`;
}
export const DEFAULT_JOBS_STREAM = jobsStreamOf(DEFAULT_DC);
export const JOBS_DLQ_STREAM = 'linbo:jobs:dlq';

/** Default bound on tries of one operation (DOMAIN.md §8). */
export const DEFAULT_MAX_ATTEMPTS = 3;

export const DEFAULT_SCHOOL = 'default-school';

/** Header the worker sends to the internal endpoints (DOMAIN.md §7). */
export const INTERNAL_KEY_HEADER = 'x-internal-key';
