import {
  dcNameOverflow,
  isTerminal,
  NETBIOS_NAME_MAX,
  OperationView,
  PROVISION_ACTIONS,
  ProvisionAction,
  ProvisionOptions,
} from '@app/provisioning';

import { QueuedJob } from '../consumer/stream-consumer';
import { failed, Skip, TerminalVerdict } from '../report/job-reporter';
import { ProvisionJob } from './provision-job';

/** A batch sorted by its operations (DOMAIN.md §9 step 3), nothing reported yet. */
export interface Intake {
  /** provision jobs to run, coalesced per host, in stream order */
  jobs: ProvisionJob[];
  /** entries to ACK without a status change */
  skips: Array<[QueuedJob, Skip]>;
  /** verdicts settled before running: not a provision job, then superseded within the batch */
  early: Array<[QueuedJob, TerminalVerdict]>;
}

/**
 * Why a job needs no status change, or null when its operation is still open: the API does not
 * know it, or it is finished already. Shared by the provision batch and the macct repair.
 */
export function skipOf(op: OperationView | null | undefined): Skip | null {
  if (!op)
    return { reason: 'OPERATION_NOT_FOUND', message: 'OPERATION_NOT_FOUND: the API does not know this operation' };
  if (isTerminal(op.status)) return { reason: 'ALREADY_TERMINAL', message: `operation already ${op.status}` };
  return null;
}

/** The skip of a job whose `running` the API did not take. */
export const RUNNING_REFUSED: Skip = {
  reason: 'RUNNING_REFUSED',
  message: 'API refused running (superseded or finished)',
};

/**
 * Intake (pure): classify every entry by its operation (`views`, by operation id), then coalesce
 * the provision jobs per host — the newest job wins (DOMAIN.md §8: a stale job never overwrites
 * newer data).
 */
export function intake(batch: QueuedJob[], views: Map<string, OperationView>): Intake {
  const sorted = classify(batch, views);
  const { jobs, superseded } = coalesce(sorted.jobs);
  return { jobs, skips: sorted.skips, early: [...sorted.unfit, ...superseded] };
}

function classify(
  batch: QueuedJob[],
  views: Map<string, OperationView>,
): { jobs: ProvisionJob[]; skips: Array<[QueuedJob, Skip]>; unfit: Array<[QueuedJob, TerminalVerdict]> } {
  // the same operation twice in a batch (a republished entry next to its first one): the later
  // entry stands for it, the earlier one is ACKed as a duplicate — never two verdicts for one operation
  const lastEntry = new Map(batch.map((j) => [j.payload.operation_id, j]));
  const jobs: ProvisionJob[] = [];
  const skips: Array<[QueuedJob, Skip]> = [];
  const unfit: Array<[QueuedJob, TerminalVerdict]> = [];
  for (const job of batch) {
    const opId = job.payload.operation_id;
    const op = views.get(opId);
    if (lastEntry.get(opId) !== job) {
      const message = `duplicate entry of operation ${opId}; a later entry of this batch stands for it`;
      skips.push([job, { reason: 'DUPLICATE_ENTRY', message }]);
      continue;
    }
    const skip = skipOf(op);
    if (skip || !op) {
      if (skip) skips.push([job, skip]);
      continue;
    }
    const action = job.payload.action;
    if (op.type !== 'provision_host' || !isProvisionAction(action)) {
      unfit.push([job, failed('WORKER_ERROR', `operation ${opId} is ${op.type}/${op.action}, not a provision job`)]);
      continue;
    }
    const options = op.options as ProvisionOptions;
    if (!options || typeof options.hostname !== 'string' || typeof options.macAddress !== 'string') {
      unfit.push([job, failed('WORKER_ERROR', `operation ${opId} has no host snapshot in its options`)]);
      continue;
    }
    // the operation's own action is authoritative; the payload only routes
    const actual = isProvisionAction(op.action) ? op.action : action;
    // the API refuses such names; a host written before that rule must fail here, before the file
    // is touched: sophomorix cannot make the account, and the whole school's import would stop on it
    const overflow = actual === 'delete' ? null : dcNameOverflow(job.payload.school, options.hostname);
    if (overflow) {
      const message = `the name on the DC ${overflow.name} has ${overflow.length} characters; AD allows ${NETBIOS_NAME_MAX} (rename the host)`;
      unfit.push([job, failed('DC_NAME_TOO_LONG', message)]);
      continue;
    }
    jobs.push({ job, op, options, action: actual });
  }
  return { jobs, skips, unfit };
}

function isProvisionAction(action: string): action is ProvisionAction {
  return (PROVISION_ACTIONS as readonly string[]).includes(action);
}

/**
 * Jobs of one host (by host id, else name) collapse into the newest. A rename carried by an
 * older job is kept (the DC still knows the first name). A delete after a rename is not
 * collapsed: the delete's snapshot does not know the old name, so both run in order.
 */
function coalesce(jobs: ProvisionJob[]): { jobs: ProvisionJob[]; superseded: Array<[QueuedJob, TerminalVerdict]> } {
  const groups = new Map<string, ProvisionJob[]>();
  for (const j of jobs) {
    const key = j.options.hostId ?? `name:${j.options.hostname.toLowerCase()}`;
    groups.set(key, [...(groups.get(key) ?? []), j]);
  }
  const kept = new Map<ProvisionJob, ProvisionJob>();
  const superseded: Array<[QueuedJob, TerminalVerdict]> = [];
  for (const group of groups.values()) {
    const newest = group[group.length - 1];
    if (group.length === 1) {
      kept.set(newest, newest);
      continue;
    }
    const renamed = group.some((j) => j.options.oldHostname && j.options.oldHostname !== j.options.hostname);
    if (newest.action === 'delete' && renamed) {
      group.forEach((j) => kept.set(j, j));
      continue;
    }
    const firstName = group[0].options.oldHostname ?? group[0].options.hostname;
    const keepsRename = firstName.toLowerCase() !== newest.options.hostname.toLowerCase() && newest.action !== 'delete';
    kept.set(newest, {
      ...newest,
      options: keepsRename ? { ...newest.options, oldHostname: firstName } : newest.options,
      // the DC never saw the create; the update's snapshot is the whole host
      action: newest.action === 'update' && group[0].action === 'create' ? 'create' : newest.action,
    });
    for (const older of group.slice(0, -1)) {
      superseded.push([
        older.job,
        {
          status: 'cancelled',
          message: `superseded by operation ${newest.op.id} in the same batch`,
          result: { supersededBy: newest.op.id },
        },
      ]);
    }
  }
  return { jobs: jobs.flatMap((j) => kept.get(j) ?? []), superseded };
}
