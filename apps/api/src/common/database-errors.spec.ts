import { Prisma } from '../generated/prisma/client';
import { isDatabaseUnavailable } from './database-errors';

function known(code: string, cause?: Record<string, unknown>): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError('failed', {
    code,
    clientVersion: '7',
    meta: cause ? { driverAdapterError: { name: 'DriverAdapterError', cause } } : undefined,
  });
}

describe('isDatabaseUnavailable (503 and a retry, not 500)', () => {
  it.each([
    ['P1001 cannot reach the server', known('P1001', { kind: 'DatabaseNotReachable' })],
    ['P1017 server closed the connection', known('P1017')],
    ['P2024 pool timeout', known('P2024')],
    ['a closed connection from the adapter', known('P2010', { kind: 'ConnectionClosed' })],
    ['PostgreSQL admin shutdown (57P01)', known('P2010', { kind: 'postgres', originalCode: '57P01' })],
    ['a connection exception (08006)', known('P2010', { kind: 'postgres', originalCode: '08006' })],
    ['a deadlock (40P01)', known('P2010', { kind: 'postgres', originalCode: '40P01' })],
  ])('true for %s', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', known('P2002', { kind: 'UniqueConstraintViolation' })],
    ['a record not found', known('P2025')],
    ['a check violation (23514)', known('P2010', { kind: 'postgres', originalCode: '23514' })],
    ['a programming error', new TypeError('x is undefined')],
    ['a non-error', 'boom'],
  ])('false for %s', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
