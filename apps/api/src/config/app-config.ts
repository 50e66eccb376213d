import { Injectable } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';

import { ApiEnv, DEV_INTERNAL_API_KEY, DEV_JWT_SECRET, validateApiEnv } from './api-env';

export { ApiEnv, DEV_INTERNAL_API_KEY, DEV_JWT_SECRET, validateApiEnv } from './api-env';

/** A typed read of one validated variable (from ConfigService, or from a validated ApiEnv). */
export type ApiEnvReader = <K extends keyof ApiEnv>(key: K) => ApiEnv[K];

/**
 * Typed, validated configuration of the API with its defaults; inject this instead of reading
 * process.env. At boot it reads the variables ConfigModule validated (AppConfig.from); tests and
 * the bench build one from their own variables with `new AppConfig(env)`, by the same rules.
 */
@Injectable()
export class AppConfig {
  readonly nodeEnv: string;
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly jwtSecret: string;
  readonly jwtExpiresIn: string;
  readonly internalApiKey: string;
  readonly adminUsername: string | undefined;
  readonly adminPassword: string | undefined;
  /** DC_PROVISIONING_ENABLED: off unless exactly `true` (DOMAIN.md §7) */
  readonly provisioningEnabled: boolean;
  /** DC_PROVISIONING_DRYRUN: defaults to true (DOMAIN.md §7) */
  readonly provisioningDryRun: boolean;
  readonly maxAttempts: number;
  /** the school jobs are queued for */
  readonly school: string;
  readonly outboxPollMs: number;
  readonly loginRateLimit: number;
  readonly logLevel: string;
  /** CORS_ORIGINS: browser origins allowed to call the API; empty = CORS closed (docs/API.md) */
  readonly corsOrigins: string[];

  /** `env`: raw variables (validated here, throwing naming every bad one) or a reader of validated ones. */
  constructor(env: Record<string, unknown> | ApiEnvReader = process.env) {
    const e: ApiEnvReader = typeof env === 'function' ? env : readerOf(validateApiEnv(env));
    this.nodeEnv = e('NODE_ENV') ?? 'development';
    this.port = e('PORT') ?? 3000;
    this.host = e('HOST') ?? '127.0.0.1';
    this.databaseUrl = e('DATABASE_URL') ?? 'postgresql://postgres@127.0.0.1:5432/linbo';
    this.redisUrl = e('REDIS_URL') ?? 'redis://127.0.0.1:6379';
    this.jwtSecret = e('JWT_SECRET') ?? DEV_JWT_SECRET;
    this.jwtExpiresIn = e('JWT_EXPIRES_IN') ?? '12h';
    this.internalApiKey = e('INTERNAL_API_KEY') ?? DEV_INTERNAL_API_KEY;
    this.adminUsername = e('ADMIN_USERNAME');
    this.adminPassword = e('ADMIN_PASSWORD');
    this.provisioningEnabled = e('DC_PROVISIONING_ENABLED') === true;
    this.provisioningDryRun = e('DC_PROVISIONING_DRYRUN') ?? true;
    this.maxAttempts = e('PROVISION_MAX_ATTEMPTS') ?? 3;
    this.school = e('SCHOOL') ?? 'default-school';
    this.outboxPollMs = e('OUTBOX_POLL_MS') ?? 1000;
    this.loginRateLimit = e('LOGIN_RATE_LIMIT') ?? 10;
    this.logLevel = e('LOG_LEVEL') ?? 'info';
    this.corsOrigins = (e('CORS_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
  }

  /** The configuration ConfigModule validated (ConfigModule.forRoot({ validate: validateApiEnv })). */
  static from(config: ConfigService<ApiEnv, true>): AppConfig {
    return new AppConfig((key) => config.get(key, { infer: true }));
  }
}

function readerOf(env: ApiEnv): ApiEnvReader {
  return (key) => env[key];
}
