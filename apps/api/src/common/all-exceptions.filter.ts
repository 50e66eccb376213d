import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';

import type { ApiErrorCode } from '@app/provisioning';

import { Prisma } from '../generated/prisma/client';
import { ApiError, ErrorBody } from './api-error';
import { isDatabaseUnavailable } from './database-errors';

const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  409: 'DUPLICATE_ENTRY',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** Database column → API field, so a 409 names the field the client sent (DOMAIN.md §7). */
const FIELD_BY_COLUMN: Record<string, string> = {
  mac_address: 'macAddress',
  ip_address: 'ipAddress',
  room_id: 'roomId',
  config_id: 'configId',
  pxe_flag: 'pxeFlag',
  password_hash: 'passwordHash',
};

/** Seconds a client should wait before resending a request answered 503 (the `Retry-After` header). */
export const RETRY_AFTER_SECONDS = 5;

/** What every request answers while PostgreSQL is down or overloaded (see isDatabaseUnavailable). */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unavailable; resend the request later';

interface Mapped {
  status: number;
  body: ErrorBody;
}

/**
 * The one exception filter (CONVENTIONS.md habit 4): every error leaves the API as
 * `{"error": {"code", "message", "details"?}}`. Bad input is never a 500 (DOMAIN.md §7); an unknown
 * error is a 500 INTERNAL_ERROR that reveals nothing about the internals and is logged in full.
 * A database outage, wherever it surfaces, is a 503 SERVICE_UNAVAILABLE: the request changed
 * nothing (its transaction rolled back) and can be resent; every 503 carries `Retry-After`.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('AllExceptionsFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return; // WebSocket errors are handled by the gateway
    const res = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.map(exception);
    if (status >= 500 && status !== 503) this.logger.error(exception instanceof Error ? exception.stack : exception);
    if (isDatabaseUnavailable(exception))
      this.logger.warn(`database unavailable: ${(exception as Error).message.split('\n')[0]}`);
    if (res.headersSent) return;
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(status).json(body);
  }

  map(exception: unknown): Mapped {
    if (exception instanceof ApiError) {
      return envelope(exception.getStatus(), exception.code, exception.message, exception.details);
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    if (isDatabaseUnavailable(exception)) return envelope(503, 'SERVICE_UNAVAILABLE', DATABASE_UNAVAILABLE_MESSAGE);
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      const mapped = fromPrismaError(exception);
      if (mapped) return mapped;
    }
    const bodyParserError = fromBodyParserError(exception);
    if (bodyParserError) return bodyParserError;
    return envelope(500, 'INTERNAL_ERROR', 'Internal server error');
  }
}

function envelope(status: number, code: ApiErrorCode, message: string, details?: unknown): Mapped {
  return { status, body: { error: details === undefined ? { code, message } : { code, message, details } } };
}

function fromHttpException(e: HttpException): Mapped {
  const status = e.getStatus();
  const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR');
  if (status >= 500 && status !== 503) return envelope(500, 'INTERNAL_ERROR', 'Internal server error');
  const response = e.getResponse();
  let message = e.message;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const m = (response as { message: unknown }).message;
    message = Array.isArray(m) ? m.join('; ') : String(m);
  }
  // Nest's 404 for an unknown route says "Cannot GET /x"; keep it, it names the route.
  return envelope(status, code, message);
}

/** Collects every string that looks like a column/field list from Prisma's error meta. */
function metaFields(meta: unknown): string[] {
  const out: string[] = [];
  const visit = (v: unknown, key: string, depth: number): void => {
    if (depth > 5 || v === null || v === undefined) return;
    if (Array.isArray(v)) {
      if (['target', 'fields'].includes(key)) out.push(...v.filter((x): x is string => typeof x === 'string'));
      else v.forEach((x) => visit(x, key, depth + 1));
    } else if (typeof v === 'object') {
      for (const [k, child] of Object.entries(v as Record<string, unknown>)) visit(child, k, depth + 1);
    } else if (typeof v === 'string' && ['target', 'constraint', 'field_name', 'index'].includes(key)) {
      out.push(v);
    }
  };
  visit(meta, '', 0);
  return out;
}

/** `hosts_mac_address_key` / `mac_address` / `macAddress` → `macAddress`. */
function fieldName(raw: string): string {
  let s = raw.replace(/^"|"$/g, '');
  s = s.replace(/^(users|rooms|configs|hosts|operations)_/, '').replace(/_(key|fkey|pkey|check|idx)$/, '');
  s = s.replace(/ \(index\)$/, '');
  return FIELD_BY_COLUMN[s] ?? s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The PostgreSQL error under a driver-adapter error (Prisma 7 + @prisma/adapter-pg). */
function pgCause(meta: unknown): { originalCode?: string; originalMessage?: string } {
  const cause = (meta as { driverAdapterError?: { cause?: unknown } } | undefined)?.driverAdapterError?.cause;
  return typeof cause === 'object' && cause !== null
    ? (cause as { originalCode?: string; originalMessage?: string })
    : {};
}

function fromPrismaError(e: Prisma.PrismaClientKnownRequestError): Mapped | undefined {
  const fields = [...new Set(metaFields(e.meta).map(fieldName))];
  const field = fields[0] ?? 'unknown';
  const cause = pgCause(e.meta);
  if (e.code === 'P2002' || cause.originalCode === '23505') {
    return envelope(
      409,
      'DUPLICATE_ENTRY',
      `${field} is already in use`,
      fields.map((f) => ({ field: f, message: `${f} is already in use` })),
    );
  }
  if (e.code === 'P2025') return envelope(404, 'NOT_FOUND', 'Record not found');
  if (e.code === 'P2003' || cause.originalCode === '23503') {
    // inserting/updating a row that points nowhere is bad input; deleting a row still pointed at is IN_USE
    if (/^insert or update/.test(cause.originalMessage ?? '')) {
      return envelope(400, 'VALIDATION_ERROR', `${field} does not name an existing record`, [
        { field, message: `${field} does not name an existing record` },
      ]);
    }
    return envelope(409, 'IN_USE', `Record is still referenced (${field})`);
  }
  if (cause.originalCode === '23514' || cause.originalCode === '22001') {
    // the DTOs mirror the CHECK constraints, so this is a rule a DTO missed — still bad input, not a 500
    const constraint = /constraint "([^"]+)"/.exec(cause.originalMessage ?? '')?.[1];
    const name = constraint ? fieldName(constraint) : 'value';
    return envelope(400, 'VALIDATION_ERROR', `${name} is not allowed by the database rules`, [
      { field: name, message: `${name} is not allowed by the database rules` },
    ]);
  }
  return undefined;
}

/** Errors of the Express body parsers (they carry `type` and `status`, DOMAIN.md §7: never a 500 for bad input). */
function fromBodyParserError(e: unknown): Mapped | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const err = e as { type?: unknown; status?: unknown; statusCode?: unknown; message?: unknown; limit?: unknown };
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : 0;
  if (typeof err.type !== 'string' || status < 400 || status >= 500) return undefined;
  switch (err.type) {
    case 'entity.too.large':
      return envelope(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than the limit of ${String(err.limit)} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return envelope(415, 'UNSUPPORTED_MEDIA_TYPE', String(err.message));
    case 'entity.parse.failed':
      return envelope(400, 'VALIDATION_ERROR', `Malformed request body: ${String(err.message)}`);
    default:
      return envelope(status, CODE_BY_STATUS[status] ?? 'VALIDATION_ERROR', String(err.message));
  }
}
