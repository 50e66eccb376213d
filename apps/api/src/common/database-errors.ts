import { Prisma } from '../generated/prisma/client';

/**
 * Prisma codes of a database that is down or overloaded (not of bad data): P1001 cannot reach,
 * P1002 timed out, P1008 operation timed out, P1017 server closed the connection, P2024 no pool
 * connection in time, P2034 write conflict / deadlock — all worth a retry later.
 */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2034']);

/**
 * PostgreSQL SQLSTATE classes and codes with the same meaning when they arrive through the driver
 * adapter: 08 connection exception, 53 insufficient resources, 57P01–57P03 shutdown / cannot
 * connect now, 40001 serialization failure, 40P01 deadlock.
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[123]$|40001$|40P01$)/;

/** Adapter error kinds (@prisma/driver-adapter-utils) of a lost or refused connection. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

/** True when `err` says the database cannot serve the request right now (→ 503, the caller retries). */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (UNAVAILABLE_CODES.has(err.code)) return true;
  const cause = (err.meta as { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } })
    ?.driverAdapterError?.cause;
  if (typeof cause?.kind === 'string' && UNAVAILABLE_KINDS.has(cause.kind)) return true;
  return typeof cause?.originalCode === 'string' && UNAVAILABLE_SQLSTATE.test(cause.originalCode);
}
