/**
 * Minimal internal API for `bench/worker.ts`: serves GET /internal/operations/:id and stores
 * PATCH …/status, nothing else (the full fake with transition rules and outages lives in
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
  close(): Promise<void>;
}

export async function startBenchApi(key: string): Promise<BenchApi> {
  const ops = new Map<string, OperationView>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = /^\/api\/v1\/internal\/operations\/([^/]+)(\/status)?$/.exec(req.url ?? '');
      const op = m ? ops.get(m[1]) : undefined;
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers[INTERNAL_KEY_HEADER] !== key) return send(401, { error: { code: 'UNAUTHORIZED' } });
      if (!op) return send(404, { error: { code: 'NOT_FOUND' } });
      if (req.method === 'GET') return send(200, { data: op });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StatusReport;
      if (op.status === 'completed' || op.status === 'failed') return send(200, { data: op });
      op.status = body.status;
      op.error = body.error ?? op.error;
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
    firstError: () => [...ops.values()].find((o) => o.status === 'failed')?.error ?? null,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
