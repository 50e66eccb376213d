/** Builders of batch jobs and delta files for the planBatch specs (plan.spec.ts, plan.properties.spec.ts). */
import { DELTA_HEADER, formatDeviceLine } from './device-line';
import type { BatchJob, DeviceRecord } from './types';

export const rec = (
  hostname: string,
  mac: string,
  ip: string | null,
  extra: Partial<DeviceRecord> = {},
): DeviceRecord => ({
  room: 'r101',
  hostname,
  config: 'win11',
  mac,
  ip,
  role: '',
  pxeFlag: 1,
  ...extra,
});
export const create = (id: string, r: DeviceRecord, more: Partial<BatchJob> = {}): BatchJob => ({
  id,
  action: 'create',
  record: r,
  ...more,
});
export const update = (id: string, r: DeviceRecord, more: Partial<BatchJob> = {}): BatchJob => ({
  id,
  action: 'update',
  record: r,
  ...more,
});
export const del = (id: string, r: DeviceRecord): BatchJob => ({ id, action: 'delete', record: r });
export const delta = (...records: DeviceRecord[]) =>
  [DELTA_HEADER, ...records.map((r) => formatDeviceLine(r))].join('\n') + '\n';
