import { createParamDecorator, CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';

import type { UserRole } from '../generated/prisma/client';

export const IS_PUBLIC_KEY = 'auth:isPublic';
export const ROLES_KEY = 'auth:roles';
export const RATE_LIMITED_KEY = 'auth:rateLimited';

/** The authenticated caller, as JwtAuthGuard puts it on the request. */
export interface AuthUser {
  id: string;
  username: string;
  role: UserRole;
}

/** No JWT needed (login, health, internal routes with their own key guard). */
export const Public = (): CustomDecorator<string> => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Only these roles may call the route. Without @Roles a route is open to every authenticated user
 * for reads (GET/HEAD) and to admin/operator for writes, so a viewer is read-only by default
 * (DOMAIN.md §7 roles) even where a controller forgets the decorator.
 */
export const Roles = (...roles: UserRole[]): CustomDecorator<string> => SetMetadata(ROLES_KEY, roles);

/** `@CurrentUser() user: AuthUser` — the caller of an authenticated route. */
export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser | undefined => {
  return ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
});

/** Marks a route for the login rate limit (AppConfig.loginRateLimit per minute per IP). */
export const LoginRateLimit = (): CustomDecorator<string> => SetMetadata(RATE_LIMITED_KEY, true);
