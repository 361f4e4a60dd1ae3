import type { Readable } from 'node:stream';
import axios, { type AxiosInstance } from 'axios';
import { outboundAxiosConfig, parseRetryAfterMs, requestWithDeadline, unsafeUrlCause, isTimeout } from '../common/http/outbound-http.js';
import { assertSafeUrl, createSafeAgents, type SafeAgents } from '../common/http/url-safety.js';
import { webhookHeaders } from './webhook-signing.js';

/** At most this much of a receiver's answer is read (and then thrown away). */
const MAX_RESPONSE_BYTES = 64 * 1024;

export type DeliveryOutcome = 'delivered' | 'retry' | 'gone';

export interface DeliveryResult {
  outcome: DeliveryOutcome;
  attemptedAt: Date;
  httpStatus: number | null;
  durationMs: number;
  /** What went wrong, for the message log; never contains a secret. */
  error: string | null;
  retryAfterMs: number | null;
}

export interface DeliveryRequest {
  mid: number;
  url: string;
  body: string;
  /** Newest first: the current secret, and the previous one during a rotation's overlap. */
  secrets: string[];
}

/**
 * One delivery attempt (docs/webhooks.md): `POST` the stored body with the Standard Webhooks
 * headers. A 2xx within the timeout (10 s) is success; anything else is a failure to retry — a 3xx
 * included, redirects are never followed — except 410 Gone, which stops delivery to that URL. The URL
 * safety rules of `POST /provision` are checked before sending and again when connecting.
 */
export class WebhookSender {
  private readonly http: AxiosInstance;
  private readonly agents: SafeAgents;

  constructor(
    private readonly allowPrivate: boolean,
    private readonly timeoutMs: number,
  ) {
    this.agents = createSafeAgents(allowPrivate, { keepAlive: true, maxSockets: 256 });
    this.http = axios.create();
  }

  async send(request: DeliveryRequest): Promise<DeliveryResult> {
    const attemptedAt = new Date();
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      await assertSafeUrl(request.url, this.allowPrivate);
      const headers = webhookHeaders(request.secrets, String(request.mid), Math.floor(attemptedAt.getTime() / 1000), request.body);
      // WEBHOOK_TIMEOUT_MS is the attempt's total deadline: the answer's body, read and thrown away,
      // is cut off when it passes too, so a trickling receiver holds no socket longer.
      const response = await requestWithDeadline<Readable>(this.http, {
        ...outboundAxiosConfig({ agents: this.agents, timeoutMs: this.timeoutMs }),
        method: 'POST',
        url: request.url,
        data: request.body,
        headers: { 'content-type': 'application/json', 'user-agent': 'xelion-provisioning-webhooks/1', ...headers },
        responseType: 'stream',
        // The body is sent exactly as stored: no JSON re-serialization.
        transformRequest: [(data: string) => data],
      }, this.timeoutMs);
      drain(response.data);
      const status = response.status;
      const durationMs = elapsed();
      if (status >= 200 && status < 300) {
        return { outcome: 'delivered', attemptedAt, httpStatus: status, durationMs, error: null, retryAfterMs: null };
      }
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']) ?? null;
      if (status === 410) {
        return { outcome: 'gone', attemptedAt, httpStatus: status, durationMs, error: '410 Gone: delivery to this URL stopped for this order', retryAfterMs: null };
      }
      const error =
        status >= 300 && status < 400
          ? `redirect ${status} not followed${typeof response.headers.location === 'string' ? ` (to ${truncate(response.headers.location, 200)})` : ''}`
          : `HTTP ${status}`;
      return { outcome: 'retry', attemptedAt, httpStatus: status, durationMs, error, retryAfterMs };
    } catch (error) {
      return { outcome: 'retry', attemptedAt, httpStatus: null, durationMs: elapsed(), error: describeError(error, this.timeoutMs), retryAfterMs: null };
    }
  }

  close(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}

/** Reads and discards up to MAX_RESPONSE_BYTES of the answer (so the connection can be reused), then lets go. */
function drain(stream: Readable | undefined): void {
  if (!stream || typeof stream.on !== 'function') return;
  let seen = 0;
  stream.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > MAX_RESPONSE_BYTES) stream.destroy();
  });
  stream.on('error', () => undefined);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function describeError(error: unknown, timeoutMs: number): string {
  const unsafe = unsafeUrlCause(error);
  if (unsafe) return `refused by URL safety: ${unsafe.message}`;
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  const code = (error as { code?: unknown })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  const message = error instanceof Error ? error.message : String(error);
  return truncate(typeof code === 'string' ? `${code}: ${message}` : message, 500);
}
