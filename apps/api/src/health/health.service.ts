import { Injectable } from '@nestjs/common';

import { RedisConnections } from '@app/redis-streams';

import { PrismaService } from '../prisma/prisma.service';

/** How long a readiness probe waits for one dependency before calling it down. */
export const READY_CHECK_TIMEOUT_MS = 1500;

export interface ReadyReport {
  status: 'ok' | 'down';
  checks: { database: 'up' | 'down'; redis: 'up' | 'down' };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Readiness of the API's two dependencies (DOMAIN.md §7 `GET /health/ready`). */
@Injectable()
export class HealthService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly redis: RedisConnections,
  ) {}

  async ready(): Promise<ReadyReport> {
    const [database, redis] = await Promise.all([
      this.probe(() => this.prisma.$queryRaw`SELECT 1`),
      // PING on the non-blocking command connection; a blocked or offline client answers late or not at all
      this.probe(() => this.redis.command.ping()),
    ]);
    return { status: database === 'up' && redis === 'up' ? 'ok' : 'down', checks: { database, redis } };
  }

  private async probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
    try {
      await withTimeout(check(), READY_CHECK_TIMEOUT_MS);
      return 'up';
    } catch {
      return 'down';
    }
  }
}
