import type { ProvisionStatus } from '@app/provisioning';

import type { JobEventData } from '../events/event-types';
import type { Operation } from '../generated/prisma/client';

/** `data` of a provision.job.* event (DOMAIN.md §7). */
export function jobEventData(op: Operation, provisionStatus: ProvisionStatus | null): JobEventData {
  const data: JobEventData = {
    operationId: op.id,
    hostId: op.hostId,
    hostname: op.targetHost,
    action: op.action,
    status: op.status,
    provisionStatus,
  };
  // the error of an earlier try is not news on a `running` event
  if (op.error && (op.status === 'failed' || op.status === 'cancelled' || op.status === 'retrying'))
    data.error = op.error;
  return data;
}
