import { MissingCredentialError } from '../credentials/credentials.service.js';
import { UnsafeUrlError } from '../common/http/url-safety.js';
import { StepFailure, TENANT_TOKEN_REJECTED, TENANT_TOKEN_REJECTED_MESSAGE } from './step-errors.js';

/** A step's failure, decided: what the order shows, and whether trying the step again may help. */
export interface Classified {
  code: string;
  message: string;
  retryable: boolean;
  xelionErrorCode?: number;
  /** A call's total deadline passed: the step gets STEP_TIMEOUT_ATTEMPTS_PER_RUN attempts, not more. */
  timedOut?: boolean;
}

interface ErrorLike {
  name?: string;
  message?: string;
  status?: number;
  httpStatus?: number;
  errorCode?: number;
  retryable?: boolean;
  code?: string;
  timedOut?: boolean;
}

/** Xelion's "duplicate" answer: 500 with errorCode 11000 (spec "Errors", "Users", "Phones"). */
export function isDuplicateError(error: unknown): boolean {
  const e = error as ErrorLike;
  return e?.errorCode === 11000;
}

/**
 * issue 5 "Failure handling" and spec "Errors": 401 fails the order at once ("the tenant token was
 * rejected"); a permanent Xelion error keeps Xelion's errorCode and message; 429, 5xx, timeouts and
 * connection errors (after the client's own retries) may be tried again, then fail with a clear
 * cause; a missing credential names the key. Error text never includes request headers.
 */
export function classifyError(error: unknown): Classified {
  if (error instanceof StepFailure) {
    return { code: error.code, message: error.message, retryable: false, ...(error.xelionErrorCode !== undefined ? { xelionErrorCode: error.xelionErrorCode } : {}) };
  }
  if (error instanceof MissingCredentialError) return { code: 'MISSING_CREDENTIAL', message: error.message, retryable: false };
  if (error instanceof UnsafeUrlError) return { code: 'UNSAFE_URL', message: error.message, retryable: false };
  const e = (error ?? {}) as ErrorLike;
  const name = e.name ?? '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const status = e.status ?? e.httpStatus;
  if (name === 'XelionAuthError' || status === 401) {
    return { code: TENANT_TOKEN_REJECTED, message: TENANT_TOKEN_REJECTED_MESSAGE, retryable: false, ...(e.errorCode !== undefined ? { xelionErrorCode: e.errorCode } : {}) };
  }
  if (name === 'XelionTimeoutError') {
    return { code: 'XELION_TIMEOUT', message: `Xelion did not answer in time: ${message}`, retryable: true, timedOut: true };
  }
  if (name === 'XelionListTooLargeError') {
    return { code: 'XELION_LIST_TOO_LARGE', message: `Xelion answered a list larger than this service reads: ${message}`, retryable: false };
  }
  if (name.startsWith('Xelion')) {
    const retryable = e.retryable === true || /Retryable|Unavailable|Timeout|Network|Transient/.test(name);
    if (retryable) return { code: 'XELION_UNAVAILABLE', message: `Xelion did not answer successfully: ${message}`, retryable: true };
    return {
      code: 'XELION_ERROR',
      message: e.errorCode !== undefined ? `Xelion refused the request (errorCode ${e.errorCode}): ${message}` : `Xelion refused the request: ${message}`,
      retryable: false,
      ...(e.errorCode !== undefined ? { xelionErrorCode: e.errorCode } : {}),
    };
  }
  if (/NumberProvider/.test(name) && e.timedOut === true) {
    return { code: 'NUMBER_PROVIDER_TIMEOUT', message: `the number provider did not answer in time (XELION_TIMEOUT_MS): ${message}`, retryable: true, timedOut: true };
  }
  if (/Redirection/.test(name) && e.timedOut === true) {
    return { code: 'REDIRECTION_TIMEOUT', message: `the redirection server did not answer in time (XELION_TIMEOUT_MS): ${message}`, retryable: true, timedOut: true };
  }
  if (/NumberProvider/.test(name)) return { code: 'NUMBER_PROVIDER_ERROR', message: `the number provider failed: ${message}`, retryable: e.retryable === true };
  if (/Redirection/.test(name)) return { code: 'REDIRECTION_ERROR', message: `the redirection server failed: ${message}`, retryable: e.retryable === true };
  return { code: 'INTERNAL_ERROR', message: `unexpected error: ${message}`, retryable: false };
}
