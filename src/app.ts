import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { registerAdmin } from './admin/admin-page.js';
import { AppModule } from './app.module.js';
import { createLogger, PinoLoggerService, resolveLogFormat } from './common/logging/logger.js';
import type { LogFormat } from './config/settings.js';
import { registerJsonBodyParser } from './common/http/json-body.js';
import { embeddedEncryptionKey, type RuntimeSettings } from './config/runtime-settings.js';
import type { Settings } from './config/settings.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './database/embedded-postgres.js';
import { logOfRequest } from './common/auth/caller.js';
import { registerPlainLiveness } from './health/liveness.route.js';
import { registerHttpMetrics } from './metrics/http-metrics.js';
import { setupOpenApi } from './openapi.js';

/** The largest request body accepted (configurations of 2,000 users fit well within it). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Sent with every response (the admin page adds its own Content-Security-Policy). */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
};

export interface RunningApp {
  app: NestFastifyApplication;
  settings: RuntimeSettings;
  logger: PinoLogger;
  /** json or pretty (LOG_FORMAT, or pretty on a terminal). */
  logFormat: LogFormat;
  /** Closes the application, then the embedded database if this process started one. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Where log lines go (tests capture them to scan for secrets); default stdout. */
  logDestination?: NodeJS.WritableStream;
}

/** Decides the database and encryption key, then builds the application (not yet listening). */
export async function createApp(settings: Settings, options: CreateAppOptions = {}): Promise<RunningApp> {
  const logFormat = resolveLogFormat(settings.logFormat, options.logDestination);
  const logger = createLogger(settings.logLevel, options.logDestination, logFormat);
  const nestLogger = new PinoLoggerService(logger);
  Logger.overrideLogger(nestLogger);

  let embedded: EmbeddedPostgres | undefined;
  let encryptionKey = settings.encryptionKey;
  if (!settings.databaseUrl) {
    embedded = await startEmbeddedPostgres(settings.dataDir, { log: (line) => logger.warn(line) });
    if (!encryptionKey) {
      const resolved = embeddedEncryptionKey(settings.dataDir);
      encryptionKey = resolved.key;
      if (resolved.generated && resolved.path) {
        logger.warn(
          `ENCRYPTION_KEY is not set: generated one into ${resolved.path}. Keep that file with the data; set ENCRYPTION_KEY in production.`,
        );
      }
    }
  }
  const runtime: RuntimeSettings = {
    ...settings,
    databaseUrl: settings.databaseUrl ?? embedded!.url,
    encryptionKey: encryptionKey!,
    embedded: embedded !== undefined,
    instanceId: randomUUID(),
  };

  try {
    const adapter = new FastifyAdapter({
      loggerInstance: logger,
      // One line per request, written below with the request id, instead of Fastify's two.
      logController: new LogController({ disableRequestLogging: true }),
      // No per-request child logger (request.log is not used): making one costs a redaction pass per request,
      // and the logger's mixin already puts the request id on every line (docs/benchmarks.md, "The cost of a request").
      childLoggerFactory: (logger: FastifyBaseLogger) => logger,
      bodyLimit: BODY_LIMIT_BYTES,
      // TRUST_PROXY: whether X-Forwarded-For names the client (the rate limits count per client address).
      trustProxy: settings.trustProxy,
      requestIdHeader: false,
      genReqId: (request: { headers: Record<string, string | string[] | undefined> }) => {
        const given = request.headers['x-request-id'];
        return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      },
    });
    const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(runtime), adapter, {
      logger: nestLogger,
      abortOnError: false,
      // The JSON parser is ours (common/http/json-body.ts): it says what is wrong with a body.
      bodyParser: false,
    });
    const fastify = app.getHttpAdapter().getInstance();
    registerJsonBodyParser(fastify, BODY_LIMIT_BYTES);
    // Every response names its request; the lines logged while serving it carry the same id (docs/operations.md, "Logs").
    fastify.addHook('onRequest', (request, reply, done) => {
      void reply.headers(SECURITY_HEADERS);
      // API answers may carry a secret shown once (a new API key): never let a cache keep them.
      if (request.url.startsWith('/api/v1/')) void reply.header('cache-control', 'no-store');
      void reply.header('x-request-id', request.id);
      done();
    });
    fastify.addHook('onResponse', (request, reply, done) => {
      // Below LOG_LEVEL=info the line is not built at all (the object and the elapsed time cost per request).
      if (logger.isLevelEnabled('info')) {
        logger.info(
          {
            ...logOfRequest(request),
            method: request.method,
            url: request.url,
            statusCode: reply.statusCode,
            ms: Math.round(reply.elapsedTime),
          },
          'request completed',
        );
      }
      done();
    });
    registerPlainLiveness(fastify);
    registerHttpMetrics(app);
    setupOpenApi(app);
    await registerAdmin(app);
    await app.init();
    return {
      app,
      settings: runtime,
      logger,
      logFormat,
      async close() {
        await app.close();
        await embedded?.close();
      },
    };
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}
