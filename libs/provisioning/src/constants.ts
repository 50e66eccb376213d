/** Redis names shared by the API (producer) and the DC worker (consumer), DOMAIN.md §8. */
export const JOBS_STREAM = 'linbo:jobs';
export const JOBS_GROUP = 'dc-workers';
export const JOBS_DLQ_STREAM = 'linbo:jobs:dlq';

/** Default bound on tries of one operation (DOMAIN.md §8). */
export const DEFAULT_MAX_ATTEMPTS = 3;

export const DEFAULT_SCHOOL = 'default-school';

/** Header the worker sends to the internal endpoints (DOMAIN.md §7). */
export const INTERNAL_KEY_HEADER = 'x-internal-key';
