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

/** The API could not answer now (network error, timeout, 5xx): the job stays un-ACKed. */
export class ApiUnavailableError extends Error {}

/** Reporting was abandoned because the worker is stopping: the job stays un-ACKed. */
export class ReportAbortedError extends Error {}

/** How a status report ended once the API answered for good. */
export type ReportOutcome = 'stored' | 'rejected' | 'not_found';

const REQUEST_TIMEOUT_MS = 10_000;
/** Operation errors are for people: long enough for the first ERROR lines, far below the API's limit. */
const MAX_ERROR_CHARS = 4_000;

/** `data` of POST /internal/operations/:id/retry. */
export interface WorkerRetryResult {
  retried: boolean;
  attempt?: number;
  deadLettered?: boolean;
  superseded?: boolean;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The worker's side of the internal endpoints (SPEC §7). A status report is retried with
 * back-off until the API has stored it (SPEC §9 step 9, scenario 15): the caller ACKs only
 * after `report` resolved. A 409 (illegal transition, e.g. the op was superseded) is final.
 */
@Injectable()
export class ApiClient {
  private stopping = false;
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

  /** Reports a status; retries 5xx/network errors until stored or the worker stops. */
  async report(id: string, report: StatusReport): Promise<ReportOutcome> {
    const path = `/internal/operations/${encodeURIComponent(id)}/status`;
    const body: StatusReport = report.error ? { ...report, error: clip(report.error, MAX_ERROR_CHARS) } : report;
    const res = await this.untilAnswered(id, 'PATCH', path, body);
    if (res.status === 400 && body.result !== undefined) {
      // the API refused the body (e.g. a result it cannot store): the status itself matters more
      this.logger.error({ operationId: id, body: res.body }, 'status report refused (400); sending it without result');
      const bare = await this.untilAnswered(id, 'PATCH', path, { status: body.status, error: body.error });
      return this.outcome(id, bare, body.status);
    }
    return this.outcome(id, res, body.status);
  }

  /**
   * Reports `running` and returns the status the API holds afterwards, or null when it refused
   * (409/404/400). The API answers a late `running` for a terminal operation (e.g. cancelled as
   * superseded since we fetched it) with 200 and no change (SPEC §8); only `running` in the answer
   * means this try really started.
   */
  async reportRunning(id: string): Promise<OperationStatus | null> {
    const path = `/internal/operations/${encodeURIComponent(id)}/status`;
    const res = await this.untilAnswered(id, 'PATCH', path, { status: 'running' });
    if (this.outcome(id, res, 'running') !== 'stored') return null;
    const status = (res.body as { data?: { status?: unknown } } | null)?.data?.status;
    if (isOperationStatus(status)) return status;
    this.logger.warn({ operationId: id, body: res.body }, 'running report answered without an operation status');
    return null;
  }

  /**
   * Worker-initiated retry after a transient failure (SPEC §8): the API counts the attempt and
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
