import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import {
  isRetryableStatus,
  isRetryableTransportError,
  isTimeout,
  outboundAxiosConfig,
  requestWithRetry,
  unsafeUrlCause,
  type RetryPolicy,
} from '../../common/http/outbound-http.js';
import type { SafeAgents } from '../../common/http/url-safety.js';
import type { ExternalServiceError } from './external-service.error.js';

export interface ExternalCallContext {
  http: Pick<AxiosInstance, 'request'>;
  agents: SafeAgents;
  timeoutMs: number;
  retryPolicy?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One idempotent call to an external service (docs/xelion-contract.md: both are idempotent, so retrying is fine):
 * retries on 429/5xx/timeouts/connection errors, each attempt under a total deadline of `timeoutMs`
 * (the service's `*_TIMEOUT_MS`); maps the final outcome to the service's error type.
 * Messages name the service and the status, never a header or a secret.
 */
export async function externalCall(
  context: ExternalCallContext,
  config: AxiosRequestConfig,
  what: string,
  makeError: (message: string, retryable: boolean, status?: number, timedOut?: boolean) => ExternalServiceError,
): Promise<AxiosResponse> {
  let response: AxiosResponse;
  try {
    response = await requestWithRetry(context.http, { ...outboundAxiosConfig({ agents: context.agents, timeoutMs: context.timeoutMs }), ...config }, {
      policy: context.retryPolicy,
      sleep: context.sleep,
      deadlineMs: context.timeoutMs,
    });
  } catch (error) {
    const unsafe = unsafeUrlCause(error);
    if (unsafe) throw unsafe;
    if (isRetryableTransportError(error)) {
      const code = (error as { code?: string }).code ?? 'connection error';
      if (isTimeout(error)) throw makeError(`${what}: no complete answer within ${context.timeoutMs} ms`, true, undefined, true);
      throw makeError(`${what}: connection failed (${code})`, true);
    }
    throw makeError(`${what}: ${error instanceof Error ? error.message : String(error)}`, false);
  }
  if (response.status >= 200 && response.status < 300) return response;
  const detail = describeBody(response.data);
  if (response.status === 401 || response.status === 403) {
    throw makeError(`${what}: the credentials were rejected (HTTP ${response.status})`, false, response.status);
  }
  throw makeError(`${what}: HTTP ${response.status}${detail ? ` (${detail})` : ''}`, isRetryableStatus(response.status), response.status);
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
