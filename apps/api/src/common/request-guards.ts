/**
 * Whole classes of hostile input, refused in one place before any controller sees them
 * (DOMAIN.md §7: never a 500 for bad input; a refused request changes nothing). Limits: ./limits.ts,
 * documented in docs/API.md "Limits on client input".
 *
 * - body bytes (body-parser `verify`): only UTF-8, valid UTF-8, JSON nested at most JSON_MAX_DEPTH
 *   (checked on the bytes, before anything recurses into the value), no NUL in a text body;
 * - the parsed JSON value: no prototype keys, no NUL or lone surrogate in any string or key, every
 *   number finite and, when integral, a safe integer;
 * - path and query string: valid percent-encoded UTF-8, no NUL, no prototype keys, no repeated
 *   keys, bounded count and length, no integer beyond the safe range;
 * - HTTP-level garbage (oversize headers, timeouts, malformed requests): the envelope, written on
 *   the socket because no Express request exists yet.
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

import type { NextFunction, Request, Response } from 'express';

import type { ApiErrorCode } from '@app/provisioning';

import { ApiError } from './api-error';
import {
  HEADER_MAX_BYTES,
  JSON_MAX_DEPTH,
  PROTOTYPE_KEYS,
  QUERY_MAX_PARAMS,
  QUERY_MAX_VALUE_CHARS,
  REQUEST_TIMEOUT_MS,
} from './limits';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Why a string cannot be stored or compared safely (PostgreSQL text refuses NUL), or null. */
export function stringProblem(s: string, field: string): string | null {
  if (s.includes('\u0000')) return `${field} must not contain a NUL character`;
  if (LONE_SURROGATE.test(s)) return `${field} must be valid Unicode (it holds a lone surrogate)`;
  return null;
}

/** Why a JSON number is refused, or null. */
export function numberProblem(n: number, field: string): string | null {
  if (!Number.isFinite(n)) return `${field} must be a finite number`;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) {
    return `${field} must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
  }
  return null;
}

/** The first problem in a parsed JSON value, walked without recursion (depth is already bounded). */
export function jsonValueProblem(root: unknown): { field: string; message: string } | null {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    const field = path || 'body';
    if (typeof value === 'string') {
      const p = stringProblem(value, field);
      if (p) return { field, message: p };
    } else if (typeof value === 'number') {
      const p = numberProblem(value, field);
      if (p) return { field, message: p };
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push([item, `${path}[${i}]`]));
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value)) {
        const child = path ? `${path}.${key}` : key;
        if (PROTOTYPE_KEYS.has(key)) return { field: child, message: `property ${child} should not exist` };
        const p = stringProblem(key, `property name ${JSON.stringify(key.slice(0, 40))}`);
        if (p) return { field: child, message: p };
        stack.push([(value as Record<string, unknown>)[key], child]);
      }
    }
  }
  return null;
}

/** Deepest `{`/`[` nesting in JSON text, scanned on the bytes (strings and escapes skipped). */
export function jsonDepthExceeds(buf: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (inString) {
      if (b === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) return true;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return false;
}

function requireUtf8(buf: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8') {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `charset "${encoding}" is not accepted: send UTF-8`);
  }
  if (!isUtf8(buf)) throw ApiError.validation('body', 'the request body is not valid UTF-8');
}

/** body-parser `verify` for JSON: runs on the raw bytes before JSON.parse. */
export function verifyJsonBody(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  requireUtf8(buf, encoding);
  if (jsonDepthExceeds(buf, JSON_MAX_DEPTH)) {
    throw ApiError.validation('body', `the JSON body is nested deeper than ${JSON_MAX_DEPTH} levels`);
  }
}

/** body-parser `verify` for text (devices.csv, DOMAIN.md §2): UTF-8 text, no binary. */
export function verifyTextBody(_req: IncomingMessage, _res: ServerResponse, buf: Buffer, encoding: string): void {
  requireUtf8(buf, encoding);
  if (buf.includes(0)) throw ApiError.validation('body', 'the request body must not contain NUL bytes (binary data)');
}

/** Middleware after the JSON parser: refuses the value-level classes in any JSON body. */
export function jsonValueGuard(req: Request, _res: Response, next: NextFunction): void {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) return next();
  const problem = jsonValueProblem(body);
  next(problem ? ApiError.validation(problem.field, problem.message) : undefined);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw ApiError.validation(what, `${what} is not valid percent-encoded UTF-8`);
  }
}

/** Why a path or query string is refused, as an ApiError, or null. Exported for the unit tests. */
export function urlProblem(url: string): ApiError | null {
  try {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const segment of path.split('/')) {
      const p = stringProblem(decode(segment, 'path'), 'path');
      if (p) return ApiError.validation('path', p);
    }
    if (q === -1) return null;
    const seen = new Set<string>();
    const pairs = url
      .slice(q + 1)
      .split('&')
      .filter((p) => p.length > 0);
    if (pairs.length > QUERY_MAX_PARAMS) {
      return ApiError.validation('query', `the query string has more than ${QUERY_MAX_PARAMS} parameters`);
    }
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = decode((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '), 'query');
      const value = eq === -1 ? '' : decode(pair.slice(eq + 1).replace(/\+/g, ' '), 'query');
      const problem = queryParamProblem(key, value, seen);
      if (problem) return ApiError.validation(key.slice(0, 64) || 'query', problem);
      seen.add(key);
    }
    return null;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
}

function queryParamProblem(key: string, value: string, seen: ReadonlySet<string>): string | null {
  const keyProblem = stringProblem(key, 'a query parameter name');
  if (keyProblem) return keyProblem;
  if (PROTOTYPE_KEYS.has(key) || /\[|\]/.test(key)) return `query parameter ${key} should not exist`;
  if (seen.has(key)) return `query parameter ${key} must be given once`;
  const valueProblem = stringProblem(value, key);
  if (valueProblem) return valueProblem;
  if (value.length > QUERY_MAX_VALUE_CHARS) return `${key} must be at most ${QUERY_MAX_VALUE_CHARS} characters long`;
  if (NUMBER_TEXT.test(value)) return numberProblem(Number(value), key);
  return null;
}

/** Middleware first in the chain: refuses bad paths and query strings for every route. */
export function urlGuard(req: Request, _res: Response, next: NextFunction): void {
  next(urlProblem(req.originalUrl || req.url) ?? undefined);
}

const CLIENT_ERRORS: Record<string, [number, string, ApiErrorCode, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'HEADERS_TOO_LARGE',
    `request headers are larger than ${HEADER_MAX_BYTES} bytes`,
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'REQUEST_TIMEOUT',
    `the request did not arrive within ${REQUEST_TIMEOUT_MS / 1000} s`,
  ],
};

/**
 * `clientError` handler of the HTTP server: what Node's parser refuses (oversize headers, a
 * timeout, malformed HTTP) gets a 4xx with the error envelope instead of a bare status line.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, message] = CLIENT_ERRORS[err.code ?? ''] ?? [
    400,
    'Bad Request',
    'VALIDATION_ERROR',
    'malformed HTTP request',
  ];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
