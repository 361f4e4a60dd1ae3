import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';

export class ErrorDetail {
  @ApiProperty({ example: 'name', description: 'The field (or JSON Pointer) the problem is about' })
  field: string;

  @ApiProperty({ example: 'name must be shorter than or equal to 100 characters' })
  message: string;
}

/** One problem of an invalid configuration (POST /api/v1/provision and /provision/test). */
export class ConfigurationErrorItem {
  @ApiProperty({ example: '/users/0/email', description: 'A JSON Pointer (RFC 6901) into the submitted configuration' })
  path: string;

  @ApiProperty({ example: '"natsu@" is not a valid e-mail address (user e-mail)' })
  message: string;
}

/** The one error shape of the API. */
export class ErrorResponse {
  @ApiProperty({ example: 400, type: 'integer', format: 'int32' })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'Request validation failed' })
  message: string;

  @ApiPropertyOptional({ type: [ErrorDetail] })
  details?: ErrorDetail[];

  @ApiPropertyOptional({
    type: [ConfigurationErrorItem],
    description: 'Set when the configuration is invalid (message "Configuration is invalid"): every problem found, at most 1,000',
  })
  errors?: ConfigurationErrorItem[];

  @ApiPropertyOptional({ description: 'Set on 500 responses: quote it when reporting the problem' })
  requestId?: string;
}

export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error';
}

/**
 * Throws an error in the API's shape with any status. `extra` adds fields (for example `details`,
 * or `errors` for configuration validation).
 */
export class ApiError extends HttpException {
  constructor(status: HttpStatus | number, message: string, extra: Record<string, unknown> = {}) {
    super({ statusCode: status, error: reasonPhrase(status), message, ...extra }, status);
  }
}
