import type { MacctRepairOptions, OperationView, ProvisionOptions } from '@app/provisioning';

import type { Operation } from '../generated/prisma/client';

/** OperationView of @app/provisioning plus the lifecycle timestamps (public routes and the worker). */
export interface OperationViewWithTimes extends OperationView {
  publishedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export function toOperationView(op: Operation): OperationViewWithTimes {
  return {
    id: op.id,
    type: op.type,
    action: op.action,
    targetHost: op.targetHost,
    hostId: op.hostId,
    school: op.school,
    options: op.options as unknown as ProvisionOptions | MacctRepairOptions,
    status: op.status,
    attempt: op.attempt,
    maxAttempts: op.maxAttempts,
    result: op.result ?? null,
    error: op.error,
    createdAt: op.createdAt.toISOString(),
    updatedAt: op.updatedAt.toISOString(),
    publishedAt: op.publishedAt?.toISOString() ?? null,
    startedAt: op.startedAt?.toISOString() ?? null,
    completedAt: op.completedAt?.toISOString() ?? null,
  };
}
