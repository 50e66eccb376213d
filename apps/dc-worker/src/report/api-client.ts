import { Inject, Injectable } from '@nestjs/common';
import { INTERNAL_KEY_HEADER, OperationView, StatusReport } from '@app/provisioning';
import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';

/** The API could not answer now (network error, timeout, 5xx): the job stays un-ACKed. */
export class ApiUnavailableError extends Error {}

/** Reporting was abandoned because the worker is stopping: the job stays un-ACKed. */
export class ReportAbortedError extends Error {}

/** How a status report ended once the API answered for good. */
export type ReportOutcome = 'stored' | 'rejected' | 'not_found';

const REQUEST_TIMEOUT_MS = 10_000;

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
    let delay = 200;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.request('PATCH', `/internal/operations/${encodeURIComponent(id)}/status`, report);
        if (res.status >= 200 && res.status < 300) return 'stored';
        if (res.status === 409) {
          this.logger.warn({ operationId: id, status: report.status, body: res.body }, 'status report rejected (409)');
          return 'rejected';
        }
        if (res.status === 404) return 'not_found';
        if (res.status < 500 && res.status !== 429) {
          // 400/401/403 will not heal by retrying quickly, but giving up would ACK an unreported
          // job; keep retrying at the slowest pace and say why.
          this.logger.error({ operationId: id, httpStatus: res.status, body: res.body }, 'status report refused');
          delay = this.config.reportRetryMaxDelayMs;
        }
        this.logger.warn({ operationId: id, httpStatus: res.status, attempt }, 'status report not stored, retrying');
      } catch (err) {
        if (!(err instanceof ApiUnavailableError)) throw err;
        this.logger.warn({ operationId: id, err: err.message, attempt }, 'status report failed, retrying');
      }
      if (this.stopping) throw new ReportAbortedError(`worker stopping; status of ${id} not reported`);
      await this.pause(delay);
      if (this.stopping) throw new ReportAbortedError(`worker stopping; status of ${id} not reported`);
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
