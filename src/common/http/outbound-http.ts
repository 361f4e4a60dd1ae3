import type { Readable } from 'node:stream';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { UnsafeUrlError, type SafeAgents } from './url-safety.js';

/**
 * The outbound HTTP layer shared by the Xelion client, the external-service clients and the webhook
 * dispatcher: every call has a total deadline (connect, headers and the whole body) and a cap on the
 * body it reads, goes through the URL-safety agents (checked at connect time), follows no redirects,
 * uses no environment proxy, and is retried a bounded number of times with exponential backoff and
 * full jitter, honouring `Retry-After` (capped). docs/security.md, "Outbound deadlines and fairness".
 */

export interface RetryPolicy {
  /** Attempts in total, the first included (1 = no retry). */
  maxAttempts: number;
  /** Backoff before retry n (1-based) is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server's `Retry-After` is honoured up to this much. */
  maxRetryAfterMs: number;
  /**
   * Timed-out attempts after which no more are made (default 2: one timeout is retried). A server
   * that let the deadline pass twice is not waited for again here: the caller's own retry policy
   * (the order's step) decides, so that retries of a slow server stay bounded in time.
   */
  maxTimeouts?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000, maxTimeouts: 2 };

export type RetryDecision = { retry: false } | { retry: true; retryAfterMs?: number };

export interface RetryOptions<T> {
  policy?: Partial<RetryPolicy>;
  /** Whether a result (not an exception) should be retried — e.g. an HTTP 503 response. Default: never. */
  retryOnResult?: (result: T) => RetryDecision;
  /** Whether an exception should be retried. Default: `retryDecisionForError`. */
  retryOnError?: (error: unknown) => RetryDecision;
  /** Called before each wait, e.g. for logging (never log secrets from it). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Full-jitter exponential backoff before retry number `retry` (1 = the first retry). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

/** `Retry-After` as milliseconds from now: delta-seconds or an HTTP date; undefined when absent or invalid. */
export function parseRetryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The wait before retry `retry`: the server's Retry-After (capped) when given, else backoff with jitter. */
export function retryDelayMs(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  return backoffDelayMs(retry, policy, random);
}

/** 429 and 5xx except those that will not change on a retry (501 Not Implemented, 505 version). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'ERR_NETWORK',
]);

/** Codes for which the request certainly did not reach the server, so even a non-idempotent call may be repeated. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH', 'UNSAFE_URL']);

function errorCode(error: unknown): string | undefined {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** The URL-safety refusal inside an axios error, if that is what it is. */
export function unsafeUrlCause(error: unknown): UnsafeUrlError | undefined {
  if (error instanceof UnsafeUrlError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof UnsafeUrlError ? cause : undefined;
}

/** Timeouts and connection errors are retryable; a URL-safety refusal or a programming error is not. */
export function isRetryableTransportError(error: unknown): boolean {
  if (unsafeUrlCause(error)) return false;
  const code = errorCode(error);
  return code !== undefined && RETRYABLE_CODES.has(code);
}

/** True when the error shows that the request never reached the server (safe to repeat any call). */
export function requestNeverSent(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_SENT_CODES.has(code) && !unsafeUrlCause(error);
}

/** True for a timeout (the server may or may not have acted). */
export function isTimeout(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ETIMEDOUT' || code === 'ECONNABORTED' || code === 'ESOCKETTIMEDOUT';
}

export function retryDecisionForError(error: unknown): RetryDecision {
  return isRetryableTransportError(error) ? { retry: true } : { retry: false };
}

/** For `validateStatus: () => true` responses: retry 429/5xx, honouring Retry-After. */
export function retryDecisionForResponse(response: Pick<AxiosResponse, 'status' | 'headers'>): RetryDecision {
  if (!isRetryableStatus(response.status)) return { retry: false };
  const headers = response.headers as Record<string, unknown> | undefined;
  const retryAfter = headers?.['retry-after'];
  return { retry: true, retryAfterMs: parseRetryAfterMs(retryAfter) };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` (given the 1-based attempt number) until it succeeds, or a result/error is not retryable,
 * or `maxAttempts` is reached. The final result is returned as is (a retryable 503 included) and the
 * final error is thrown as is: the caller maps them.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions<T> = {}): Promise<T> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const onError = options.retryOnError ?? retryDecisionForError;
  let timeouts = 0;
  for (let attempt = 1; ; attempt += 1) {
    let decision: RetryDecision;
    let reason: string;
    try {
      const result = await fn(attempt);
      decision = options.retryOnResult ? options.retryOnResult(result) : { retry: false };
      if (!decision.retry || attempt >= policy.maxAttempts) return result;
      reason = `status ${(result as { status?: unknown }).status ?? 'retryable result'}`;
    } catch (error) {
      decision = onError(error);
      if (isTimeout(error)) timeouts += 1;
      if (!decision.retry || attempt >= policy.maxAttempts || timeouts >= (policy.maxTimeouts ?? Infinity)) throw error;
      reason = errorCode(error) ?? 'error';
    }
    const delayMs = retryDelayMs(attempt, policy, decision.retryAfterMs, random);
    options.onRetry?.({ attempt, delayMs, reason });
    await sleep(delayMs);
  }
}

/** The most of an answer's body any outbound call reads (and of a request body it sends). */
export const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface OutboundConfigOptions {
  agents: SafeAgents;
  timeoutMs: number;
  /** Response bodies larger than this are refused (default 10 MiB). */
  maxContentLength?: number;
}

/**
 * The axios options every outbound call uses: the safe agents, a timeout until the headers (the
 * total deadline is `requestWithDeadline`'s), no redirects (a redirect could lead anywhere), no proxy
 * from the environment, a body cap, and every status returned to the caller.
 */
export function outboundAxiosConfig(options: OutboundConfigOptions): AxiosRequestConfig {
  return {
    httpAgent: options.agents.httpAgent,
    httpsAgent: options.agents.httpsAgent,
    timeout: options.timeoutMs,
    maxRedirects: 0,
    proxy: false,
    validateStatus: () => true,
    maxContentLength: options.maxContentLength ?? DEFAULT_MAX_BODY_BYTES,
    maxBodyLength: options.maxContentLength ?? DEFAULT_MAX_BODY_BYTES,
    transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
  };
}

/**
 * The total deadline of one request passed before the whole answer was read (axios's own `timeout`
 * stops at the headers: a server that trickles its body would otherwise hold the call for ever).
 * Its code makes it a timeout for `isTimeout` and the retry decisions.
 */
export class DeadlineExceededError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly deadlineMs: number) {
    super(`no complete answer within ${deadlineMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * The outbound requests in flight in one unit of work (an order's run), each with the moment its
 * deadline passes. The executor stops renewing the lease of a run whose request outlived its deadline
 * (docs/security.md, "Outbound deadlines and fairness"): such a run is stuck, not busy.
 */
export class OutboundWatch {
  private readonly deadlines = new Map<number, number>();
  private next = 0;

  begin(deadlineMs: number, now: number = Date.now()): () => void {
    const id = this.next++;
    this.deadlines.set(id, now + deadlineMs);
    return () => void this.deadlines.delete(id);
  }

  /** True when a request is still in flight `graceMs` after its deadline. */
  overdue(now: number = Date.now(), graceMs = 1_000): boolean {
    for (const deadline of this.deadlines.values()) if (now > deadline + graceMs) return true;
    return false;
  }

  get inFlight(): number {
    return this.deadlines.size;
  }
}


/**
 * One request under a total deadline of `deadlineMs`: connecting, the headers and the whole body
 * (`maxContentLength` caps its size). The request is aborted when the deadline passes, and the
 * promise is rejected with DeadlineExceededError at that moment whatever the adapter does. A
 * `stream` answer stays under the same deadline until it is read: it is destroyed when it passes.
 */
export async function requestWithDeadline<T = unknown>(
  http: Pick<AxiosInstance, 'request'>,
  config: AxiosRequestConfig,
  deadlineMs: number,
): Promise<AxiosResponse<T>> {
  const controller = new AbortController();
  let stream: Readable | undefined;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceededError(deadlineMs);
      controller.abort(error);
      stream?.destroy(error);
      reject(error);
    }, deadlineMs);
  });
  expired.catch(() => undefined);
  const finish = () => {
    clearTimeout(timer);
  };
  const signal = config.signal ? AbortSignal.any([controller.signal, config.signal as AbortSignal]) : controller.signal;
  try {
    const response = await Promise.race([http.request<T>({ ...config, signal }), expired]);
    const data = response.data as unknown as Readable | undefined;
    if (config.responseType === 'stream' && data && typeof data.on === 'function' && !data.destroyed) {
      stream = data;
      data.once('close', finish);
      data.once('end', finish);
      data.once('error', finish);
    } else {
      finish();
    }
    return response;
  } catch (error) {
    finish();
    if (controller.signal.aborted && controller.signal.reason instanceof DeadlineExceededError) throw controller.signal.reason;
    throw error;
  }
}

/**
 * One outbound request with retries on 429/5xx and transport errors (for idempotent calls), each
 * attempt under the total deadline `deadlineMs`. Returns the final response whatever its status;
 * throws the final transport error.
 */
export function requestWithRetry<T = unknown>(
  axios: Pick<AxiosInstance, 'request'>,
  config: AxiosRequestConfig,
  options: Omit<RetryOptions<AxiosResponse<T>>, 'retryOnResult'> & { retryOnResult?: RetryOptions<AxiosResponse<T>>['retryOnResult']; deadlineMs: number },
): Promise<AxiosResponse<T>> {
  const { deadlineMs, ...retry } = options;
  return withRetry((_attempt) => requestWithDeadline<T>(axios, config, deadlineMs), { retryOnResult: retryDecisionForResponse, ...retry });
}
