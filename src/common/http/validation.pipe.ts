import { HttpStatus, ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './error-response.js';

function flatten(errors: ValidationError[], parent = ''): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Strict request validation: unknown properties are errors, types are not guessed (no implicit
 * conversion), and every problem is listed in `details` with its field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new ApiError(HttpStatus.BAD_REQUEST, 'Request validation failed', { details: flatten(errors) }),
  });
}
