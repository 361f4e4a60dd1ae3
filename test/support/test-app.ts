import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createApp, type RunningApp } from '../../src/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { IN_MEMORY } from '../../src/database/embedded-postgres.js';
import { createTestDatabase } from './database.js';

export const ROOT_KEY = `root-test-key-${'x'.repeat(32)}`;

export interface TestApp extends RunningApp {
  /** http://127.0.0.1:port */
  baseUrl: string;
  dataSource: DataSource;
  /** Every log line written so far, as text. */
  logs(): string;
  /** fetch against the application; `key` goes into X-Auth-Key. */
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  /** Sent as is (not JSON-encoded). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * Starts the whole application over real HTTP on a random port, on a fresh database (on the run's
 * embedded PostgreSQL server, or on the one named by DATABASE_URL). `env` overrides settings as the environment would.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const settings = loadSettings({
    LOG_LEVEL: 'info',
    ROOT_API_KEY: ROOT_KEY,
    DATA_DIR: IN_MEMORY,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    // Every test client shares 127.0.0.1, and the authorization matrix alone answers hundreds of 401s
    // a minute: the limit of failed authentications is off unless a test sets it.
    AUTH_FAILURES_PER_MINUTE: '0',
    DATABASE_URL: database.url,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...env,
  });
  const lines: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(chunk.toString('utf8')));
  const running = await createApp(settings, { logDestination: stream });
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const address = running.app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    ...running,
    baseUrl,
    dataSource: running.app.get<DataSource>(getDataSourceToken()),
    logs: () => lines.join(''),
    request: (method, path, options = {}) => request(baseUrl, method, path, options),
    async close() {
      await running.close();
      await database.drop();
    },
  };
}

export async function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['x-auth-key'] = options.key;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Another instance of the service on the database of `first` (same keys), with its own executor. */
export interface OtherInstance {
  running: RunningApp;
  baseUrl: string;
  close(): Promise<void>;
}

/** Starts another instance beside `first` (several instances on one database), listening on a free port. */
export async function startOtherInstance(first: TestApp, env: Record<string, string> = {}): Promise<OtherInstance> {
  const settings = loadSettings({
    LOG_LEVEL: 'warn',
    ROOT_API_KEY: ROOT_KEY,
    DATABASE_URL: first.settings.databaseUrl,
    ENCRYPTION_KEY: first.settings.encryptionKey.toString('base64'),
    OUTBOUND_ALLOW_PRIVATE: 'true',
    EXECUTOR_POLL_MS: '50',
    ...env,
  });
  const running = await createApp(settings, { logDestination: new PassThrough().resume() });
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = running.app.getHttpServer().address() as { port: number };
  return { running, baseUrl: `http://127.0.0.1:${port}`, close: () => running.close() };
}
