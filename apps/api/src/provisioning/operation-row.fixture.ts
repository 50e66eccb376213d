import type { Operation } from '../generated/prisma/client';

export const OP_ID = '11111111-1111-4111-8111-111111111111';
export const HOST_ID = '22222222-2222-4222-8222-222222222222';

/** An operation row as Prisma reads it, for the pure specs (no database). */
export function operationRow(partial: Partial<Operation> = {}): Operation {
  return {
    id: OP_ID,
    type: 'provision_host',
    action: 'update',
    targetHost: 'pc1',
    hostId: HOST_ID,
    school: 'default-school',
    dcId: 'default',
    options: { hostname: 'pc1', dryRun: false },
    status: 'pending',
    attempt: 0,
    maxAttempts: 3,
    result: null,
    error: null,
    publishedAt: null,
    streamId: null,
    createdAt: new Date('2026-01-01T10:00:00.000Z'),
    updatedAt: new Date('2026-01-01T10:00:00.000Z'),
    startedAt: null,
    completedAt: null,
    seq: 1n,
    ...partial,
  };
}
