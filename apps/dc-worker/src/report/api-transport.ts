import { Inject, Injectable, Optional } from '@nestjs/common';

import { INTERNAL_KEY_HEADER } from '@app/provisioning';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';

/** The API could not answer now (network error, timeout, 5xx): the job stays un-ACKed. */
export class ApiUnavailableError extends Error {}

/** Reporting was abandoned because the worker is stopping: the job stays un-ACKed. */
export class ReportAbortedError extends Error {}

/** An HTTP answer below 500, its body parsed as JSON when it is JSON. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** The one network call the transport makes; `fetch` in production, a fake in unit tests. */
export type FetchFn = (url: string, init: RequestInit) => Promise<Response>;
/** Optional provider of another FetchFn (unset: the global `fetch`). */
export const API_FETCH = Symbol('API_FETCH');

/** Where the first retry pause starts; doubled per try up to REPORT_RETRY_MAX_DELAY_SEC. */
export const FIRST_RETRY_DELAY_MS = 200;
const REQUEST_TIMEOUT_MS = 10_000;

/** Answers retrying cannot change (DOMAIN.md §7): stored, a body refused for good, unknown, illegal move. */
const FINAL_STATUSES = [400, 404, 409];

/**
 * HTTP to the internal endpoints (DOMAIN.md §7): the internal key header, JSON bodies, a timeout per
 * request, network errors and 5xx as ApiUnavailableError, and the retry pause that `abort()` ends
 * at shutdown. Knows no routes (ApiClient does).
 */
@Injectable()
export class ApiTransport {
  private stopping = false;
  private readonly wakeups = new Set<() => void>();
  private readonly fetch: FetchFn;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    @Optional() @Inject(API_FETCH) fetchFn?: FetchFn,
  ) {
    this.fetch = fetchFn ?? ((url, init) => fetch(url, init));
  }

  async request(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    let res: Response;
    try {
      res = await this.fetch(`${this.config.apiUrl}${path}`, {
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

  /**
   * Sends until the API gives an answer that retrying cannot change: 2xx, 400, 404, 409. Network
   * errors, 5xx and 429 are retried with back-off; 401/403 too (a wrong key heals when the admin
   * fixes it — giving up would ACK an unreported job), at the slowest pace.
   */
  async untilAnswered(id: string, method: string, path: string, body: unknown): Promise<ApiResponse> {
    let delay = FIRST_RETRY_DELAY_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.request(method, path, body);
        if (res.status < 300 || FINAL_STATUSES.includes(res.status)) return res;
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
      delay = await this.retryAfter(delay, `${method} ${path} not stored`);
    }
  }

  /**
   * The pause before the next try of something that must be stored: `delay` ms (ended early by
   * `abort()`), resolving with the next, doubled delay. Throws ReportAbortedError when the worker
   * stops before or during the pause.
   */
  async retryAfter(delay: number, what: string): Promise<number> {
    if (this.stopping) throw new ReportAbortedError(`worker stopping; ${what}`);
    await this.pause(delay);
    if (this.stopping) throw new ReportAbortedError(`worker stopping; ${what}`);
    return Math.min(delay * 2, this.config.reportRetryMaxDelayMs);
  }

  /** Ends running back-offs (shutdown): pending reports throw ReportAbortedError. */
  abort(): void {
    this.stopping = true;
    for (const wake of this.wakeups) wake();
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
}
