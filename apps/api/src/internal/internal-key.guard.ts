import { createHash, timingSafeEqual } from 'node:crypto';

import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';

import { INTERNAL_KEY_HEADER } from '@app/provisioning';

import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';

/** What the guard puts on the request: the DC a per-DC key belongs to, null for the shared key. */
export interface InternalCaller {
  dcId: string | null;
}

export type InternalRequest = Request & { internalCaller?: InternalCaller };

/**
 * The worker's routes (DOMAIN.md §7), header `X-Internal-Key`:
 * - a DC's own key (`POST /dcs/:id/keys`): looked up by its SHA-256, revoked keys refused;
 *   the caller may then only touch operations of that DC (InternalController, 403 otherwise);
 * - INTERNAL_API_KEY, the shared key of a single-DC installation: every operation. The comparison
 *   hashes both sides first so timingSafeEqual compares equal-length buffers and neither the key's
 *   content nor its length leaks through timing. A school authority leaves it unguessable and unused.
 */
@Injectable()
export class InternalKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(
    config: AppConfig,
    private readonly prisma: PrismaService,
  ) {
    this.expected = sha256(config.internalApiKey);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<InternalRequest>();
    const header = req.headers[INTERNAL_KEY_HEADER];
    const given = Array.isArray(header) ? header[0] : header;
    if (!given) throw new ApiError(401, 'UNAUTHORIZED', 'missing X-Internal-Key header');
    const hash = sha256(given);
    if (timingSafeEqual(hash, this.expected)) {
      req.internalCaller = { dcId: null };
      return true;
    }
    // a unique-index look-up of the hash: the stored value is a hash too, so timing tells nothing
    const key = await this.prisma.workerKey.findUnique({ where: { keyHash: hash.toString('hex') } });
    if (!key || key.revokedAt !== null) throw new ApiError(401, 'UNAUTHORIZED', 'invalid X-Internal-Key');
    req.internalCaller = { dcId: key.dcId };
    return true;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
