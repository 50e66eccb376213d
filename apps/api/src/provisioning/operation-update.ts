import type { OperationStatus } from '@app/provisioning';

import type { Operation, Prisma } from '../generated/prisma/client';

/**
 * What one planned change writes to its operation (status-rules.ts): a status report, a user's
 * retry, a worker's retry. Plain enough to be applied in memory: the reports of a batch are folded
 * over the locked rows before each row is written once (report-fold.ts).
 */
export interface OperationUpdate {
  status: OperationStatus;
  /** the try is counted from the row as read under its lock */
  attempt?: { increment: 1 };
  startedAt?: Date;
  completedAt?: Date | null;
  result?: Prisma.InputJsonValue;
  error?: string | null;
  publishedAt?: null;
  streamId?: null;
}

/**
 * The row `tx.operation.update({ data })` would return: the attempt counted from the row as read
 * (under its lock), the result as PostgreSQL stores it, updatedAt stamped like Prisma's @updatedAt.
 */
export function applyOperationUpdate(op: Operation, data: OperationUpdate, now = new Date()): Operation {
  const { attempt, result, ...fields } = data;
  return {
    ...op,
    ...fields,
    attempt: attempt ? op.attempt + attempt.increment : op.attempt,
    result: result === undefined ? op.result : asStoredJson(result),
    updatedAt: now,
  };
}

/**
 * A JSON value with its object keys in jsonb's order (shorter keys first, then by bytes), so an
 * operation shown from memory reads exactly like the same row read back from the database.
 */
export function asStoredJson(value: Prisma.InputJsonValue): Prisma.JsonValue {
  if (Array.isArray(value)) return value.map((item) => (item === null ? null : asStoredJson(item)));
  if (value === null || typeof value !== 'object') return value as Prisma.JsonValue;
  const entries = Object.entries(value as Record<string, Prisma.InputJsonValue | null | undefined>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => jsonbKeyOrder(a, b));
  return Object.fromEntries(entries.map(([key, item]) => [key, item === null ? null : asStoredJson(item!)]));
}

function jsonbKeyOrder(a: string, b: string): number {
  const bytesA = Buffer.from(a);
  const bytesB = Buffer.from(b);
  return bytesA.length - bytesB.length || Buffer.compare(bytesA, bytesB);
}
