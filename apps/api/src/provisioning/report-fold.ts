import type { BulkStatusReport, ProvisionStatus } from '@app/provisioning';

import type { Operation } from '../generated/prisma/client';
import { applyOperationUpdate, OperationUpdate } from './operation-update';
import { HostChange, hostChangeBy, HostState, planReport, Refusal } from './status-rules';

/**
 * Planned changes folded in memory over the rows read under their locks, so that a batch of
 * changes is written with a constant number of statements whatever its size. Every change goes
 * this way: a bulk status report, a single one (a batch of one) and the retries. Pure.
 */

/** The operations (by id) and their hosts' provisioning state (by host id), as read under the locks. */
export interface LockedRows {
  ops: Map<string, Operation>;
  hosts: Map<string, HostState>;
}

/** A change of an operation and the host's provisionStatus after it (null: no host), for the events. */
export interface Change {
  op: Operation;
  provisionStatus: ProvisionStatus | null;
}

/** What happened to one report, with the operation as a row. */
export type Verdict =
  | { id: string; outcome: 'not_found'; message: string }
  | { id: string; outcome: 'rejected'; op: Operation; refusal: Refusal }
  | { id: string; outcome: 'stored'; changed: boolean; op: Operation };

export interface HostWrite extends HostChange {
  updatedAt: Date;
}

/** A folded batch: what to answer, what to emit, and the last state of every row to write. */
export interface FoldedBatch {
  verdicts: Verdict[];
  changes: Change[];
  /** the last state of every changed operation, by id */
  operations: Map<string, Operation>;
  /** the last state of every changed host, by id */
  hosts: Map<string, HostWrite>;
}

export function emptyBatch(): FoldedBatch {
  return { verdicts: [], changes: [], operations: new Map(), hosts: new Map() };
}

/**
 * Applies the reports in request order to in-memory copies of the locked rows, exactly as they
 * would be applied one after the other: each report sees the state the ones before it left. A
 * report of an unknown operation or an illegal move becomes its verdict and writes nothing.
 */
export function foldReports(reports: BulkStatusReport[], locked: LockedRows): FoldedBatch {
  const batch = emptyBatch();
  const state = copyState(locked);
  for (const { id: given, ...report } of reports) {
    const op = state.ops.get(given.toLowerCase());
    if (!op) {
      batch.verdicts.push({ id: given, outcome: 'not_found', message: `operation ${given.toLowerCase()} not found` });
      continue;
    }
    const plan = planReport(op, report);
    if (plan.kind === 'refuse') {
      batch.verdicts.push({ id: given, outcome: 'rejected', op, refusal: plan.refusal });
    } else if (plan.kind === 'keep') {
      batch.verdicts.push({ id: given, outcome: 'stored', changed: false, op });
    } else {
      const updated = foldUpdate(batch, state, op, plan.update);
      batch.verdicts.push({ id: given, outcome: 'stored', changed: true, op: updated });
    }
  }
  return batch;
}

/** One change folded: `op` updated in `state` and `batch`, its host's new state if it is the host's operation. */
export function foldUpdate(batch: FoldedBatch, state: LockedRows, op: Operation, update: OperationUpdate): Operation {
  const now = new Date();
  const updated = applyOperationUpdate(op, update, now);
  state.ops.set(updated.id, updated);
  batch.operations.set(updated.id, updated);
  batch.changes.push({ op: updated, provisionStatus: foldIntoHost(batch, state, updated, now) });
  return updated;
}

/** Fresh copies of the locked rows for a fold to change (the rows as read stay as they were). */
export function copyState(locked: LockedRows): LockedRows {
  return {
    ops: new Map(locked.ops),
    hosts: new Map([...locked.hosts].map(([id, host]) => [id, { ...host }])),
  };
}

/** The host's provisionStatus after `op` changed (null when it has none or it is gone). */
function foldIntoHost(batch: FoldedBatch, state: LockedRows, op: Operation, now: Date): ProvisionStatus | null {
  if (!op.hostId) return null;
  const host = state.hosts.get(op.hostId);
  if (!host) return null;
  const change = hostChangeBy(op, host);
  if (!change) return host.provisionStatus;
  host.provisionStatus = change.provisionStatus;
  batch.hosts.set(op.hostId, { ...change, updatedAt: now });
  return change.provisionStatus;
}

/**
 * The verdicts and the changes of a written batch. An operation's last state is shown as the
 * database stored it (`stored`, read back); an intermediate one (a report followed by another of
 * the same operation) as folded.
 */
export function settle(batch: FoldedBatch, stored: Map<string, Operation>): Pick<FoldedBatch, 'verdicts' | 'changes'> {
  const row = (op: Operation) => (batch.operations.get(op.id) === op ? (stored.get(op.id) ?? op) : op);
  return {
    verdicts: batch.verdicts.map((v) => (v.outcome === 'not_found' ? v : { ...v, op: row(v.op) })),
    changes: batch.changes.map((c) => ({ ...c, op: row(c.op) })),
  };
}
