import { BadRequestException, ForbiddenException, HttpException, NotFoundException } from '@nestjs/common';

import { Prisma } from '../generated/prisma/client';
import { AllExceptionsFilter, DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS } from './all-exceptions.filter';
import { ApiError } from './api-error';

/** Prisma 7 + adapter-pg shape of a PostgreSQL error (as observed against a real database). */
function prismaError(code: string, originalCode: string, originalMessage: string, index?: string) {
  return new Prisma.PrismaClientKnownRequestError('db error', {
    code,
    clientVersion: 'test',
    meta: {
      modelName: 'Host',
      driverAdapterError: {
        name: 'DriverAdapterError',
        cause: { originalCode, originalMessage, ...(index ? { constraint: { index } } : {}) },
      },
    },
  });
}

describe('AllExceptionsFilter.map (DOMAIN.md §7 error envelope)', () => {
  const filter = new AllExceptionsFilter();

  it('passes an ApiError through unchanged', () => {
    const mapped = filter.map(new ApiError(409, 'IN_USE', 'room r1 still has hosts', { n: 1 }));
    expect(mapped).toEqual({
      status: 409,
      body: { error: { code: 'IN_USE', message: 'room r1 still has hosts', details: { n: 1 } } },
    });
  });

  it.each([
    [new BadRequestException('bad'), 400, 'VALIDATION_ERROR'],
    [new ForbiddenException(), 403, 'FORBIDDEN'],
    [new NotFoundException('Cannot GET /x'), 404, 'NOT_FOUND'],
    [new HttpException('slow down', 429), 429, 'RATE_LIMITED'],
    [new HttpException('boom', 500), 500, 'INTERNAL_ERROR'],
  ])('maps %p to %i %s', (err, status, code) => {
    const mapped = filter.map(err);
    expect(mapped.status).toBe(status);
    expect(mapped.body.error.code).toBe(code);
  });

  it('P2002 → 409 DUPLICATE_ENTRY naming the API field, not the column', () => {
    const mapped = filter.map(
      prismaError('P2002', '23505', 'duplicate key value violates unique constraint', 'hosts_mac_address_key'),
    );
    expect(mapped).toEqual({
      status: 409,
      body: {
        error: {
          code: 'DUPLICATE_ENTRY',
          message: 'macAddress is already in use',
          details: [{ field: 'macAddress', message: 'macAddress is already in use' }],
        },
      },
    });
  });

  it('P2003: deleting a referenced row → 409 IN_USE; pointing at a missing row → 400', () => {
    const del = filter.map(
      prismaError(
        'P2003',
        '23503',
        'update or delete on table "rooms" violates foreign key constraint',
        'hosts_room_id_fkey',
      ),
    );
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('IN_USE');
    const ins = filter.map(
      prismaError(
        'P2003',
        '23503',
        'insert or update on table "hosts" violates foreign key constraint',
        'hosts_room_id_fkey',
      ),
    );
    expect(ins.status).toBe(400);
    expect(ins.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'roomId' }] });
  });

  it('P2025 → 404 NOT_FOUND', () => {
    const err = new Prisma.PrismaClientKnownRequestError('gone', { code: 'P2025', clientVersion: 'test', meta: {} });
    expect(filter.map(err).status).toBe(404);
  });

  it('a CHECK violation is bad input (400 naming the field), never a 500', () => {
    const mapped = filter.map(
      prismaError('P2039', '23514', 'new row for relation "hosts" violates check constraint "hosts_hostname_check"'),
    );
    expect(mapped.status).toBe(400);
    expect(mapped.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: 'hostname' }] });
  });

  it('body-parser errors: too large → 413, malformed JSON → 400, bad charset → 415', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
      limit: 5242880,
    });
    expect(filter.map(tooLarge)).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const parse = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      type: 'entity.parse.failed',
      status: 400,
    });
    expect(filter.map(parse)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_ERROR' } } });
    const charset = Object.assign(new Error('unsupported charset "X"'), { type: 'charset.unsupported', status: 415 });
    expect(filter.map(charset)).toMatchObject({ status: 415, body: { error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
  });

  it('anything unknown → 500 INTERNAL_ERROR without internals', () => {
    const mapped = filter.map(new Error('connect ECONNREFUSED 10.1.2.3:5432 password=hunter2'));
    expect(mapped).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } },
    });
    expect(filter.map('a string').status).toBe(500);
  });

  it('a database outage, wherever it surfaces → 503 SERVICE_UNAVAILABLE, not a 500 and not the P-code mapping', () => {
    const unreachable = prismaError('P1001', '', '');
    const lost = prismaError('P2010', '08006', 'connection failure');
    const init = new Prisma.PrismaClientInitializationError("Can't reach database server", 'test');
    for (const err of [unreachable, lost, init]) {
      expect(filter.map(err)).toEqual({
        status: 503,
        body: { error: { code: 'SERVICE_UNAVAILABLE', message: DATABASE_UNAVAILABLE_MESSAGE } },
      });
    }
  });

  it('every 503 answer carries Retry-After; other statuses do not', () => {
    const sent = (err: unknown) => {
      const headers: Record<string, string> = {};
      let status = 0;
      const res = {
        headersSent: false,
        setHeader: (name: string, value: string) => (headers[name] = value),
        status: (code: number) => ((status = code), res),
        json: () => res,
      };
      const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res }) };
      filter.catch(err, host as never);
      return { status, headers };
    };
    expect(sent(prismaError('P1001', '', ''))).toEqual({
      status: 503,
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
    expect(sent(new ApiError(503, 'SERVICE_UNAVAILABLE', 'redis down')).headers['Retry-After']).toBe('5');
    expect(sent(new NotFoundException()).headers).toEqual({});
  });
});
