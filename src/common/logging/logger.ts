import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, LogLevel } from '../../config/settings.js';

/**
 * Field names whose values are secrets. pino replaces them before a line is written, wherever they
 * appear in a logged object, as a second line of defence: secrets are not passed to the logger at all.
 */
const REDACTED_PATHS = [
  'req.headers["x-auth-key"]',
  'req.headers["xelion-tenant-token"]',
  'req.headers["xelion-master-token"]',
  'req.headers.authorization',
  'headers["x-auth-key"]',
  'headers["xelion-tenant-token"]',
  'headers["xelion-master-token"]',
  'headers.authorization',
  '*.token',
  '*.tenantToken',
  '*.masterToken',
  '*.password',
  '*.apiKey',
  '*.secret',
  '*.key',
  '*.value',
];

/**
 * LOG_FORMAT, or else: pretty when the lines go to a terminal (a person reads them), JSON otherwise (a
 * collector parses them). A given destination (tests capture lines to scan them) is always JSON.
 */
export function resolveLogFormat(format: LogFormat | undefined, destination?: NodeJS.WritableStream): LogFormat {
  if (destination) return 'json';
  return format ?? (process.stdout.isTTY ? 'pretty' : 'json');
}

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream, format: LogFormat = 'json'): Logger {
  const output =
    destination ??
    (format === 'pretty'
      ? pretty({
          colorize: process.stdout.isTTY === true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,context',
          messageFormat: '{if context}{context}: {end}{msg}',
          sync: true,
        })
      : pino.destination({ sync: false }));
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    output,
  );
}

const NEST_BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Nest's logger interface over pino, so that framework and application lines share one format. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    // Nest's start-up chatter (every module loaded, every route mapped: ~40 lines) is for debugging only.
    const context = rest[rest.length - 1];
    this.write(typeof context === 'string' && NEST_BOOT_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
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
