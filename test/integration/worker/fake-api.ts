// A small stand-in for the API's internal endpoints (DOMAIN.md §7) for the worker tests: operations
// live in memory, status reports follow the real transition table from @app/provisioning, and a
// test can make it answer 503 to simulate an outage (DOMAIN.md §11 scenario 15). The real API is
// exercised against the worker by the e2e suite.
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import {
  checkTransition,
  INTERNAL_KEY_HEADER,
  isOperationStatus,
  isTerminal,
  OperationStatus,
  OperationView,
  ProvisionOptions,
  startsAttempt,
  StatusReport,
} from '@app/provisioning';

export const FAKE_API_KEY = 'worker-test-internal-key-0123456789';

export interface ReportRecord {
  id: string;
  body: StatusReport;
  /** HTTP status we answered */
  answered: number;
  /** status before and after */
  from: OperationStatus;
  to: OperationStatus;
  at: number;
}

export class FakeApi {
  readonly ops = new Map<string, OperationView>();
  readonly reports: ReportRecord[] = [];
  readonly requests: Array<{ method: string; path: string; answered: number }> = [];
  /** answer 503 to this many further PATCH requests (a bulk PATCH counts as one) */
  failReports = 0;
  /** answer 503 to every status report with one of these statuses (a bulk PATCH holding one: all of it) */
  readonly failReportsOf = new Set<OperationStatus>();
  /** answer 503 to every request while true */
  down = false;
  /** the DC GET /internal/whoami names for FAKE_API_KEY; null: the shared key */
  keyDc: string | null = null;
  /**
   * Operations the API cancels (superseded by a newer change) just before their `running` report
   * arrives: the race between the worker's snapshot fetch and its running report (DOMAIN.md §8).
   */
  readonly cancelBeforeRunning = new Set<string>();
  url = '';
  /** what the API's outbox does after a worker-initiated retry: republish the job */
  onRetry: ((op: OperationView) => Promise<unknown>) | null = null;
  readonly deadLettered: string[] = [];
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** Adds a provision operation; `options` is the host snapshot (DOMAIN.md §6). */
  addProvision(
    action: 'create' | 'update' | 'delete',
    options: Partial<ProvisionOptions> & { hostname: string },
    school = 'default-school',
  ): OperationView {
    const full: ProvisionOptions = {
      hostId: randomUUID(),
      macAddress: '00:11:22:33:44:55',
      ipAddress: null,
      room: 'r100',
      config: 'win10',
      role: 'classroom-studentcomputer',
      pxeFlag: 1,
      dryRun: false,
      ...options,
    };
    return this.add({
      type: 'provision_host',
      action,
      targetHost: full.hostname,
      hostId: full.hostId,
      school,
      options: full,
    });
  }

  addRepair(hostname: string, school = 'default-school', dryRun = false): OperationView {
    return this.add({
      type: 'macct_repair',
      action: 'repair',
      targetHost: hostname,
      hostId: null,
      school,
      options: { hostname, dryRun },
    });
  }

  status(id: string): OperationStatus {
    return this.ops.get(id)!.status;
  }

  /** Reports that changed or confirmed a terminal status, per operation. */
  terminalReports(id: string): ReportRecord[] {
    return this.reports.filter((r) => r.id === id && r.answered === 200 && isTerminal(r.body.status));
  }

  /** What the real API's retry endpoint does to the operation (failed → retrying, attempt kept). */
  retry(id: string): OperationView {
    const op = this.ops.get(id)!;
    if (op.status !== 'failed') throw new Error(`cannot retry ${op.status}`);
    op.status = 'retrying';
    return op;
  }

  private add(
    partial: Pick<OperationView, 'type' | 'action' | 'targetHost' | 'hostId' | 'school' | 'options'>,
  ): OperationView {
    const now = new Date().toISOString();
    const op: OperationView = {
      id: randomUUID(),
      ...partial,
      status: 'pending',
      attempt: 0,
      maxAttempts: 3,
      result: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    this.ops.set(op.id, op);
    return op;
  }

  /** POST /internal/operations/:id/retry as the real API does it (DOMAIN.md §8 bounded retries). */
  private async workerRetry(
    req: IncomingMessage,
    res: ServerResponse,
    op: OperationView,
    chunks: Buffer[],
  ): Promise<void> {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { error?: string };
    if (op.status === 'completed' || op.status === 'cancelled') {
      return this.send(req, res, 409, { error: { code: 'RETRY_NOT_ALLOWED', message: `operation is ${op.status}` } });
    }
    const tries = op.status === 'pending' ? op.attempt + 1 : op.attempt;
    const error = body.error ?? op.error ?? 'unknown error';
    if (tries < op.maxAttempts) {
      op.status = 'retrying';
      op.attempt = tries;
      op.error = error;
      this.send(req, res, 200, { data: { retried: true, attempt: tries } });
      await this.onRetry?.(op);
      return;
    }
    op.status = 'failed';
    op.error = `gave up after ${tries} attempts: ${error}`;
    this.deadLettered.push(op.id);
    return this.send(req, res, 200, { data: { retried: false, deadLettered: true, attempt: tries } });
  }

  private send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', answered: status });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.down) return this.send(req, res, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'down' } });
    if (req.headers[INTERNAL_KEY_HEADER] !== FAKE_API_KEY) {
      return this.send(req, res, 401, { error: { code: 'UNAUTHORIZED', message: 'bad key' } });
    }
    if (req.url === '/api/v1/internal/whoami' && req.method === 'GET') {
      // the worker's start-up key check, left out of `requests` (the tests count a batch's requests)
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { dcId: this.keyDc, shared: this.keyDc === null } }));
      return;
    }
    if (req.url === '/api/v1/internal/operations/query' && req.method === 'POST') {
      return this.query(req, res, chunks);
    }
    if (req.url === '/api/v1/internal/operations/status' && req.method === 'PATCH') {
      return this.bulkStatus(req, res, chunks);
    }
    const m = /^\/api\/v1\/internal\/operations\/([^/]+)(\/status|\/retry)?$/.exec(req.url ?? '');
    const op = m ? this.ops.get(m[1]) : undefined;
    if (!m) return this.send(req, res, 404, { error: { code: 'NOT_FOUND', message: 'no route' } });
    if (!op) return this.send(req, res, 404, { error: { code: 'NOT_FOUND', message: 'no such operation' } });
    if (req.method === 'GET' && !m[2]) return this.send(req, res, 200, { data: op });
    if (req.method === 'POST' && /\/retry$/.test(req.url ?? '')) return this.workerRetry(req, res, op, chunks);
    if (req.method !== 'PATCH' || !m[2])
      return this.send(req, res, 404, { error: { code: 'NOT_FOUND', message: 'no route' } });

    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as StatusReport;
    const record = this.record(op, body);
    if (this.failReports > 0 || this.failReportsOf.has(body.status)) {
      if (this.failReports > 0) this.failReports--;
      record.answered = 503;
      return this.send(req, res, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'injected outage' } });
    }
    const answer = this.apply(op, body, record);
    return this.send(req, res, answer.http, answer.body);
  }

  /** A report arriving: the cancel race is injected here (before any outage), then recorded. */
  private record(op: OperationView, body: StatusReport): ReportRecord {
    if (body.status === 'running' && this.cancelBeforeRunning.delete(op.id)) {
      op.status = 'cancelled';
      op.error = 'superseded by a newer change of the host';
    }
    const record: ReportRecord = { id: op.id, body, answered: 0, from: op.status, to: op.status, at: Date.now() };
    this.reports.push(record);
    return record;
  }

  /** PATCH /internal/operations/:id/status applied to one operation, as the real API does. */
  private apply(
    op: OperationView,
    body: StatusReport,
    record: ReportRecord,
  ): { http: number; body: { data?: unknown; error?: { code: string; message: string } } } {
    if (!isOperationStatus(body.status)) {
      record.answered = 400;
      return { http: 400, body: { error: { code: 'VALIDATION_ERROR', message: 'bad status' } } };
    }
    const verdict = checkTransition(op.status, body.status);
    // a late `running` after a terminal status is acknowledged without change (DOMAIN.md §8)
    if (verdict === 'reject' && !(body.status === 'running' && isTerminal(op.status))) {
      record.answered = 409;
      return {
        http: 409,
        body: { error: { code: 'INVALID_TRANSITION', message: `${op.status} → ${body.status} not allowed` } },
      };
    }
    if (verdict === 'apply') {
      if (startsAttempt(op.status, body.status)) op.attempt++;
      op.status = body.status;
      if (body.result !== undefined) op.result = body.result;
      if (body.error !== undefined) op.error = body.error;
      if (body.status === 'completed') op.error = null; // as the real API: a success clears the last error
      op.updatedAt = new Date().toISOString();
    }
    record.to = op.status;
    record.answered = 200;
    // as the real API: the stored operation (a late `running` on a terminal one: unchanged, 200)
    return { http: 200, body: { data: { ...op, changed: verdict === 'apply' } } };
  }

  /** POST /internal/operations/query {ids}: the known operations in the requested order. */
  private query(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
    const { ids } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { ids?: unknown };
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 500 || ids.some((id) => typeof id !== 'string')) {
      return this.send(req, res, 400, { error: { code: 'VALIDATION_ERROR', message: 'ids: 1–500 UUIDs' } });
    }
    const data = (ids as string[]).flatMap((id) => {
      const op = this.ops.get(id);
      return op ? [op] : [];
    });
    return this.send(req, res, 200, { data });
  }

  /**
   * PATCH /internal/operations/status {reports}: each item applied in order exactly like the
   * single PATCH; an injected outage answers 503 for the whole request (the API's database away).
   */
  private bulkStatus(req: IncomingMessage, res: ServerResponse, chunks: Buffer[]): void {
    const { reports } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
      reports?: Array<StatusReport & { id: string }>;
    };
    if (!Array.isArray(reports) || reports.length < 1 || reports.length > 500) {
      return this.send(req, res, 400, { error: { code: 'VALIDATION_ERROR', message: 'reports: 1–500 items' } });
    }
    const known = reports.map((r) => ({ r, op: this.ops.get(r.id) }));
    const records = known.map(({ r, op }) => {
      const { id: _id, ...body } = r;
      return op ? this.record(op, body) : null;
    });
    if (this.failReports > 0 || reports.some((r) => this.failReportsOf.has(r.status))) {
      if (this.failReports > 0) this.failReports--;
      for (const record of records) if (record) record.answered = 503;
      return this.send(req, res, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'injected outage' } });
    }
    const data = known.map(({ r, op }, i) => {
      if (!op) return { id: r.id, outcome: 'not_found', error: { code: 'NOT_FOUND', message: 'no such operation' } };
      const answer = this.apply(op, records[i]!.body, records[i]!);
      if (answer.http === 200) return { id: r.id, outcome: 'stored', operation: answer.body.data };
      return { id: r.id, outcome: 'rejected', operation: { ...op }, error: answer.body.error };
    });
    return this.send(req, res, 200, { data });
  }
}
