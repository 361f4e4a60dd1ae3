/** A failure of a service beside Xelion; `retryable` tells whether running the step again may help. Never contains a secret. */
export class ExternalServiceError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** The call's total deadline passed (no complete answer in time). */
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'ExternalServiceError';
  }
}

export class NumberProviderError extends ExternalServiceError {
  constructor(message: string, retryable: boolean, status?: number, timedOut = false) {
    super(message, retryable, status, timedOut);
    this.name = 'NumberProviderError';
  }
}

export class RedirectionError extends ExternalServiceError {
  constructor(message: string, retryable: boolean, status?: number, timedOut = false) {
    super(message, retryable, status, timedOut);
    this.name = 'RedirectionError';
  }
}
