/**
 * The client's error contract (docs/xelion-contract.md "Errors"). Every error carries `status` (HTTP, when there was an
 * answer), `errorCode` (Xelion's, when sent) and `retryable`. Messages never contain the token.
 *
 * What a provisioning step does with each:
 * - XelionAuthError (401): fail the whole order — "the tenant token was rejected".
 * - XelionNotFoundError (404 / 10100): per step — usually "create it".
 * - XelionPermanentError (400 / 10200-10203, 403 / 10101, other 4xx, unexpected answers): fail the
 *   step, keeping `errorCode` and `message`.
 * - XelionRetryableError (429, 5xx, timeouts, connection errors — after the client's own retries):
 *   the step may be run again later. When `outcomeUnknown` is true (a create, or a PATCH with add or
 *   remove operations, that may have been applied — including 500 / 11000, Xelion's answer to a
 *   duplicate), the step must LOOK THE OBJECT UP AGAIN (by its natural key, or re-read the object and
 *   diff) before it creates or patches anything again. The client never repeats such a call itself.
 */
export class XelionError extends Error {
  readonly retryable: boolean = false;
  constructor(
    message: string,
    readonly status?: number,
    readonly errorCode?: number,
    /** Xelion's `info` ("resource=<METHOD> <path>"). */
    readonly info?: string,
  ) {
    super(message);
    this.name = 'XelionError';
  }
}

export class XelionAuthError extends XelionError {
  constructor(status = 401, errorCode?: number, info?: string) {
    super('the tenant token was rejected', status, errorCode, info);
    this.name = 'XelionAuthError';
  }
}

export class XelionNotFoundError extends XelionError {
  constructor(message: string, errorCode?: number, info?: string) {
    super(message, 404, errorCode, info);
    this.name = 'XelionNotFoundError';
  }
}

export class XelionPermanentError extends XelionError {
  constructor(message: string, status?: number, errorCode?: number, info?: string) {
    super(message, status, errorCode, info);
    this.name = 'XelionPermanentError';
  }
}

/**
 * The caller withdrew its permission to call Xelion (`mayCall` answered false: the order's lease is
 * lost or about to run out) before a request was sent. Nothing was sent for this attempt.
 */
export class XelionCallCancelledError extends Error {
  constructor(readonly info: string) {
    super(`${info}: not sent: the caller may no longer call Xelion`);
    this.name = 'XelionCallCancelledError';
  }
}

export class XelionRetryableError extends XelionError {
  override readonly retryable = true;
  constructor(
    message: string,
    status: number | undefined,
    errorCode: number | undefined,
    info: string | undefined,
    /** The call may have been applied (a create or a non-repeatable PATCH): look up before repeating it. */
    readonly outcomeUnknown: boolean,
    /** The server's Retry-After, when it sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message, status, errorCode, info);
    this.name = 'XelionRetryableError';
  }
}

/**
 * A create answered 500 / 11000: Xelion's answer to a duplicate (a user name, a MAC address, a person
 * that has a user already) and to a server error alike. The object may or may not exist now: look it
 * up by its natural key before creating it again.
 */
export class XelionDuplicateError extends XelionRetryableError {
  constructor(message: string, status: number, errorCode: number, info: string | undefined) {
    super(message, status, errorCode, info, true);
    this.name = 'XelionDuplicateError';
  }
}

/** A request's total deadline (XELION_TIMEOUT_MS) passed, after the client's own retries. */
export class XelionTimeoutError extends XelionRetryableError {
  constructor(message: string, outcomeUnknown: boolean) {
    super(message, undefined, undefined, undefined, outcomeUnknown);
    this.name = 'XelionTimeoutError';
  }
}

/** A list read passed XELION_LIST_MAX_ITEMS or XELION_LIST_MAX_BYTES (the message names which); reading stopped. */
export class XelionListTooLargeError extends XelionPermanentError {
  constructor(message: string) {
    super(message);
    this.name = 'XelionListTooLargeError';
  }
}
