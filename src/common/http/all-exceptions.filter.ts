import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { logOfRequest } from '../auth/caller.js';
import { withContext } from '../logging/request-context.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from './database-unavailable.js';
import { reasonPhrase } from './error-response.js';

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

/**
 * Turns every error into `{ statusCode, error, message, details? }`. Known HTTP errors keep their
 * message; PostgreSQL out of reach is a 503 with Retry-After (send the request again); anything
 * unexpected is a 500 that names the request id and nothing else.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(withContext(`database unavailable: ${(exception as Error).message}`, logOfRequest(request)));
      const body = {
        statusCode: 503,
        error: reasonPhrase(503),
        message: 'The database is unavailable for a moment; send the request again shortly (POST /api/v1/provision with the same Idempotency-Key)',
        requestId: request.id,
      };
      void reply.status(503).header('retry-after', '2').header('content-type', 'application/json; charset=utf-8').send(body);
      return;
    }
    const { status, body } = this.toBody(exception, request);
    if (status >= 500) this.logger.error(withContext(describeUnexpected(exception), logOfRequest(request)));
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown, request: FastifyRequest): { status: number; body: Record<string, unknown> } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null) {
        const given = response as Record<string, unknown>;
        const message = Array.isArray(given.message) ? given.message.join('; ') : String(given.message ?? exception.message);
        return {
          status,
          body: { statusCode: status, error: reasonPhrase(status), message, ...extraFields(given) },
        };
      }
      return { status, body: { statusCode: status, error: reasonPhrase(status), message: String(response) } };
    }
    // Errors raised by Fastify itself before the handler runs (body parsing, size limits).
    const fastifyError = exception as FastifyLikeError;
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      return { status, body: { statusCode: status, error: reasonPhrase(status), message: clientErrorMessage(fastifyError) } };
    }
    return {
      status: 500,
      body: {
        statusCode: 500,
        error: reasonPhrase(500),
        message: `An unexpected error occurred; quote request id ${request.id} when reporting it`,
        requestId: request.id,
      },
    };
  }
}

/**
 * An unexpected error for the log: its name, message and stack, but never the properties an error
 * may carry besides (a database error carries the SQL and its parameters, which may hold what a
 * caller sent; an HTTP client error carries request headers). A database driver's message can quote
 * a parameter ("value \"…\" is out of range"), so for those only the SQLSTATE is kept.
 */
export function describeUnexpected(exception: unknown): string {
  if (!(exception instanceof Error)) return `non-error thrown: ${typeof exception}`;
  const frames = (exception.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)).join('\n');
  const fromDatabase = 'query' in exception || 'parameters' in exception || 'driverError' in exception;
  if (fromDatabase) {
    const code = (exception as { code?: unknown }).code ?? (exception as { driverError?: { code?: unknown } }).driverError?.code;
    return `${exception.name}${typeof code === 'string' ? ` (SQLSTATE ${code})` : ''}; the query and its parameters are not logged\n${frames}`;
  }
  return `${exception.name}: ${exception.message}\n${frames}`;
}

/** What an error body adds to the common fields (`details`, `errors`), in a fixed order after them. */
function extraFields(given: Record<string, unknown>): Record<string, unknown> {
  const { statusCode: _s, error: _e, message: _m, ...rest } = given;
  return rest;
}

function clientErrorMessage(error: FastifyLikeError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported Content-Type: send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default:
      if (error instanceof SyntaxError || /JSON/i.test(error.message ?? '')) {
        return `The request body is not valid JSON: ${error.message}`;
      }
      return error.message ?? 'Bad request';
  }
}
