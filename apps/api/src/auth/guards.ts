import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';

import { ApiError } from '../common/api-error';
import type { UserRole } from '../generated/prisma/client';
import { AuthService } from './auth.service';
import { AuthUser, IS_PUBLIC_KEY, RATE_LIMITED_KEY, ROLES_KEY } from './decorators';

/** Reads are open to every role; everything else needs one of these unless @Roles says otherwise. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const DEFAULT_WRITE_ROLES: readonly UserRole[] = ['admin', 'operator'];

type AuthedRequest = Request & { user?: AuthUser };

function isPublic(reflector: Reflector, ctx: ExecutionContext): boolean {
  return reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [ctx.getHandler(), ctx.getClass()]) === true;
}

/** Every HTTP route needs `Authorization: Bearer <jwt>` unless it is @Public() (DOMAIN.md §7). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http' || isPublic(this.reflector, ctx)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'UNAUTHORIZED', 'missing bearer token (Authorization: Bearer <token>)');
    req.user = await this.auth.verifyToken(match[1]);
    return true;
  }
}

/**
 * Roles (DOMAIN.md §7): @Roles lists who may call; without it reads are open to everyone signed in
 * and writes to admin/operator, so a viewer is read-only.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http' || isPublic(this.reflector, ctx)) return true;
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const user = req.user;
    if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'not authenticated');
    const declared = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES_KEY, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    const allowed = declared ?? (READ_METHODS.has(req.method) ? undefined : DEFAULT_WRITE_ROLES);
    if (allowed && !allowed.includes(user.role)) {
      throw new ApiError(403, 'FORBIDDEN', `role ${user.role} may not do this (needs ${allowed.join(' or ')})`);
    }
    return true;
  }
}

/**
 * The throttler as a global guard that only counts routes marked @LoginRateLimit(): the login is
 * limited to AppConfig.loginRateLimit attempts per minute per client IP; other routes are not
 * throttled (a school's admin tools legitimately send bursts).
 */
@Injectable()
export class LoginThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    return this.reflector.getAllAndOverride<boolean>(RATE_LIMITED_KEY, [ctx.getHandler(), ctx.getClass()]) !== true;
  }

  protected override async throwThrottlingException(
    _ctx: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new ApiError(429, 'RATE_LIMITED', `too many login attempts; try again in ${seconds} s`);
  }
}
