// ApiClient's bulk calls against a scripted API behind a fake `fetch` (the API is a boundary we do
// not own here; the worker's integration tests run the same routes through the fake API in
// test/integration). Pure: no sockets.
import { WorkerConfig } from '../config/worker-config';
import { createWorkerLogger } from '../logging/worker-logger';
import { ApiClient, ReportAbortedError } from './api-client';
import { ApiTransport, FetchFn } from './api-transport';

type Handler = (req: { method: string; url: string }, body: unknown) => { status: number; body?: unknown };

const API_URL = 'http://api.test';
let handler: Handler;
const seen: Array<{ method: string; url: string; body: unknown }> = [];
let client: ApiClient;

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const fakeFetch: FetchFn = (url, init) => {
  const text = typeof init.body === 'string' ? init.body : '';
  const body: unknown = text ? JSON.parse(text) : undefined;
  const req = { method: init.method ?? 'GET', url: url.slice(API_URL.length) };
  seen.push({ ...req, body });
  const answer = handler(req, body);
  return Promise.resolve(
    new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    }),
  );
};

beforeEach(() => {
  seen.length = 0;
  const config = { apiUrl: API_URL, internalApiKey: 'k', reportRetryMaxDelayMs: 20 } as WorkerConfig;
  const logger = createWorkerLogger('silent');
  client = new ApiClient(logger, new ApiTransport(config, logger, fakeFetch));
});

type BulkBody = { reports: Array<{ id: string; status: string; result?: unknown }> };

describe('ApiClient.reportMany', () => {
  it('resends only the items without a final outcome, keeps input order', async () => {
    let round = 0;
    handler = (_req, body) => {
      round++;
      const { reports } = body as BulkBody;
      // first round: item 2 gets an outcome we do not know, item 3 is missing, answer reordered
      const data = reports
        .filter((r) => round > 1 || r.id !== id(3))
        .map((r) => ({
          id: r.id,
          outcome: round === 1 && r.id === id(2) ? 'queued' : r.id === id(4) ? 'not_found' : 'stored',
          ...(r.id === id(4) ? {} : { operation: { id: r.id, status: r.status } }),
        }))
        .reverse();
      return { status: 200, body: { data } };
    };
    const results = await client.reportMany([1, 2, 3, 4].map((n) => ({ id: id(n), status: 'running' as const })));
    expect(results.map((r) => [r.id, r.outcome, r.operation?.status])).toEqual([
      [id(1), 'stored', 'running'],
      [id(2), 'stored', 'running'],
      [id(3), 'stored', 'running'],
      [id(4), 'not_found', undefined],
    ]);
    expect(seen.map((s) => (s.body as BulkBody).reports.map((r) => r.id))).toEqual([
      [id(1), id(2), id(3), id(4)],
      [id(2), id(3)],
    ]);
  });

  it('retries the whole request on 503 and aborts when the worker stops', async () => {
    handler = () => ({ status: 503 });
    const pending = client.reportMany([{ id: id(1), status: 'completed' }]);
    await new Promise((r) => setTimeout(r, 400)); // first back-off 200 ms
    client.abort();
    await expect(pending).rejects.toBeInstanceOf(ReportAbortedError);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('an item refused as VALIDATION_ERROR with a result is resent without it', async () => {
    handler = (_req, body) => ({
      status: 200,
      body: {
        data: (body as BulkBody).reports.map((r) =>
          r.result === undefined
            ? { id: r.id, outcome: 'stored', operation: { id: r.id, status: r.status } }
            : { id: r.id, outcome: 'rejected', error: { code: 'VALIDATION_ERROR', message: 'result' } },
        ),
      },
    });
    const [res] = await client.reportMany([{ id: id(1), status: 'completed', result: { big: true } }]);
    expect(res.outcome).toBe('stored');
    expect((seen[1].body as BulkBody).reports).toEqual([{ id: id(1), status: 'completed' }]);
  });

  it('a large report is split into up to 4 parallel requests of at most 500', async () => {
    handler = (_req, body) => ({
      status: 200,
      body: { data: (body as BulkBody).reports.map((r) => ({ id: r.id, outcome: 'stored', operation: r })) },
    });
    const results = await client.reportMany(
      Array.from({ length: 1201 }, (_, n) => ({ id: id(n), status: 'running' as const })),
    );
    expect(results.every((r, n) => r.id === id(n) && r.outcome === 'stored')).toBe(true);
    // 4 requests at once (a few smaller transactions answer sooner), none above the API's 500
    expect(seen.map((s) => (s.body as BulkBody).reports.length).sort()).toEqual([298, 301, 301, 301]);
  });
});

describe('ApiClient.fetchOperations', () => {
  it('the bulk query answers in one request, unknown ids omitted', async () => {
    handler = (_req, body) => ({
      status: 200,
      body: { data: (body as { ids: string[] }).ids.filter((i) => i !== id(2)).map((i) => ({ id: i })) },
    });
    const found = await client.fetchOperations([id(1), id(2), id(1)]);
    expect([...found.keys()]).toEqual([id(1)]);
    expect(seen.map((s) => s.body)).toEqual([{ ids: [id(1), id(2)] }]);
  });
});

describe('bulk routes only (API and worker ship together)', () => {
  it('a 404 from the bulk status route is retried, never answered with single calls', async () => {
    let round = 0;
    handler = (_req, body) => {
      round++;
      if (round < 3) return { status: 404 };
      const { reports } = body as BulkBody;
      return { status: 200, body: { data: reports.map((r) => ({ id: r.id, outcome: 'stored', operation: r })) } };
    };
    const [res] = await client.reportMany([{ id: id(1), status: 'running' }]);
    expect(res.outcome).toBe('stored');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(Array(3).fill('PATCH /internal/operations/status'));
  });

  it('a 404 from the bulk query means the API is not usable now (the batch is handed back)', async () => {
    handler = () => ({ status: 404 });
    await expect(client.fetchOperations([id(1)])).rejects.toThrow('POST /internal/operations/query: HTTP 404');
    expect(seen).toHaveLength(1);
  });
});
