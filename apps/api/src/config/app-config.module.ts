import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';

import { ApiEnv, validateApiEnv } from './api-env';
import { AppConfig } from './app-config';

/**
 * Provides the validated AppConfig everywhere (global: every module reads it). At boot the
 * variables come from process.env through ConfigModule, validated by validateApiEnv
 * (CONVENTIONS.md habit 1: a bad variable stops the start with its name); no .env file is read.
 * Tests and the bench pass their own instance.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config?: AppConfig): DynamicModule {
    if (config) {
      return {
        module: AppConfigModule,
        global: true,
        providers: [{ provide: AppConfig, useValue: config }],
        exports: [AppConfig],
      };
    }
    return {
      module: AppConfigModule,
      global: true,
      // skipProcessEnv: ConfigService answers from the validated, typed values only
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, skipProcessEnv: true, validate: validateApiEnv })],
      providers: [
        {
          provide: AppConfig,
          inject: [ConfigService],
          useFactory: (env: ConfigService<ApiEnv, true>) => AppConfig.from(env),
        },
      ],
      exports: [AppConfig],
    };
  }
}
