import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import type { StringValue } from 'ms';

import { RedisConnections } from '@app/redis-streams';

import { AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard, LoginThrottlerGuard, RolesGuard } from './guards';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/**
 * JWT_EXPIRES_IN as jsonwebtoken takes it: seconds (`3600`) or a duration (`12h`, `30m`, `7d`).
 * Checked at boot so a typo stops the start naming the variable instead of failing every login.
 */
export function tokenLifetime(value: string): number | StringValue {
  if (/^\d+$/.test(value)) return Number(value);
  if (/^\d+(\.\d+)?\s?(ms|s|m|h|d|w|y)$/i.test(value)) return value as StringValue;
  throw new Error(
    `Invalid API configuration:\n  JWT_EXPIRES_IN: "${value}" is not a duration like 3600, 30m, 12h or 7d`,
  );
}

/** One minute window of the login rate limit (AppConfig.loginRateLimit attempts per minute per client address). */
const LOGIN_WINDOW_MS = 60_000;

/**
 * Authentication and authorisation. The guards are APP_GUARDs registered here (CONVENTIONS.md habit 2)
 * so importing AuthModule is all the root module does; they run in this order: login throttle
 * (before any bcrypt work), JWT, roles.
 */
@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        secret: config.jwtSecret,
        signOptions: { expiresIn: tokenLifetime(config.jwtExpiresIn) },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, RedisConnections],
      useFactory: (config: AppConfig, redis: RedisConnections) => ({
        throttlers: [{ name: 'login', ttl: LOGIN_WINDOW_MS, limit: config.loginRateLimit }],
        // counted in Redis, so every API replica shares the limit (a balancer must not multiply it)
        storage: new RedisThrottlerStorage(redis.command),
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    { provide: APP_GUARD, useClass: LoginThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, UsersModule],
})
export class AuthModule {}
