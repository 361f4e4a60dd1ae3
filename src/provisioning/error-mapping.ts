import { MissingCredentialError } from '../credentials/credentials.service.js';
import { UnsafeUrlError } from '../common/http/url-safety.js';
import { NumberProviderError, RedirectionError } from '../xelion/external/external-service.error.js';
import { XelionAuthError, XelionError } from '../xelion/xelion.errors.js';
import { StepFailure, TENANT_TOKEN_REJECTED, TENANT_TOKEN_REJECTED_MESSAGE } from './step-errors.js';

/** A step's failure, decided: what the order shows, and whether trying the step again may help. */
export interface Classified {
  code: string;
  message: string;
  retryable: boolean;
  xelionErrorCode?: number;
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
  if (error instanceof XelionError) {
    if (error.retryable) return { code: 'XELION_UNAVAILABLE', message: `Xelion did not answer successfully: ${message}`, retryable: true };
    return {
      code: 'XELION_ERROR',
      message: error.errorCode !== undefined ? `Xelion refused the request (errorCode ${error.errorCode}): ${message}` : `Xelion refused the request: ${message}`,
      retryable: false,
      ...(error.errorCode !== undefined ? { xelionErrorCode: error.errorCode } : {}),
    };
  }
  if (error instanceof NumberProviderError) return { code: 'NUMBER_PROVIDER_ERROR', message: `the number provider failed: ${message}`, retryable: error.retryable };
  if (error instanceof RedirectionError) return { code: 'REDIRECTION_ERROR', message: `the redirection server failed: ${message}`, retryable: error.retryable };
  return { code: 'INTERNAL_ERROR', message: `unexpected error: ${message}`, retryable: false };
}
