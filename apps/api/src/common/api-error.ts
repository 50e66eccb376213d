import { HttpException } from '@nestjs/common';

import type { ApiErrorCode } from '@app/provisioning';

/** One problem with one input field, as listed in `error.details` (DOMAIN.md §7). */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Body of every error response (DOMAIN.md §7): `{"error": {"code", "message", "details"?}}`. */
export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

/**
 * The error every service throws: an HTTP status plus a stable code from `@app/provisioning`.
 * AllExceptionsFilter turns it into the envelope above unchanged.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message, status);
  }

  static validation(field: string, message: string): ApiError {
    return new ApiError(400, 'VALIDATION_ERROR', message, [{ field, message }] satisfies FieldProblem[]);
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'NOT_FOUND', `${what} not found`);
  }

  static duplicate(field: string, message: string): ApiError {
    return new ApiError(409, 'DUPLICATE_ENTRY', message, [{ field, message }] satisfies FieldProblem[]);
  }
}
