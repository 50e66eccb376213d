import { Inject, Injectable } from '@nestjs/common';

import {
  ApiErrorCode,
  BULK_MAX_ITEMS,
  BulkStatusReport,
  InternalKeyIdentity,
  isOperationStatus,
  OperationStatus,
  OperationView,
  ReportOutcome,
  StatusReport,
  WorkerRetryOutcome,
} from '@app/provisioning';

import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { mapLimit } from '../processors/map-limit';
import { ApiResponse, ApiTransport, ApiUnavailableError, FIRST_RETRY_DELAY_MS } from './api-transport';

export { ApiUnavailableError, ReportAbortedError } from './api-transport';

/** Operation errors are for people: long enough for the first ERROR lines, far below the API's limit. */
const MAX_ERROR_CHARS = 4_000;

/** What GET /internal/whoami answered about INTERNAL_API_KEY . */
export type WhoamiAnswer =
  | { kind: 'identity'; identity: InternalKeyIdentity }
  /** the key was refused (401) */
  | { kind: 'refused'; httpStatus: number }
  /** an API without the route (404) or another answer that tells nothing */
  | { kind: 'unknown'; httpStatus: number }
  /** no answer now: network error, timeout, 5xx */
  | { kind: 'unreachable'; error: string };

/** How one item of a bulk status report ended, with the operation the API holds afterwards. */
export interface BulkReportResult {
  id: string;
  outcome: ReportOutcome;
  operation?: OperationView;
}

/**
 * A larger report is split into up to BULK_PARALLEL requests of at least BULK_SPLIT_MIN items, sent
 * at once (measured with bench:e2e: the API applies each request in one transaction, and a few
 * smaller transactions in parallel answered sooner than one large one on this 2-core machine).
 * Each operation appears once per call, so its own reports stay in order.
 */
const BULK_PARALLEL = 4;
const BULK_SPLIT_MIN = 12;
/** Single calls in flight at once when the API refuses a bulk body as a whole (400). */
const SINGLE_CONCURRENCY = 8;

/** One item's final answer, or undefined to send it again. */
type BulkAnswer = (BulkReportResult & { code?: ApiErrorCode }) | undefined;

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
 * The worker's side of the internal routes (DOMAIN.md §7), typed; HTTP, the key and the retry
 * pause are ApiTransport's. A status report is retried until the API has stored it (DOMAIN.md §9
 * step 9, scenario 15): the caller ACKs only after it resolved. A 409 (illegal transition, e.g.
 * the op was superseded) is final.
 */
@Injectable()
export class ApiClient {
  constructor(
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly transport: ApiTransport,
  ) {}

  /** The operation with its frozen options, or null when the API does not know it (404). */
  async getOperation(id: string): Promise<OperationView | null> {
    const res = await this.transport.request('GET', `/internal/operations/${encodeURIComponent(id)}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new ApiUnavailableError(`GET operation ${id}: HTTP ${res.status}`);
    return (res.body as { data: OperationView }).data;
  }

  /**
   * A batch's operations in one call (POST /internal/operations/query), by id; ids the API does
   * not know are missing from the map. Throws ApiUnavailableError like getOperation (the caller
   * hands the batch back). An id list the API refuses (400) is asked one operation at a time.
   */
  async fetchOperations(ids: string[]): Promise<Map<string, OperationView>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, OperationView>();
    for (let i = 0; i < unique.length; i += BULK_MAX_ITEMS) {
      const chunk = unique.slice(i, i + BULK_MAX_ITEMS);
      const views = await this.queryChunk(chunk);
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
    const res = await this.transport.request('POST', '/internal/operations/query', { ids });
    if (res.status === 200) return (res.body as { data: OperationView[] }).data;
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
   * the unanswered items otherwise. Results in input order. A body refused as a whole (400) gets
   * the single calls, which keep their own 400 handling.
   */
  async reportMany(reports: BulkStatusReport[]): Promise<BulkReportResult[]> {
    const out = new Array<BulkReportResult>(reports.length);
    const bodies = reports.map((r) => (r.error ? { ...r, error: clip(r.error, MAX_ERROR_CHARS) } : r));
    const parts = Math.max(
      Math.ceil(bodies.length / BULK_MAX_ITEMS),
      Math.min(BULK_PARALLEL, Math.floor(bodies.length / BULK_SPLIT_MIN)),
      1,
    );
    const size = Math.ceil(bodies.length / parts);
    const starts = Array.from({ length: parts }, (_, p) => p * size).filter((start) => start < bodies.length);
    await mapLimit(starts, BULK_PARALLEL, async (start) => {
      let open = bodies.slice(start, start + size).map((_, k) => start + k);
      let delay = FIRST_RETRY_DELAY_MS;
      for (;;) {
        const answers = await this.bulkPatch(open.map((i) => bodies[i]));
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
        delay = await this.transport.retryAfter(delay, `${open.length} status reports not stored`);
      }
    });
    return out;
  }

  /**
   * One bulk request: per item its final answer, or undefined to send it again (5xx, network,
   * 401/403/404/429, an outcome we do not know). null: the body was refused as a whole (400):
   * use the single calls.
   */
  private async bulkPatch(items: BulkStatusReport[]): Promise<BulkAnswer[] | null> {
    let res: ApiResponse;
    try {
      res = await this.transport.request('PATCH', '/internal/operations/status', { reports: items });
    } catch (err) {
      if (!(err instanceof ApiUnavailableError)) throw err;
      this.logger.warn({ err: err.message, count: items.length }, 'bulk status report failed, retrying');
      return items.map(() => undefined);
    }
    if (res.status === 401 || res.status === 403 || res.status === 404 || res.status === 429) {
      // 404: no such route — a wrong API_URL; the jobs must not be ACKed unreported
      this.logger.error({ httpStatus: res.status, body: res.body }, 'bulk status report not taken, retrying');
      return items.map(() => undefined);
    }
    if (res.status !== 200) {
      this.logger.warn({ httpStatus: res.status, body: res.body }, 'bulk status report refused; reporting one by one');
      return null;
    }
    // the wire form of BulkReportOutcome, checked item by item (an older or broken answer is resent)
    type Item = { id?: string; outcome?: string; operation?: OperationView; error?: { code?: ApiErrorCode } };
    const data = (res.body as { data?: Item[] } | null)?.data ?? [];
    // in request order by contract; matched by id so a short or reordered answer cannot misattribute
    const used = new Set<number>();
    return items.map((item, k): BulkAnswer => {
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

  /** The single PATCH for one report, retried until answered; a 400 with a result is resent bare. */
  private async reportSingle(r: BulkStatusReport): Promise<BulkReportResult> {
    const { id, ...report } = r;
    const path = `/internal/operations/${encodeURIComponent(id)}/status`;
    const body: StatusReport = report.error ? { ...report, error: clip(report.error, MAX_ERROR_CHARS) } : report;
    let res = await this.transport.untilAnswered(id, 'PATCH', path, body);
    if (res.status === 400 && body.result !== undefined) {
      // the API refused the body (e.g. a result it cannot store): the status itself matters more
      this.logger.error({ operationId: id, body: res.body }, 'status report refused (400); sending it without result');
      res = await this.transport.untilAnswered(id, 'PATCH', path, { status: body.status, error: body.error });
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
   * Worker-initiated retry after a transient failure (DOMAIN.md §8): the API counts the attempt and
   * republishes the job, or past the bound dead-letters it and fails the operation.
   */
  async retry(id: string, error: string): Promise<{ outcome: ReportOutcome; data?: WorkerRetryOutcome }> {
    const path = `/internal/operations/${encodeURIComponent(id)}/retry`;
    const res = await this.transport.untilAnswered(id, 'POST', path, { error: clip(error, MAX_ERROR_CHARS) });
    const outcome = this.outcome(id, res, 'retrying');
    const data = outcome === 'stored' ? (res.body as { data?: WorkerRetryOutcome } | null)?.data : undefined;
    return { outcome, data };
  }

  private outcome(id: string, res: ApiResponse, status: string): ReportOutcome {
    if (res.status >= 200 && res.status < 300) return 'stored';
    if (res.status === 404) return 'not_found';
    // 409: an illegal move (e.g. the operation was superseded meanwhile); 400: a body the API will
    // never take. Both are final: retrying cannot change the answer.
    this.logger.warn({ operationId: id, status, httpStatus: res.status, body: res.body }, 'status report rejected');
    return 'rejected';
  }

  /** Ends running back-offs (shutdown): pending reports throw ReportAbortedError. */
  abort(): void {
    this.transport.abort();
  }

  /** GET /internal/whoami: the DC of INTERNAL_API_KEY (the start-up check and --check judge it). */
  async whoami(): Promise<WhoamiAnswer> {
    let res: ApiResponse;
    try {
      res = await this.transport.request('GET', '/internal/whoami');
    } catch (err) {
      if (!(err instanceof ApiUnavailableError)) throw err;
      return { kind: 'unreachable', error: err.message };
    }
    if (res.status === 401) return { kind: 'refused', httpStatus: res.status };
    const data = (res.body as { data?: Partial<InternalKeyIdentity> } | null)?.data;
    if (res.status === 200 && data && (typeof data.dcId === 'string' || data.dcId === null)) {
      return { kind: 'identity', identity: { dcId: data.dcId, shared: data.dcId === null } };
    }
    return { kind: 'unknown', httpStatus: res.status };
  }

  /** True when the API answers at all (for --check). */
  async ping(): Promise<{ ok: boolean; detail: string }> {
    try {
      const res = await this.transport.request('GET', '/internal/operations/00000000-0000-0000-0000-000000000000');
      if (res.status === 401 || res.status === 403) return { ok: false, detail: `HTTP ${res.status}: key rejected` };
      // 404 (no such operation) or a 400 for the probe id both prove the route and the key
      return { ok: res.status < 500, detail: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }
}
