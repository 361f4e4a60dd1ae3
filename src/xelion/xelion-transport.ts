import { Logger } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import {
  DEFAULT_MAX_BODY_BYTES,
  isRetryableStatus,
  isRetryableTransportError,
  isTimeout,
  parseRetryAfterMs,
  requestNeverSent,
  unsafeUrlCause,
  withRetry,
  type RetryDecision,
  type RetryPolicy,
} from '../common/http/outbound-http.js';
import { withContext } from '../common/logging/request-context.js';
import type { RunScope } from '../common/run-scope.js';
import { BodyTooLargeError, parseAnswerBody, type OutboundHttp } from '../common/http/outbound-request.js';
import type { SafeAgents } from '../common/http/url-safety.js';
import { isRepeatable, type XelionPatch } from './xelion-patch.builder.js';
import type { Semaphore } from './tenant.semaphore.js';
import {
  XelionAuthError,
  XelionCallCancelledError,
  XelionDuplicateError,
  XelionError,
  XelionListTooLargeError,
  XelionNotFoundError,
  XelionPermanentError,
  XelionRetryableError,
  XelionTimeoutError,
} from './xelion.errors.js';
import type { XelionRef } from './xelion.types.js';

/**
 * How the Xelion clients (a tenant's, the master tenant's) talk to a server (docs/xelion-contract.md):
 * base URL `{serverUrl}/api/v1/{tenant}`, `Authorization: xelion {token}`, envelopes, paging with
 * `limit` + `after`, PATCH documents, the error table, one total deadline and a body cap per request.
 *
 * Retries (docs/xelion-contract.md "Errors"): 429 is always retried (the call was refused, not run), honouring Retry-After.
 * 5xx, timeouts and connection errors are retried for reads and for writes that are safe to repeat
 * (PATCH documents of only `replace` operations); a create (POST) or a PATCH with add/remove is NOT
 * repeated unless the request certainly never left (connection refused) — it fails with
 * `XelionRetryableError { outcomeUnknown: true }` and the caller looks the object up before trying again.
 * At most `maxConcurrency` requests of one tenant are in flight in the whole process.
 */

type CallKind = 'read' | 'repeatable' | 'once';

export interface XelionClientOptions {
  serverUrl: string;
  tenant: string;
  timeoutMs: number;
  retryPolicy: RetryPolicy;
  agents: SafeAgents;
  semaphore: Semaphore;
  /** Page size for lists (the server caps it at 100). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every HTTP request's end (metrics): `status` undefined when no answer came. */
  observe?: (method: string, status: number | undefined, startedMs: number) => void;
  /** Asked right before every request (retries included); false cancels the call (XelionCallCancelledError). */
  mayCall?: () => boolean;
  /** The order's run whose requests these are: its deadlines are watched (executor), its ids go on log lines. */
  run?: RunScope;
  /** Sent as User-Agent (Xelion's logs then name the instance that called). */
  userAgent?: string;
  /** XELION_LIST_MAX_ITEMS / XELION_LIST_MAX_BYTES: the most one list read keeps (docs/security.md). */
  listMaxItems?: number;
  listMaxBytes?: number;
}

/** Defaults of XELION_LIST_MAX_ITEMS and XELION_LIST_MAX_BYTES. */
export const LIST_MAX_ITEMS = 50_000;
export const LIST_MAX_BYTES = 64 * 1024 * 1024;

export interface XelionCallStats {
  /** HTTP requests sent, retries included. */
  calls: number;
  retries: number;
}

interface RawEnvelope {
  object?: unknown;
  links?: unknown;
}

export type Raw = Record<string, unknown>;

const MAX_PAGES = 10_000;

/** Xelion's errorCode of a 500: a server error, and also its answer to a duplicate (docs/xelion-contract.md, "Errors"). */
const SERVER_ERROR = 11000;

/** One answer: its status, headers and body (parsed JSON, or the text when it is not JSON). */
export interface XelionResponse {
  status: number;
  headers: IncomingHttpHeaders;
  data: unknown;
}


function queryString(params: Record<string, string> | undefined): string {
  if (!params) return '';
  const query = new URLSearchParams(params).toString();
  return query === '' ? '' : `?${query}`;
}

export function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

export function ref(value: unknown): XelionRef | null {
  if (!isObject(value) || str(value.oid) === null) return null;
  return {
    oid: str(value.oid)!,
    objectType: str(value.objectType) ?? '',
    ...(typeof value.commonName === 'string' ? { commonName: value.commonName } : {}),
  };
}

export function array(value: unknown): Raw[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export class XelionTransport {
  protected readonly logger = new Logger('XelionClient');
  protected readonly baseUrl: string;
  protected readonly pageSize: number;
  protected readonly counters: XelionCallStats = { calls: 0, retries: 0 };
  /** The headers of every request, and of those with a JSON body: built once per client, not per call. */
  private readonly headers: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;

  constructor(
    /** One per factory: Node's HTTP client over the URL-safety agents (common/http/outbound-request.ts). */
    private readonly http: OutboundHttp,
    protected readonly options: XelionClientOptions,
    /** null: no Authorization header (a login). */
    token: string | null,
  ) {
    this.baseUrl = `${options.serverUrl}/api/v1/${encodeURIComponent(options.tenant)}`;
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    // The token lives only in these header objects; it is never logged and never part of an error.
    this.headers = { ...(token === null ? {} : { authorization: `xelion ${token}` }), accept: 'application/json', ...(options.userAgent ? { 'user-agent': options.userAgent } : {}) };
    this.jsonHeaders = { ...this.headers, 'content-type': 'application/json' };
  }

  /** HTTP calls made by this client so far (retries included) — for the benchmark. */
  get stats(): XelionCallStats {
    return { ...this.counters };
  }

  get tenant(): string {
    return this.options.tenant;
  }

  // ---------------------------------------------------------------------------------------------
  // Transport
  // ---------------------------------------------------------------------------------------------

  protected async send(
    kind: CallKind,
    method: string,
    path: string,
    params?: Record<string, string>,
    body?: unknown,
    /** A smaller body cap for this call, and told the size of the answer's body (list reads). */
    bodyLimit?: { maxBytes: number; measured: (bytes: number) => void; exceeded?: boolean },
  ): Promise<XelionResponse> {
    const info = `${method} ${path}`;
    const url = new URL(`${this.baseUrl}${path}${queryString(params)}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? this.headers : this.jsonHeaders;
    const retryOnResult = (response: XelionResponse): RetryDecision => {
      // 429 means "not run": always safe to try again.
      if (response.status === 429) return { retry: true, retryAfterMs: parseRetryAfterMs(response.headers['retry-after']) };
      if (isRetryableStatus(response.status) && kind !== 'once') return { retry: true, retryAfterMs: parseRetryAfterMs(response.headers['retry-after']) };
      return { retry: false };
    };
    const retryOnError = (error: unknown): RetryDecision => {
      if (!isRetryableTransportError(error)) return { retry: false };
      return kind !== 'once' || requestNeverSent(error) ? { retry: true } : { retry: false };
    };
    const attempt = async (attempt: number): Promise<XelionResponse> => {
      if (attempt > 1) this.counters.retries += 1;
      const release = await this.options.semaphore.acquire();
      try {
        // Checked after the wait for a slot, right before sending: the wait may have been long.
        if (this.options.mayCall && !this.options.mayCall()) throw new XelionCallCancelledError(info);
        this.counters.calls += 1;
        const started = performance.now();
        let answer;
        try {
          answer = await this.http.request({
            method,
            url,
            headers,
            body: payload,
            deadlineMs: this.options.timeoutMs,
            maxBodyBytes: bodyLimit?.maxBytes ?? DEFAULT_MAX_BODY_BYTES,
            watch: this.options.run?.watch,
          });
        } catch (error) {
          this.options.observe?.(method, undefined, started);
          if (bodyLimit && error instanceof BodyTooLargeError) bodyLimit.exceeded = true;
          throw error;
        }
        this.options.observe?.(method, answer.status, started);
        bodyLimit?.measured(Buffer.byteLength(answer.body));
        return { status: answer.status, headers: answer.headers, data: parseAnswerBody(answer.body) };
      } finally {
        release();
      }
    };
    try {
      const response = await withRetry(attempt, {
        policy: this.options.retryPolicy,
        retryOnResult,
        retryOnError,
        sleep: this.options.sleep,
        onRetry: ({ attempt, delayMs, reason }) =>
          this.logger.warn(withContext(`Xelion ${info} on tenant ${this.options.tenant}: ${reason}, retry ${attempt} in ${delayMs} ms`, this.options.run?.log)),
      });
      return this.check(kind, info, response);
    } catch (error) {
      throw this.transportError(kind, info, error);
    }
  }

  protected check(kind: CallKind, info: string, response: XelionResponse): XelionResponse {
    const { status } = response;
    if (status >= 200 && status < 300) return response;
    const data = isObject(response.data) ? response.data : {};
    const errorCode = typeof data.errorCode === 'number' ? data.errorCode : undefined;
    const xelionInfo = typeof data.info === 'string' ? data.info : undefined;
    const message = typeof data.message === 'string' && data.message !== '' ? data.message : `HTTP ${status}`;
    if (status === 401) throw new XelionAuthError(status, errorCode, xelionInfo);
    if (status === 404) throw new XelionNotFoundError(`${info}: not found (${message})`, errorCode, xelionInfo);
    if (status === 429) {
      throw new XelionRetryableError(`${info}: Xelion is busy (too many concurrent requests) after retries: ${message}`, status, errorCode, xelionInfo, false, parseRetryAfterMs(response.headers['retry-after']));
    }
    if (isRetryableStatus(status)) {
      const outcomeUnknown = kind === 'once';
      if (outcomeUnknown && status === 500 && errorCode === SERVER_ERROR) {
        throw new XelionDuplicateError(`${info}: Xelion server error ${status}/${errorCode} (also what Xelion answers for a duplicate): ${message}`, status, errorCode, xelionInfo);
      }
      throw new XelionRetryableError(`${info}: Xelion server error ${status}${errorCode !== undefined ? `/${errorCode}` : ''}: ${message}`, status, errorCode, xelionInfo, outcomeUnknown);
    }
    if (status === 403) throw new XelionPermanentError(`${info}: no permission or a licence is missing: ${message}`, status, errorCode, xelionInfo);
    if (status >= 300 && status < 400) throw new XelionPermanentError(`${info}: unexpected redirect (HTTP ${status}); check the server URL`, status, errorCode, xelionInfo);
    throw new XelionPermanentError(`${info}: ${message}`, status, errorCode, xelionInfo);
  }

  protected transportError(kind: CallKind, info: string, error: unknown): Error {
    if (error instanceof XelionError || error instanceof XelionCallCancelledError) return error;
    const unsafe = unsafeUrlCause(error);
    if (unsafe) return unsafe;
    if (isTimeout(error)) {
      return new XelionTimeoutError(`${info}: no complete answer within ${this.options.timeoutMs} ms (XELION_TIMEOUT_MS)`, kind === 'once');
    }
    if (isRetryableTransportError(error)) {
      const code = (error as { code?: string }).code ?? 'connection error';
      return new XelionRetryableError(`${info}: connection failed (${code})`, undefined, undefined, undefined, kind === 'once' && !requestNeverSent(error));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new XelionPermanentError(`${info}: ${message}`);
  }

  protected async getObject(path: string, params?: Record<string, string>): Promise<Raw> {
    const response = await this.send('read', 'GET', path, params);
    return this.unwrap(`GET ${path}`, response.data);
  }

  protected unwrap(info: string, data: unknown): Raw {
    const object = isObject(data) ? (data as RawEnvelope).object : undefined;
    if (!isObject(object)) throw new XelionPermanentError(`${info}: unexpected answer (no "object" envelope)`);
    return object;
  }

  protected async create(path: string, body: Raw): Promise<Raw> {
    const response = await this.send('once', 'POST', path, undefined, body);
    const object = this.unwrap(`POST ${path}`, response.data);
    if (str(object.oid) === null) throw new XelionPermanentError(`POST ${path}: the answer has no oid`);
    return object;
  }

  /** Sends one PATCH document; an empty one sends nothing. Only `replace` documents are retried after a 5xx. */
  protected async patch(path: string, patch: XelionPatch): Promise<void> {
    const ops = patch.operations;
    if (ops.length === 0) return;
    await this.send(isRepeatable(ops) ? 'repeatable' : 'once', 'PATCH', path, undefined, { operations: ops });
  }

  /**
   * Every item of a list, following pages (`limit` + `after` = the last oid) until a short or empty
   * page; at most XELION_LIST_MAX_ITEMS items and XELION_LIST_MAX_BYTES of answers in all, so that a
   * server that pages for ever or answers huge pages cannot exhaust memory (docs/security.md).
   */
  protected async list(path: string, params: Record<string, string> = {}): Promise<Raw[]> {
    const { items, complete } = await this.listPages(path, params, MAX_PAGES);
    if (!complete) throw new XelionPermanentError(`GET ${path}: more than ${MAX_PAGES} pages`);
    return items;
  }

  /**
   * The first `maxPages` pages of a list at most: `complete` says whether the list ended within them
   * (the plan reads a collection in bulk only while that is cheaper than looking its objects up).
   */
  protected async listPages(path: string, params: Record<string, string>, maxPages: number): Promise<{ items: Raw[]; complete: boolean }> {
    const items: Raw[] = [];
    const maxItems = this.options.listMaxItems ?? LIST_MAX_ITEMS;
    const maxBytes = this.options.listMaxBytes ?? LIST_MAX_BYTES;
    let bytes = 0;
    let after: string | undefined;
    const tooLarge = () =>
      new XelionListTooLargeError(`GET ${path}: the list is larger than XELION_LIST_MAX_BYTES (${maxBytes} bytes); reading stopped`);
    for (let page = 0; page < Math.min(maxPages, MAX_PAGES); page += 1) {
      // Each page may only use what is left of the list's byte budget (the transport stops reading past it).
      const bodyLimit = { maxBytes: Math.min(DEFAULT_MAX_BODY_BYTES, maxBytes - bytes), measured: (size: number) => (bytes += size), exceeded: false };
      const response = await this.send('read', 'GET', path, { ...params, limit: String(this.pageSize), ...(after ? { after } : {}) }, undefined, bodyLimit).catch(
        (error: unknown) => {
          throw bodyLimit.exceeded && bodyLimit.maxBytes < DEFAULT_MAX_BODY_BYTES ? tooLarge() : error;
        },
      );
      if (bytes > maxBytes) throw tooLarge();
      const data = isObject(response.data) ? response.data.data : undefined;
      if (!Array.isArray(data)) throw new XelionPermanentError(`GET ${path}: unexpected answer (no "data" list)`);
      const objects = data.map((entry) => (isObject(entry) && isObject(entry.object) ? entry.object : undefined)).filter((o): o is Raw => o !== undefined);
      if (items.length + objects.length > maxItems) {
        throw new XelionListTooLargeError(`GET ${path}: the list has more than XELION_LIST_MAX_ITEMS (${maxItems}) items; reading stopped`);
      }
      items.push(...objects);
      if (data.length < this.pageSize || objects.length === 0) return { items, complete: true };
      const last = str(objects[objects.length - 1].oid);
      if (last === null || last === after) return { items, complete: true };
      after = last;
    }
    return { items, complete: false };
  }
}
