import { createServer } from 'node:net';
import { AddressInfo } from 'node:net';

import { loadWorkerConfig } from '../../../apps/dc-worker/src/config/worker-config';
import { createWorkerLogger } from '../../../apps/dc-worker/src/logging/worker-logger';
import { MetricsServer } from '../../../apps/dc-worker/src/metrics/metrics-server';
import { WorkerMetrics } from '../../../apps/dc-worker/src/metrics/worker-metrics';
import { batchOutcome } from '../../../apps/dc-worker/src/pipeline/verdicts';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function serverOn(port: number, metrics = new WorkerMetrics()) {
  const config = loadWorkerConfig({ INTERNAL_API_KEY: 'k', METRICS_PORT: String(port) });
  const logger = createWorkerLogger('silent');
  const errors: string[] = [];
  logger.error = ((obj: unknown, msg: string) => errors.push(msg)) as never;
  return { server: new MetricsServer(config, logger, metrics), errors, metrics };
}

describe('MetricsServer', () => {
  it('serves /metrics with the counters and the stream gauges, /health, 404 elsewhere; closes', async () => {
    const port = await freePort();
    const { server, metrics } = serverOn(port);
    metrics.setStreamProbe({
      stream: 'linbo:jobs',
      lag: () => Promise.resolve(7),
      pending: () => Promise.reject(new Error('redis gone')),
    });
    metrics.batchDone('north', 'partial');
    metrics.deadLettered('delivery_limit');
    await server.onApplicationBootstrap();
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('linbo_worker_batches_total{school="north",outcome="partial"} 1');
      expect(text).toContain('linbo_worker_dead_letters_total{reason="delivery_limit"} 1');
      expect(text).toContain('linbo_worker_stream_lag{stream="linbo:jobs"} 7');
      // a probe that fails gives no sample instead of a failed scrape
      expect(text).not.toMatch(/^linbo_worker_stream_pending[{ ]/m);
      expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toMatchObject({ status: 'ok' });
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.onModuleDestroy();
    }
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('a port already taken is logged, not fatal', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const { port } = blocker.address() as AddressInfo;
    const { server, errors } = serverOn(port);
    try {
      await expect(server.onApplicationBootstrap()).resolves.toBeUndefined();
      expect(errors).toEqual(['metrics server cannot listen; running without metrics']);
    } finally {
      await server.onModuleDestroy();
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });
});

describe('batchOutcome', () => {
  const ok = { status: 'completed' as const, result: {} };
  const bad = { status: 'failed' as const, code: 'IMPORT_FAILED' as const, message: 'x' };
  it.each([
    [[ok, ok], 0, 'completed'],
    [[bad], 0, 'failed'],
    [[ok, bad], 0, 'partial'],
    [[], 0, 'skipped'],
    [[ok], 2, 'handed_back'],
  ] as const)('%j handed back %d → %s', (verdicts, handedBack, outcome) => {
    expect(batchOutcome([...verdicts], handedBack)).toBe(outcome);
  });
});
