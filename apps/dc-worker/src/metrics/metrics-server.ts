import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';

import { WORKER_CONFIG, WorkerConfig } from '../config/worker-config';
import { WORKER_LOGGER, WorkerLogger } from '../logging/worker-logger';
import { WorkerMetrics } from './worker-metrics';

/**
 * A small `node:http` server on METRICS_HOST:METRICS_PORT: GET /metrics (Prometheus
 * text format) and GET /health (liveness: the process and its event loop answer). Off with
 * METRICS_PORT=0. Failing to listen (port taken) is logged, never fatal: provisioning matters more
 * than its metrics. Closed on shutdown.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private server: Server | null = null;
  private readonly started = Date.now();

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(WORKER_LOGGER) private readonly logger: WorkerLogger,
    private readonly metrics: WorkerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.metricsPort === 0) return;
    const server = createServer((req, res) => void this.handle(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.config.metricsPort, this.config.metricsHost, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.logger.error(
        { host: this.config.metricsHost, port: this.config.metricsPort, err: (err as Error).message },
        'metrics server cannot listen; running without metrics',
      );
      return;
    }
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.logger.info({ host: addr.address, port: addr.port }, 'metrics server listening (/metrics, /health)');
  }

  async onModuleDestroy(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
    if (path === '/health') {
      const body = JSON.stringify({ status: 'ok', uptimeSec: Math.round((Date.now() - this.started) / 1000) });
      return send(res, 200, 'application/json', `${body}\n`);
    }
    if (path !== '/metrics') return send(res, 404, 'text/plain', 'not found\n');
    try {
      send(res, 200, this.metrics.registry.contentType, await this.metrics.registry.metrics());
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'metrics scrape failed');
      send(res, 500, 'text/plain', 'metrics unavailable\n');
    }
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
