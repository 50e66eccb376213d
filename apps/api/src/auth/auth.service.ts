import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { ApiError } from '../common/api-error';
import type { UserRole } from '../generated/prisma/client';
import { toUserView, UsersService, UserView } from '../users/users.service';
import { AuthUser } from './decorators';

/** Claims of our JWT (DOMAIN.md §7): the user id as `sub`, plus name and role for clients to show. */
export interface JwtClaims {
  sub: string;
  username: string;
  role: UserRole;
}

/** One message for unknown user and wrong password, so a login does not reveal which names exist. */
export const BAD_CREDENTIALS = 'invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly jwt: JwtService,
  ) {}

  async login(username: string, password: string): Promise<{ token: string; user: UserView }> {
    const user = await this.users.findByUsername(username);
    if (!(await this.users.checkPassword(user, password)) || !user) {
      throw new ApiError(401, 'UNAUTHORIZED', BAD_CREDENTIALS);
    }
    const claims: JwtClaims = { sub: user.id, username: user.username, role: user.role };
    return { token: await this.jwt.signAsync(claims), user: toUserView(user) };
  }

  /** When a (verified) token expires, in ms since the epoch; undefined if it has no `exp`. */
  expiresAt(token: string): number | undefined {
    const claims = this.jwt.decode<{ exp?: unknown } | null>(token);
    return typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined;
  }

  /**
   * Checks signature and expiry, then re-reads the user: a deleted user or a changed role takes
   * effect immediately instead of when the token expires. Throws 401 on any failure.
   */
  async verifyToken(token: string): Promise<AuthUser> {
    let claims: JwtClaims;
    try {
      claims = await this.jwt.verifyAsync<JwtClaims>(token);
    } catch {
      throw new ApiError(401, 'UNAUTHORIZED', 'invalid or expired token');
    }
    const user = typeof claims.sub === 'string' ? await this.users.findById(claims.sub) : null;
    if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'the user of this token no longer exists');
    return { id: user.id, username: user.username, role: user.role };
  }
}
