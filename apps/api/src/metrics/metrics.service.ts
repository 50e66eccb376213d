import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { PrismaService } from '../prisma/prisma.service';

/**
 * Prometheus metrics of the API (docs/OPERATIONS.md "What to watch"): HTTP requests, jobs by status and the
 * outbox backlog. Job and host figures are read from the database at scrape time, so they are
 * right across several API instances and restarts.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'linbo_api_http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'linbo_api_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(private readonly prisma: PrismaService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'linbo_api_' });
    const prismaRef = this.prisma;
    new Gauge({
      name: 'linbo_api_operations',
      help: 'Operations by type and status',
      labelNames: ['type', 'status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await prismaRef.operation.groupBy({ by: ['type', 'status'], _count: { _all: true } });
        this.reset();
        for (const r of rows) this.set({ type: r.type, status: r.status }, r._count._all);
      },
    });
    new Gauge({
      name: 'linbo_api_outbox_backlog',
      help: 'Operations written but not yet published to the jobs stream',
      registers: [this.registry],
      async collect() {
        this.set(
          await prismaRef.operation.count({ where: { publishedAt: null, status: { in: ['pending', 'retrying'] } } }),
        );
      },
    });
    new Gauge({
      name: 'linbo_api_hosts',
      help: 'Hosts by provisionStatus ("none" = never provisioned)',
      labelNames: ['provision_status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await prismaRef.host.groupBy({ by: ['provisionStatus'], _count: { _all: true } });
        this.reset();
        for (const r of rows) this.set({ provision_status: r.provisionStatus ?? 'none' }, r._count._all);
      },
    });
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
    this.httpDuration.observe({ method, route }, seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
