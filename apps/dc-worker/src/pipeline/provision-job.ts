import { BatchJob, DeviceRecord, normalizeMac } from '@app/csv-merge';
import { OperationView, ProvisionAction, ProvisionOptions } from '@app/provisioning';

import { QueuedJob } from '../consumer/stream-consumer';

/** A job with the operation the API holds for it. */
export interface ProvisionJob {
  job: QueuedJob;
  op: OperationView;
  options: ProvisionOptions;
  action: ProvisionAction;
}

export function recordOf(o: ProvisionOptions): DeviceRecord {
  return {
    room: o.room,
    hostname: o.hostname,
    config: o.config,
    mac: o.macAddress,
    ip: o.ipAddress,
    role: o.role,
    pxeFlag: o.pxeFlag,
  };
}

/** The job as the merge library takes it (DOMAIN.md §9 steps 4–5). */
export function batchJobOf(j: ProvisionJob): BatchJob {
  return {
    id: j.op.id,
    action: j.action,
    record: recordOf(j.options),
    ...(j.options.oldHostname ? { oldHostname: j.options.oldHostname } : {}),
    ...(j.options.adopt ? { adopt: true } : {}),
  };
}

/** Host identities of jobs (lower-cased names and old names, normalised MACs, IPs). */
export function identityKeys(jobs: ProvisionJob[]): Set<string> {
  const keys = new Set<string>();
  for (const j of jobs) {
    keys.add(`name:${j.options.hostname.toLowerCase()}`);
    if (j.options.oldHostname) keys.add(`name:${j.options.oldHostname.toLowerCase()}`);
    const mac = normalizeMac(j.options.macAddress);
    if (mac) keys.add(`mac:${mac}`);
    if (j.options.ipAddress) keys.add(`ip:${j.options.ipAddress}`);
  }
  return keys;
}
