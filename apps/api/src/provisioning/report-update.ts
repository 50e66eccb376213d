import type { OperationStatus } from '@app/provisioning';
import type { Operation, Prisma } from '../generated/prisma/client';

/**
 * What one worker status report writes to its operation (planReport). A valid Prisma update, and
 * plain enough to be applied in memory: the bulk route folds several reports of one operation
 * before it writes the row once.
 */
export interface ReportUpdate {
  status: OperationStatus;
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
export function applyReportUpdate(op: Operation, data: ReportUpdate): Operation {
  const { attempt, result, ...fields } = data;
  return {
    ...op,
    ...fields,
    attempt: attempt ? op.attempt + attempt.increment : op.attempt,
    result: result === undefined ? op.result : asStoredJson(result),
    updatedAt: new Date(),
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
