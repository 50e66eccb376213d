import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { INTERNAL_KEY_HEADER } from '@app/provisioning';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';

/**
 * The worker's routes (DOMAIN.md §7): header `X-Internal-Key` must equal INTERNAL_API_KEY. Both sides
 * are hashed first so timingSafeEqual compares equal-length buffers and neither the key's
 * content nor its length leaks through timing.
 */
@Injectable()
export class InternalKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = sha256(config.internalApiKey);
  }

  canActivate(ctx: ExecutionContext): boolean {
    const header = ctx.switchToHttp().getRequest<Request>().headers[INTERNAL_KEY_HEADER];
    const given = Array.isArray(header) ? header[0] : header;
    if (!given) throw new ApiError(401, 'UNAUTHORIZED', 'missing X-Internal-Key header');
    if (!timingSafeEqual(sha256(given), this.expected)) {
      throw new ApiError(401, 'UNAUTHORIZED', 'invalid X-Internal-Key');
    }
    return true;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
