import { Param, ParseUUIDPipe } from '@nestjs/common';

import { ApiError } from './api-error';

/** A route id that is not a UUID is bad input (400 VALIDATION_ERROR), not an unknown id (404). */
export function uuidPipe(name = 'id'): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => ApiError.validation(name, `${name} must be a UUID`),
  });
}

/** `@UuidParam() id: string` = `@Param('id', ParseUUIDPipe → 400 VALIDATION_ERROR)`. */
export function UuidParam(name = 'id'): ParameterDecorator {
  return Param(name, uuidPipe(name));
}
