import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ServeStaticModule } from '@nestjs/serve-static';
import { LoggerModule } from 'nestjs-pino';

import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { pinoParams } from './common/logging';
import { createValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { ConfigsModule } from './configs/configs.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { HostsModule } from './hosts/hosts.module';
import { ImportModule } from './import/import.module';
import { InternalModule } from './internal/internal.module';
import { MetricsModule } from './metrics/metrics.module';
import { OperationsModule } from './operations/operations.module';
import { PrismaModule } from './prisma/prisma.module';
import { ProvisioningModule } from './provisioning/provisioning.module';
import { RedisModule } from './redis/redis.module';
import { RoomsModule } from './rooms/rooms.module';
import { SchoolsModule } from './schools/schools.module';
import { UsersModule } from './users/users.module';

/** The web console's build (`npm run build` puts it beside the API in dist/web; apps/web/README.md). */
const WEB_ROOT = join(__dirname, '..', '..', '..', 'web');

/**
 * The console on the same origin: its files, and index.html for every other GET (client-side
 * routes) — except the API, the socket and the metrics, which must keep their own 404s. Absent
 * when the console is not built (tests that run the API from source).
 */
function webConsole(): DynamicModule[] {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) return [];
  return [ServeStaticModule.forRoot({ rootPath: WEB_ROOT, exclude: ['/api/{*rest}', '/ws', '/metrics'] })];
}

/**
 * Root module. The global pipe and filter are APP_* providers (CONVENTIONS.md habit 2) so a test app
 * built from this module behaves exactly like production; AuthModule registers the guards the
 * same way. Every feature module is listed here (none is pulled in behind another's back).
 * `config` replaces the env-derived AppConfig (tests, bench).
 */
@Module({})
export class AppModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: pinoParams }),
        PrismaModule,
        RedisModule,
        EventsModule,
        AuthModule,
        ProvisioningModule,
        MetricsModule,
        HealthModule,
        RoomsModule,
        SchoolsModule,
        ConfigsModule,
        HostsModule,
        ImportModule,
        UsersModule,
        OperationsModule,
        InternalModule,
        ...webConsole(),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
