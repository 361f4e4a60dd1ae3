/**
 * The service in the benchmark's own process (its CPU is the process's), with a webhook receiver beside
 * it: an order's end is the arrival of its COMPLETED or FAILED webhook, as a reseller learns it, without
 * polling the database being measured.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createApp } from '../../src/app.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
import { WebhookReceiver, type ReceivedWebhook } from '../../tools/testing/webhook-receiver.js';

export interface InProcessService {
  settings: Settings;
  /** An API call with the root key; throws on an answer that is not 2xx. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The callback URL to give orders. */
  callbackUrl: string;
  /** When the order's final webhook arrived (ms since the epoch). */
  ended(id: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts the service on the embedded database, or on DATABASE_URL (an empty database), with `env` on top. */
export async function startInProcessService(env: Record<string, string> = {}): Promise<InProcessService> {
  const rootKey = randomBytes(24).toString('base64url');
  const settings = loadSettings({
    DATA_DIR: 'memory',
    ROOT_API_KEY: rootKey,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    EXECUTOR_POLL_MS: '50',
    LOG_LEVEL: 'warn',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
    ...env,
  });
  const receiver = await WebhookReceiver.start();
  const app = await createApp(settings, { logDestination: new PassThrough().resume() });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.app.getHttpServer().address() as { port: number }).port}`;
  return {
    settings,
    callbackUrl: receiver.url('/hook'),
    async call(method, path, body, headers = {}) {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'x-auth-key': rootKey, 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async ended(id) {
      const isEnd = (m: ReceivedWebhook) => m.json?.data?.id === id && ['COMPLETED', 'FAILED'].includes(m.json.data.status);
      await receiver.waitFor((all) => all.some(isEnd), 600_000, `the end of order ${id}`);
      return receiver.received.find(isEnd)!.receivedAt;
    },
    async close() {
      await app.close();
      await receiver.close();
    },
  };
}
