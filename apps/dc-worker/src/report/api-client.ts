import { Inject, Injectable } from '@nestjs/common';
import {
  INTERNAL_KEY_HEADER,
  isOperationStatus,
  OperationStatus,
  OperationView,
  StatusReport,
} from '@app/provisioning';
import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { mapLimit } from '../processors/map-limit';

/** The API could not answer now (network error, timeout, 5xx): the job stays un-ACKed. */
export class ApiUnavailableError extends Error {}

/** Reporting was abandoned because the worker is stopping: the job stays un-ACKed. */
export class ReportAbortedError extends Error {}

/** How a status report ended once the API answered for good. */
export type ReportOutcome = 'stored' | 'rejected' | 'not_found';

const REQUEST_TIMEOUT_MS = 10_000;
/** Operation errors are for people: long enough for the first ERROR lines, far below the API's limit. */
const MAX_ERROR_CHARS = 4_000;

/** One item of PATCH /internal/operations/status (the bulk form of the single PATCH body). */
export interface BulkStatusReport extends StatusReport {
  id: string;
}

/** How one item of a bulk status report ended, with the operation the API holds afterwards. */
export interface BulkReportResult {
  id: string;
  outcome: ReportOutcome;
  operation?: OperationView;
}

/** Ids per bulk request: the API takes 1–500. */
const BULK_MAX = 500;
/**
 * A larger report is split into up to BULK_PARALLEL requests of at least BULK_SPLIT_MIN items, sent
 * at once (measured with bench:e2e: the API applies each request in one transaction, and a few
 * smaller transactions in parallel answered sooner than one large one on this 2-core machine).
 * Each operation appears once per call, so its own reports stay in order.
 */
const BULK_PARALLEL = 4;
const BULK_SPLIT_MIN = 12;
/** After a 404 from a bulk route (an older API), single calls for this long before probing again. */
const BULK_REPROBE_MS = 10 * 60_000;
/** Single calls in flight at once when falling back from the bulk routes. */
const SINGLE_CONCURRENCY = 8;

/** `data` of POST /internal/operations/:id/retry. */
export interface WorkerRetryResult {
  retried: boolean;
  attempt?: number;
  deadLettered?: boolean;
  superseded?: boolean;
}

/**
 * The status the API holds after a stored report, or null (refused, unknown, or an answer without
 * a status). For `running`: only `running` here means this try really started (DOMAIN.md §8).
 */
export function heldStatus(logger: WorkerLogger, res: BulkReportResult): OperationStatus | null {
  if (res.outcome !== 'stored') return null;
  const status = res.operation?.status;
  if (isOperationStatus(status)) return status;
  logger.warn({ operationId: res.id, operation: res.operation }, 'status report answered without an operation status');
  return null;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The worker's side of the internal endpoints (DOMAIN.md §7). A status report is retried with
 * back-off until the API has stored it (DOMAIN.md §9 step 9, scenario 15): the caller ACKs only
 * after `report` resolved. A 409 (illegal transition, e.g. the op was superseded) is final.
 */
@Injectable()
export class ApiClient {
  private stopping = false;
  /** until when the bulk routes are taken as absent (the API answered 404 for them) */
  private bulkAbsentUntil = 0;
  private readonly wakeups = new Set<() => void>();

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
  ) {}

  /** The operation with its frozen options, or null when the API does not know it (404). */
  async getOperation(id: string): Promise<OperationView | null> {
    const res = await this.request('GET', `/internal/operations/${encodeURIComponent(id)}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new ApiUnavailableError(`GET operation ${id}: HTTP ${res.status}`);
    return (res.body as { data: OperationView }).data;
  }

  /**
   * A batch's operations in one call (POST /internal/operations/query), by id; ids the API does
   * not know are missing from the map. Throws ApiUnavailableError like getOperation (the caller
   * hands the batch back). An API without the bulk route (404) or refusing the id list (400) is
   * asked one operation at a time.
   */
  async fetchOperations(ids: string[]): Promise<Map<string, OperationView>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, OperationView>();
    for (let i = 0; i < unique.length; i += BULK_MAX) {
      const chunk = unique.slice(i, i + BULK_MAX);
      const views = this.bulkAvailable() ? await this.queryChunk(chunk) : null;
      if (views) {
        for (const op of views) if (chunk.includes(op.id)) found.set(op.id, op);
        continue;
      }
      const singles = await mapLimit(chunk, SINGLE_CONCURRENCY, (id) => this.getOperation(id));
      for (const op of singles) if (op) found.set(op.id, op);
    }
    return found;
  }

  private async queryChunk(ids: string[]): Promise<OperationView[] | null> {
    const res = await this.request('POST', '/internal/operations/query', { ids });
    if (res.status === 200) return (res.body as { data: OperationView[] }).data;
    if (res.status === 404) {
      this.bulkAbsent('POST /internal/operations/query');
      return null;
    }
    if (res.status === 400) {
      this.logger.warn({ body: res.body, count: ids.length }, 'bulk query refused (400); asking one by one');
      return null;
    }
    throw new ApiUnavailableError(`POST /internal/operations/query: HTTP ${res.status}`);
  }

  /**
   * Reports many statuses in one call (PATCH /internal/operations/status), each applied by the API
   * exactly like the single PATCH. Retried with the same back-off as `report` until every item has
   * a final outcome (stored, rejected, not_found): the whole request on 5xx/network errors, only
   * the unanswered items otherwise. Results in input order. An API without the bulk route (404) or
   * refusing the body as a whole (400) gets the single calls, which keep their own 400 handling.
   */
  async reportMany(reports: BulkStatusReport[]): Promise<BulkReportResult[]> {
    const out = new Array<BulkReportResult>(reports.length);
    const bodies = reports.map((r) => (r.error ? { ...r, error: clip(r.error, MAX_ERROR_CHARS) } : r));
    const parts = Math.max(
      Math.ceil(bodies.length / BULK_MAX),
      Math.min(BULK_PARALLEL, Math.floor(bodies.length / BULK_SPLIT_MIN)),
      1,
    );
    const size = Math.ceil(bodies.length / parts);
    const starts = Array.from({ length: parts }, (_, p) => p * size).filter((start) => start < bodies.length);
    await mapLimit(starts, BULK_PARALLEL, async (start) => {
      let open = bodies.slice(start, start + size).map((_, k) => start + k);
      let delay = 200;
      for (;;) {
        const answers = this.bulkAvailable() ? await this.bulkPatch(open.map((i) => bodies[i])) : null;
        if (answers === null) {
          const singles = await mapLimit(open, SINGLE_CONCURRENCY, (i) => this.reportSingle(bodies[i]));
          open.forEach((i, k) => (out[i] = singles[k]));
          break;
        }
        open = open.filter((i, k) => {
          const answer = answers[k];
          if (!answer) return true;
          if (answer.outcome === 'rejected' && answer.code === 'VALIDATION_ERROR' && bodies[i].result !== undefined) {
            // as `report`: the status matters more than a result the API cannot store
            this.logger.error({ operationId: bodies[i].id }, 'status report refused (400); sending it without result');
            bodies[i] = { id: bodies[i].id, status: bodies[i].status, error: bodies[i].error };
            return true;
          }
          out[i] = { id: answer.id, outcome: answer.outcome, operation: answer.operation };
          return false;
        });
        if (open.length === 0) break;
        if (this.stopping) throw new ReportAbortedError(`worker stopping; ${open.length} status reports not stored`);
        await this.pause(delay);
        if (this.stopping) throw new ReportAbortedError(`worker stopping; ${open.length} status reports not stored`);
        delay = Math.min(delay * 2, this.config.reportRetryMaxDelayMs);
      }
    });
    return out;
  }

  /**
   * One bulk request: per item its final answer, or undefined to send it again (5xx, network,
   * 401/403/429, an outcome we do not know). null: use the single calls (404 route absent, 400).
   */
  private async bulkPatch(
    items: BulkStatusReport[],
  ): Promise<Array<(BulkReportResult & { code?: string }) | undefined> | null> {
    const path = '/internal/operations/status';
    let res: { status: number; body: unknown };
    try {
      res = await this.request('PATCH', path, { reports: items });
    } catch (err) {
      if (!(err instanceof ApiUnavailableError)) throw err;
      this.logger.warn({ err: err.message, count: items.length }, 'bulk status report failed, retrying');
      return items.map(() => undefined);
    }
    if (res.status === 404) {
      this.bulkAbsent(`PATCH ${path}`);
      return null;
    }
    if (res.status === 401 || res.status === 403 || res.status === 429) {
      this.logger.error({ httpStatus: res.status, body: res.body }, 'bulk status report not taken, retrying');
      return items.map(() => undefined);
    }
    if (res.status !== 200) {
      this.logger.warn({ httpStatus: res.status, body: res.body }, 'bulk status report refused; reporting one by one');
      return null;
    }
    type Item = { id?: string; outcome?: string; operation?: OperationView; error?: { code?: string } };
    const data = (res.body as { data?: Item[] } | null)?.data ?? [];
    // in request order by contract; matched by id so a short or reordered answer cannot misattribute
    const used = new Set<number>();
    return items.map((item, k) => {
      const at =
        data[k]?.id === item.id && !used.has(k) ? k : data.findIndex((d, j) => d?.id === item.id && !used.has(j));
      if (at < 0) return undefined;
      used.add(at);
      const d = data[at];
      if (d.outcome !== 'stored' && d.outcome !== 'rejected' && d.outcome !== 'not_found') return undefined;
      if (d.outcome === 'rejected') {
        this.logger.warn({ operationId: item.id, status: item.status, error: d.error }, 'status report rejected');
      }
      return { id: item.id, outcome: d.outcome, operation: d.operation, code: d.error?.code };
    });
  }

  private bulkAvailable(): boolean {
    return Date.now() >= this.bulkAbsentUntil;
  }

  private bulkAbsent(route: string): void {
    this.logger.warn({ route }, 'the API has no bulk internal route (404); using the single-operation calls');
    this.bulkAbsentUntil = Date.now() + BULK_REPROBE_MS;
  }

  /** The single PATCH for one report, retried until answered; a 400 with a result is resent bare. */
  private async reportSingle(r: BulkStatusReport): Promise<BulkReportResult> {
    const { id, ...report } = r;
    const path = `/internal/operations/${encodeURIComponent(id)}/status`;
    const body: StatusReport = report.error ? { ...report, error: clip(report.error, MAX_ERROR_CHARS) } : report;
    let res = await this.untilAnswered(id, 'PATCH', path, body);
    if (res.status === 400 && body.result !== undefined) {
      // the API refused the body (e.g. a result it cannot store): the status itself matters more
      this.logger.error({ operationId: id, body: res.body }, 'status report refused (400); sending it without result');
      res = await this.untilAnswered(id, 'PATCH', path, { status: body.status, error: body.error });
    }
    const outcome = this.outcome(id, res, body.status);
    const operation = outcome === 'stored' ? (res.body as { data?: OperationView } | null)?.data : undefined;
    return { id, outcome, operation };
  }

  /** Reports a status; retries 5xx/network errors until stored or the worker stops. */
  async report(id: string, report: StatusReport): Promise<ReportOutcome> {
    return (await this.reportSingle({ id, ...report })).outcome;
  }

  /**
   * Reports `running` and returns the status the API holds afterwards, or null when it refused
   * (409/404/400). The API answers a late `running` for a terminal operation (e.g. cancelled as
   * superseded since we fetched it) with 200 and no change (DOMAIN.md §8); only `running` in the answer
   * means this try really started.
   */
  async reportRunning(id: string): Promise<OperationStatus | null> {
    return heldStatus(this.logger, await this.reportSingle({ id, status: 'running' }));
  }

  /**
   * Worker-initiated retry after a transient failure (DOMAIN.md §8): the API counts the attempt and
   * republishes the job, or past the bound dead-letters it and fails the operation.
   */
  async retry(id: string, error: string): Promise<{ outcome: ReportOutcome; data?: WorkerRetryResult }> {
    const path = `/internal/operations/${encodeURIComponent(id)}/retry`;
    const res = await this.untilAnswered(id, 'POST', path, { error: clip(error, MAX_ERROR_CHARS) });
    const outcome = this.outcome(id, res, 'retrying');
    const data = outcome === 'stored' ? (res.body as { data?: WorkerRetryResult } | null)?.data : undefined;
    return { outcome, data };
  }

  private outcome(id: string, res: { status: number; body: unknown }, status: string): ReportOutcome {
    if (res.status >= 200 && res.status < 300) return 'stored';
    if (res.status === 404) return 'not_found';
    // 409: an illegal move (e.g. the operation was superseded meanwhile); 400: a body the API will
    // never take. Both are final: retrying cannot change the answer.
    this.logger.warn({ operationId: id, status, httpStatus: res.status, body: res.body }, 'status report rejected');
    return 'rejected';
  }

  /**
   * Sends until the API gives an answer that retrying cannot change: 2xx, 400, 404, 409. Network
   * errors, 5xx and 429 are retried with back-off; 401/403 too (a wrong key heals when the admin
   * fixes it — giving up would ACK an unreported job), at the slowest pace.
   */
  private async untilAnswered(
    id: string,
    method: string,
    path: string,
    body: unknown,
  ): Promise<{ status: number; body: unknown }> {
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.request(method, path, body);
        if (res.status < 300 || [400, 404, 409].includes(res.status)) return res;
        if (res.status === 401 || res.status === 403) {
          this.logger.error(
            { operationId: id, httpStatus: res.status, body: res.body },
            'API refused the internal key',
          );
          delay = this.config.reportRetryMaxDelayMs;
        }
        this.logger.warn(
          { operationId: id, httpStatus: res.status, attempt },
          `${method} ${path} not stored, retrying`,
        );
      } catch (err) {
        if (!(err instanceof ApiUnavailableError)) throw err;
        this.logger.warn({ operationId: id, err: err.message, attempt }, `${method} ${path} failed, retrying`);
      }
      if (this.stopping) throw new ReportAbortedError(`worker stopping; ${method} ${path} not stored`);
      await this.pause(delay);
      if (this.stopping) throw new ReportAbortedError(`worker stopping; ${method} ${path} not stored`);
      delay = Math.min(delay * 2, this.config.reportRetryMaxDelayMs);
    }
  }

  /** Ends running back-offs (shutdown): pending reports throw ReportAbortedError. */
  abort(): void {
    this.stopping = true;
    for (const wake of this.wakeups) wake();
  }

  /** True when the API answers at all (for --check). */
  async ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      const res = await this.request('GET', '/internal/operations/00000000-0000-0000-0000-000000000000');
      if (res.status === 401 || res.status === 403) return { ok: false, detail: `HTTP ${res.status}: key rejected` };
      // 404 (no such operation) or a 400 for the probe id both prove the route and the key
      return { ok: res.status < 500, detail: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeups.add(done);
    });
  }

  private async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.config.apiUrl}${path}`, {
        method,
        headers: {
          [INTERNAL_KEY_HEADER]: this.config.internalApiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new ApiUnavailableError(`${method} ${path}: ${cause ?? (err as Error).message}`);
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new ApiUnavailableError(`${method} ${path}: HTTP ${res.status}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // keep the raw text for the log
    }
    return { status: res.status, body: parsed };
  }
}
