import { MissingCredentialError } from '../credentials/credentials.service.js';
import { UnsafeUrlError } from '../common/http/url-safety.js';
import { NumberProviderError, RedirectionError } from '../xelion/external/external-service.error.js';
import { XelionMasterLoginError, XelionMasterRefusedError } from '../xelion/xelion-master.client.js';
import { XelionAuthError, XelionError, XelionListTooLargeError, XelionTimeoutError } from '../xelion/xelion.errors.js';
import { PARK_ACCESS_REFUSED, PARK_LOGIN_REJECTED, StepFailure, TENANT_TOKEN_REJECTED, TENANT_TOKEN_REJECTED_MESSAGE } from './step-errors.js';

/** A step's failure, decided: what the order shows, and whether trying the step again may help. */
export interface Classified {
  code: string;
  message: string;
  retryable: boolean;
  xelionErrorCode?: number;
  /** A call's total deadline passed: the step gets STEP_TIMEOUT_ATTEMPTS_PER_RUN attempts, not more. */
  timedOut?: boolean;
}

/**
 * Decides what a step's failure means for the order (docs/provisioning.md, "Failures"): 401 fails the
 * order at once ("the tenant token was rejected"); a permanent Xelion error keeps Xelion's errorCode
 * and message; 429, 5xx, timeouts and connection errors (after the client's own retries) may be tried
 * again, then fail with a clear cause; a missing credential names the key. Decided by the error's
 * class, never by its name or text. Error text never includes request headers.
 */
export function classifyError(error: unknown): Classified {
  if (error instanceof StepFailure) {
    return { code: error.code, message: error.message, retryable: false, ...(error.xelionErrorCode !== undefined ? { xelionErrorCode: error.xelionErrorCode } : {}) };
  }
  if (error instanceof MissingCredentialError) return { code: 'MISSING_CREDENTIAL', message: error.message, retryable: false };
  if (error instanceof UnsafeUrlError) return { code: 'UNSAFE_URL', message: error.message, retryable: false };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof XelionAuthError) {
    return { code: TENANT_TOKEN_REJECTED, message: TENANT_TOKEN_REJECTED_MESSAGE, retryable: false, ...(error.errorCode !== undefined ? { xelionErrorCode: error.errorCode } : {}) };
  }
  const xelionCode = (code: number | undefined) => (code !== undefined ? { xelionErrorCode: code } : {});
  if (error instanceof XelionMasterLoginError) {
    return {
      code: PARK_LOGIN_REJECTED,
      message: 'the master tenant rejected the Xelion-Master-Token or the stored park.* user name and password; retry with a new Xelion-Master-Token or corrected credentials',
      retryable: false,
      ...xelionCode(error.errorCode),
    };
  }
  if (error instanceof XelionMasterRefusedError) {
    return { code: PARK_ACCESS_REFUSED, message: `the master tenant refused the request${error.errorCode !== undefined ? ` (errorCode ${error.errorCode})` : ''}: ${message}`, retryable: false, ...xelionCode(error.errorCode) };
  }
  if (error instanceof XelionTimeoutError) {
    return { code: 'XELION_TIMEOUT', message: `Xelion did not answer in time: ${message}`, retryable: true, timedOut: true };
  }
  if (error instanceof XelionListTooLargeError) {
    return { code: 'XELION_LIST_TOO_LARGE', message: `Xelion answered a list larger than this service reads: ${message}`, retryable: false };
  }
  if (error instanceof XelionError) {
    if (error.retryable) return { code: 'XELION_UNAVAILABLE', message: `Xelion did not answer successfully: ${message}`, retryable: true };
    return {
      code: 'XELION_ERROR',
      message: error.errorCode !== undefined ? `Xelion refused the request (errorCode ${error.errorCode}): ${message}` : `Xelion refused the request: ${message}`,
      retryable: false,
      ...(error.errorCode !== undefined ? { xelionErrorCode: error.errorCode } : {}),
    };
  }
  if (error instanceof NumberProviderError && error.timedOut) {
    return { code: 'NUMBER_PROVIDER_TIMEOUT', message: `the number provider did not answer in time (XELION_TIMEOUT_MS): ${message}`, retryable: true, timedOut: true };
  }
  if (error instanceof RedirectionError && error.timedOut) {
    return { code: 'REDIRECTION_TIMEOUT', message: `the redirection server did not answer in time (XELION_TIMEOUT_MS): ${message}`, retryable: true, timedOut: true };
  }
  if (error instanceof NumberProviderError) return { code: 'NUMBER_PROVIDER_ERROR', message: `the number provider failed: ${message}`, retryable: error.retryable };
  if (error instanceof RedirectionError) return { code: 'REDIRECTION_ERROR', message: `the redirection server failed: ${message}`, retryable: error.retryable };
  return { code: 'INTERNAL_ERROR', message: `unexpected error: ${message}`, retryable: false };
}
