import type { OnModuleDestroy } from '@nestjs/common';
import { isRetryableStatus, isRetryableTransportError, isTimeout, retryDecisionForResponse, unsafeUrlCause, withRetry, type OutboundWatch, type RetryPolicy } from '../../common/http/outbound-http.js';
import { createOutboundHttp, parseAnswerBody, type OutboundHttp } from '../../common/http/outbound-request.js';
import { createSafeAgents, type SafeAgents } from '../../common/http/url-safety.js';
import type { RuntimeSettings } from '../../config/runtime-settings.js';
import type { ExternalServiceError } from './external-service.error.js';

/** How the clients of the services beside Xelion retry (tests shorten the waits); default: DEFAULT_RETRY_POLICY. */
export interface ExternalCallOptions {
  retryPolicy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
}

/** Nest token of ExternalCallOptions (optional: a module may provide it to change every external client's retries). */
export const EXTERNAL_CALL_OPTIONS = Symbol('EXTERNAL_CALL_OPTIONS');

export interface ExternalRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** The order's run whose request this is: its deadline is watched (executor). */
  watch?: OutboundWatch;
}

export interface ExternalResponse {
  status: number;
  /** The body parsed as JSON, or its text when it is not JSON. */
  data: unknown;
}

type ExternalSettings = Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>;

/**
 * What the number provider's and the redirection server's clients share (docs/xelion-contract.md, "External
 * services beside Xelion"): URL-safety agents of their own, Node's HTTP client over them, and one idempotent
 * call (both services are idempotent, so retrying is fine) retried on 429/5xx/timeouts/connection errors,
 * each attempt under a total deadline of XELION_TIMEOUT_MS, its final outcome mapped to the service's error.
 * Messages name the service and the status, never a header or a secret.
 */
export abstract class ExternalServiceClient implements OnModuleDestroy {
  private readonly agents: SafeAgents;
  private readonly http: OutboundHttp;

  protected constructor(
    private readonly settings: ExternalSettings,
    private readonly options: ExternalCallOptions = {},
  ) {
    this.agents = createSafeAgents(settings.outboundAllowPrivate);
    this.http = createOutboundHttp(this.agents);
  }

  protected async call(
    request: ExternalRequest,
    what: string,
    makeError: (message: string, retryable: boolean, status?: number, timedOut?: boolean) => ExternalServiceError,
  ): Promise<ExternalResponse> {
    const timeoutMs = this.settings.xelion.timeoutMs;
    const body = request.json === undefined ? undefined : JSON.stringify(request.json);
    const headers = body === undefined ? request.headers : { ...request.headers, 'content-type': 'application/json' };
    const url = new URL(request.url);
    let response;
    try {
      response = await withRetry(() => this.http.request({ method: request.method, url, headers, body, deadlineMs: timeoutMs, watch: request.watch }), {
        policy: this.options.retryPolicy,
        sleep: this.options.sleep,
        retryOnResult: retryDecisionForResponse,
      });
    } catch (error) {
      const unsafe = unsafeUrlCause(error);
      if (unsafe) throw unsafe;
      if (isRetryableTransportError(error)) {
        const code = (error as { code?: string }).code ?? 'connection error';
        if (isTimeout(error)) throw makeError(`${what}: no complete answer within ${timeoutMs} ms`, true, undefined, true);
        throw makeError(`${what}: connection failed (${code})`, true);
      }
      throw makeError(`${what}: ${error instanceof Error ? error.message : String(error)}`, false);
    }
    const data = parseAnswerBody(response.body);
    if (response.status >= 200 && response.status < 300) return { status: response.status, data };
    const detail = describeBody(data);
    if (response.status === 401 || response.status === 403) {
      throw makeError(`${what}: the credentials were rejected (HTTP ${response.status})`, false, response.status);
    }
    throw makeError(`${what}: HTTP ${response.status}${detail ? ` (${detail})` : ''}`, isRetryableStatus(response.status), response.status);
  }

  onModuleDestroy(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}


function describeBody(data: unknown): string {
  if (typeof data === 'object' && data !== null) {
    const record = data as Record<string, unknown>;
    const text = record.error ?? record.message ?? record.detail;
    if (typeof text === 'string') return text.slice(0, 200);
  }
  return typeof data === 'string' ? data.slice(0, 200) : '';
}

export function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
