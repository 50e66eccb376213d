import { WorkerLogger } from '../logging/worker-logger';
import { ReportAbortedError } from '../report/api-transport';
import { identityKeys, ProvisionJob } from './provision-job';

/**
 * The order of the overlapping batches (DOMAIN.md §9 step 9): each batch's report runs behind the
 * caller's back after its verification, while the next batch may fetch, lock and import; the
 * reports are chained so at most one is in flight and they are stored in batch order, and a new
 * batch starts only once the batch before the last one has reported. A batch sharing a host (name,
 * old name, MAC or IP) with the batch still being verified waits for that verification before it
 * takes the lock: its import would change what is being checked. Pure promise bookkeeping.
 */
export class ReportChain {
  /** the report of every batch appended so far */
  private reporting: Promise<void> = Promise.resolve();
  /** the chain up to the batch before the last one */
  private reportedBeforeLast: Promise<void> = Promise.resolve();
  private aborted: ReportAbortedError | null = null;
  /** the last imported batch's verification while it runs */
  private verifying: { keys: Set<string>; done: Promise<void> } | null = null;

  /** Back-pressure for a new batch: false when a report was abandoned at shutdown (start nothing). */
  async admit(): Promise<boolean> {
    await this.reportedBeforeLast;
    return this.aborted === null;
  }

  /** The same for the look-ahead: the next batch's jobs are not made `running` any earlier either. */
  async admitAhead(): Promise<boolean> {
    await this.reporting;
    return this.aborted === null;
  }

  /** Resolves once the verification of the last imported batch is done if it shares a host with `jobs`. */
  async overlapping(jobs: ProvisionJob[], log: WorkerLogger): Promise<void> {
    const verifying = this.verifying;
    if (!verifying) return;
    const shared = [...identityKeys(jobs)].filter((k) => verifying.keys.has(k));
    if (shared.length === 0) return;
    log.info({ shared: shared.slice(0, 5) }, "waiting for the previous batch's verification (shared hosts)");
    await verifying.done;
  }

  /**
   * Appends a batch: `verdicts` (never rejects; `verified` are the jobs it verifies, when it
   * verifies any) is handed to `report` after every earlier report. A report abandoned at shutdown
   * stops the chain (drain throws it); any other failure is logged and the chain goes on — the
   * jobs stay un-ACKed, are redelivered after a restart or claim and found terminal or re-run.
   */
  append<T>(
    verdicts: Promise<T>,
    verified: ProvisionJob[] | null,
    report: (v: T) => Promise<void>,
    log: WorkerLogger,
  ): void {
    if (verified) this.verifying = { keys: identityKeys(verified), done: verdicts.then(() => undefined) };
    this.reportedBeforeLast = this.reporting;
    this.reporting = Promise.all([this.reporting, verdicts]).then(([, v]) =>
      report(v).catch((err: Error) => {
        if (err instanceof ReportAbortedError) this.aborted ??= err;
        else log.error({ err: err.message, stack: err.stack }, 'batch report failed; its jobs stay pending');
      }),
    );
  }

  /** Resolves once every appended batch has reported (never rejects). */
  async settled(): Promise<void> {
    await this.reporting;
  }

  /** settled(), then throws the ReportAbortedError of a report abandoned at shutdown (once). */
  async drain(): Promise<void> {
    await this.settled();
    const aborted = this.aborted;
    this.aborted = null;
    if (aborted) throw aborted;
  }
}
