import { Injectable } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : String(value).toLowerCase() === 'true';
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** Development-only fallbacks; refused when NODE_ENV=production (issue 3, item 6). */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me';
export const DEV_INTERNAL_API_KEY = 'dev-only-internal-key-change-me';

/** The API's environment, validated once at boot (CONVENTIONS.md habit 1). */
export class ApiEnv {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @IsString() HOST?: string;
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' }) REDIS_URL?: string;
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'JWT_SECRET must be at least 16 characters' })
  JWT_SECRET?: string;
  @IsOptional() @IsString() JWT_EXPIRES_IN?: string;
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'INTERNAL_API_KEY must be at least 16 characters' })
  INTERNAL_API_KEY?: string;
  @IsOptional() @IsString() ADMIN_USERNAME?: string;
  @IsOptional() @IsString() ADMIN_PASSWORD?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() DC_PROVISIONING_ENABLED?: boolean;
  @IsOptional() @Transform(toBool) @IsBoolean() DC_PROVISIONING_DRYRUN?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(20) PROVISION_MAX_ATTEMPTS?: number;
  @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'SCHOOL must match [A-Za-z0-9_-]{1,64}' }) SCHOOL?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) OUTBOX_POLL_MS?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) LOGIN_RATE_LIMIT?: number;
  @IsOptional()
  @Matches(/^(https?:\/\/[^\s,]+)(\s*,\s*https?:\/\/[^\s,]+)*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of http(s):// origins',
  })
  CORS_ORIGINS?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
}

/** Validates `env` and throws one Error listing every bad variable by name. */
export function validateApiEnv(env: Record<string, unknown>): ApiEnv {
  const parsed = plainToInstance(ApiEnv, env, { enableImplicitConversion: false });
  const errors = validateSync(parsed, { whitelist: false, skipMissingProperties: false });
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`));
  if (parsed.NODE_ENV === 'production') {
    if (!parsed.JWT_SECRET || parsed.JWT_SECRET === DEV_JWT_SECRET) {
      problems.push('JWT_SECRET: must be set to a non-default secret in production');
    }
    if (!parsed.INTERNAL_API_KEY || parsed.INTERNAL_API_KEY === DEV_INTERNAL_API_KEY) {
      problems.push('INTERNAL_API_KEY: must be set to a non-default key in production');
    }
  }
  if (problems.length > 0) throw new Error(`Invalid API configuration:\n  ${problems.join('\n  ')}`);
  return parsed;
}

/** Typed, validated configuration of the API; inject this instead of reading process.env. */
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

  constructor(env: Record<string, unknown> = process.env) {
    const e = validateApiEnv(env);
    this.nodeEnv = e.NODE_ENV ?? 'development';
    this.port = e.PORT ?? 3000;
    this.host = e.HOST ?? '127.0.0.1';
    this.databaseUrl = e.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/linbo';
    this.redisUrl = e.REDIS_URL ?? 'redis://127.0.0.1:6379';
    this.jwtSecret = e.JWT_SECRET ?? DEV_JWT_SECRET;
    this.jwtExpiresIn = e.JWT_EXPIRES_IN ?? '12h';
    this.internalApiKey = e.INTERNAL_API_KEY ?? DEV_INTERNAL_API_KEY;
    this.adminUsername = e.ADMIN_USERNAME;
    this.adminPassword = e.ADMIN_PASSWORD;
    this.provisioningEnabled = e.DC_PROVISIONING_ENABLED === true;
    this.provisioningDryRun = e.DC_PROVISIONING_DRYRUN ?? true;
    this.maxAttempts = e.PROVISION_MAX_ATTEMPTS ?? 3;
    this.school = e.SCHOOL ?? 'default-school';
    this.outboxPollMs = e.OUTBOX_POLL_MS ?? 1000;
    this.loginRateLimit = e.LOGIN_RATE_LIMIT ?? 10;
    this.logLevel = e.LOG_LEVEL ?? 'info';
    this.corsOrigins = (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o.length > 0);
  }
}
