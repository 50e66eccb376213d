import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';

import { AppConfig } from '../config/app-config';
import { PrismaClient } from '../generated/prisma/client';

/** The one database client of the API (CONVENTIONS.md habit 5): Prisma on the pg driver adapter. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private static readonly logger = new Logger('PrismaService');

  constructor(config: AppConfig) {
    super({
      adapter: new PrismaPg(
        { connectionString: config.databaseUrl },
        {
          // a PostgreSQL restart kills idle pooled connections: log it; the pool reconnects on demand
          onPoolError: (err) => PrismaService.logger.warn(`database connection lost: ${err.message}`),
          onConnectionError: (err) => PrismaService.logger.warn(`database connection error: ${err.message}`),
        },
      ),
    });
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
