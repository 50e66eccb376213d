/**
 * Minimal internal API for `bench/worker.ts`: serves GET /internal/operations/:id, POST
 * /internal/operations/query, and stores PATCH …/:id/status and the bulk PATCH …/status, nothing else (the full fake with transition rules and outages lives in
 * test/integration/worker/fake-api.ts; the bench must not depend on the test tree's TypeScript).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';

import { INTERNAL_KEY_HEADER, OperationView, ProvisionOptions, StatusReport } from '@app/provisioning';

export interface BenchApi {
  url: string;
  add(options: ProvisionOptions): string;
  completed(): number;
  failed(): number;
  firstError(): string | null;
  /** HTTP requests answered so far */
  requests(): number;
  close(): Promise<void>;
}

export async function startBenchApi(key: string): Promise<BenchApi> {
  const ops = new Map<string, OperationView>();
  let requests = 0;
  const apply = (op: OperationView, body: StatusReport) => {
    if (op.status === 'completed' || op.status === 'failed') return;
    op.status = body.status;
    op.error = body.error ?? op.error;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // the start-up key check is not a request of a batch
      if (req.url === '/api/v1/internal/whoami') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ data: { dcId: null, shared: true } }));
      }
      requests++;
      const m = /^\/api\/v1\/internal\/operations\/([^/]+)(\/status)?$/.exec(req.url ?? '');
      const op = m ? ops.get(m[1]) : undefined;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers[INTERNAL_KEY_HEADER] !== key) return send(401, { error: { code: 'UNAUTHORIZED' } });
      if (req.method === 'POST' && req.url === '/api/v1/internal/operations/query') {
        const { ids } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ids: string[] };
        return send(200, { data: ids.flatMap((id) => (ops.has(id) ? [ops.get(id)] : [])) });
      }
      if (req.method === 'PATCH' && req.url === '/api/v1/internal/operations/status') {
        const { reports } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          reports: Array<StatusReport & { id: string }>;
        };
        const data = reports.map((r) => {
          const target = ops.get(r.id);
          if (!target) return { id: r.id, outcome: 'not_found' };
          apply(target, r);
          return { id: r.id, outcome: 'stored', operation: target };
        });
        return send(200, { data });
      }
      if (!op) return send(404, { error: { code: 'NOT_FOUND' } });
      if (req.method === 'GET') return send(200, { data: op });
      apply(op, JSON.parse(Buffer.concat(chunks).toString('utf8')) as StatusReport);
      return send(200, { data: op });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const count = (s: string) => [...ops.values()].filter((o) => o.status === s).length;
  return {
    url,
    add(options) {
      const id = randomUUID();
      const now = new Date().toISOString();
      ops.set(id, {
        id,
        type: 'provision_host',
        action: 'create',
        targetHost: options.hostname,
        hostId: options.hostId,
        school: 'default-school',
        options,
        status: 'pending',
        attempt: 0,
        maxAttempts: 3,
        result: null,
        error: null,
        createdAt: now,
        updatedAt: now,
      });
      return id;
    },
    completed: () => count('completed'),
    failed: () => count('failed'),
    requests: () => requests,
    firstError: () => [...ops.values()].find((o) => o.status === 'failed')?.error ?? null,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
