import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import type { LogLevel } from '../../config/settings.js';
import { logContext } from './request-context.js';

/**
 * Field names whose values are secrets. pino replaces them before a line is written, wherever they
 * appear in a logged object, as a second line of defence: secrets are not passed to the logger at all.
 */
const REDACTED_PATHS = [
  'req.headers["x-auth-key"]',
  'req.headers["xelion-tenant-token"]',
  'req.headers.authorization',
  'headers["x-auth-key"]',
  'headers["xelion-tenant-token"]',
  'headers.authorization',
  '*.token',
  '*.tenantToken',
  '*.password',
  '*.apiKey',
  '*.secret',
  '*.key',
  '*.value',
];

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Every line carries the request (and organization, order) it was written for.
      mixin: () => ({ ...logContext.get() }),
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ sync: false }),
  );
}

/** Nest's logger interface over pino, so that framework and application lines share one format. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes the context (the class name) last; an error's stack may come before it.
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
      return;
    }
    if (typeof rest[0] === 'string' && level === 'error') fields.stack = rest[0];
    if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as object) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
