import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/**
 * Provides the validated AppConfig everywhere. Built from process.env at boot (CONVENTIONS.md habit 1:
 * a bad variable stops the start with its name); tests pass their own instance or override it.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        config ? { provide: AppConfig, useValue: config } : { provide: AppConfig, useFactory: () => new AppConfig() },
      ],
      exports: [AppConfig],
    };
  }
}
