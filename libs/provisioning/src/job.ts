import { DEFAULT_SCHOOL } from './constants';

/** Operation types (DOMAIN.md §6). */
export const OPERATION_TYPES = ['provision_host', 'macct_repair'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

export const PROVISION_ACTIONS = ['create', 'update', 'delete'] as const;
export type ProvisionAction = (typeof PROVISION_ACTIONS)[number];
/** macct_repair operations carry this action. */
export const REPAIR_ACTION = 'repair';

/**
 * The slim routing payload on `linbo:jobs` (DOMAIN.md §8). Everything else (the host snapshot) is
 * fetched from the API with GET /internal/operations/:id, so a stale message can never carry
 * stale host data. Stream field values are strings.
 */
export interface JobPayload {
  type: OperationType;
  operation_id: string;
  action: ProvisionAction | typeof REPAIR_ACTION;
  school: string;
  attempt: number;
  /** macct_repair only: the host name to repair (DOMAIN.md §10) */
  host?: string;
}

/** Encodes a payload as the flat field list XADD takes. */
export function encodeJobPayload(job: JobPayload): string[] {
  const fields = [
    'type',
    job.type,
    'operation_id',
    job.operation_id,
    'action',
    job.action,
    'school',
    job.school,
    'attempt',
    String(job.attempt),
  ];
  if (job.host !== undefined) fields.push('host', job.host);
  return fields;
}

export class JobPayloadError extends Error {}

/** Decodes stream fields (as a record) into a payload; throws JobPayloadError on garbage. */
export function decodeJobPayload(fields: Record<string, string>): JobPayload {
  const type = fields.type;
  if (!(OPERATION_TYPES as readonly string[]).includes(type)) {
    throw new JobPayloadError(`unknown job type "${type ?? ''}"`);
  }
  const operationId = fields.operation_id;
  if (!operationId || !/^[0-9a-f-]{36}$/i.test(operationId)) {
    throw new JobPayloadError(`job has no valid operation_id ("${operationId ?? ''}")`);
  }
  const action = fields.action;
  const validAction =
    type === 'macct_repair' ? action === REPAIR_ACTION : (PROVISION_ACTIONS as readonly string[]).includes(action);
  if (!validAction) throw new JobPayloadError(`job ${operationId} has invalid action "${action ?? ''}"`);
  const attempt = Number.parseInt(fields.attempt ?? '0', 10);
  const job: JobPayload = {
    type: type as OperationType,
    operation_id: operationId,
    action: action as JobPayload['action'],
    school: fields.school || DEFAULT_SCHOOL,
    attempt: Number.isFinite(attempt) && attempt >= 0 ? attempt : 0,
  };
  if (fields.host !== undefined) job.host = fields.host;
  return job;
}

/** Turns XREADGROUP's flat [k, v, k, v] list into a record. */
export function fieldsToRecord(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}
