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

/** Development-only fallbacks; refused when NODE_ENV=production (DOMAIN.md §7: no default secrets). */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me';
export const DEV_INTERNAL_API_KEY = 'dev-only-internal-key-change-me';

/**
 * The API's environment variables (README "Configuration"), checked with class-validator and
 * converted to their types; every one is optional, AppConfig applies the defaults.
 */
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

/**
 * Validates `env` and throws one Error listing every bad variable by name (CONVENTIONS.md habit 1).
 * The `validate` function of ConfigModule.forRoot, and what `new AppConfig(env)` runs.
 */
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
