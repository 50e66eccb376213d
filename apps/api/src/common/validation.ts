import { ValidationError, ValidationPipe } from '@nestjs/common';

import { ApiError, FieldProblem } from './api-error';

/** Flattens class-validator errors (nested DTOs too) into `[{field, message}]`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const message of Object.values(e.constraints ?? {})) out.push({ field, message });
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/** 400 VALIDATION_ERROR whose message names every bad field and says why (DOMAIN.md §7, §11 scenario 12). */
export function validationExceptionFactory(errors: ValidationError[]): ApiError {
  const details = flattenValidationErrors(errors);
  const message = details.length > 0 ? details.map((d) => d.message).join('; ') : 'Invalid request';
  return new ApiError(400, 'VALIDATION_ERROR', message, details);
}

/** The one global pipe (CONVENTIONS.md habits 2 and 3): unknown fields are refused, not silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: validationExceptionFactory,
  });
}
