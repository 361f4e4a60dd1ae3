/**
 * How a step's failure is classified (docs/provisioning.md, error codes; docs/xelion-contract.md,
 * "Errors"). The Xelion client raises typed errors; everything that decides what happens to the order
 * is here.
 */

/** A failure that ends the order, with the code and message shown in `GET /orders/:id`. */
export class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly xelionErrorCode?: number,
  ) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** This instance no longer holds the order's lease: stop at once, write nothing more. */
export class LeaseLostError extends Error {
  constructor(orderId: number) {
    super(`lost the lease of order ${orderId}`);
    this.name = 'LeaseLostError';
  }
}

/** The executor is shutting down: stop before the next step, release the order. */
export class DrainingError extends Error {
  constructor() {
    super('the executor is shutting down');
    this.name = 'DrainingError';
  }
}

export const TENANT_TOKEN_REJECTED = 'TENANT_TOKEN_REJECTED';
export const TENANT_TOKEN_REJECTED_MESSAGE = 'the tenant token was rejected';

/** The master tenant refused the park order's master token, or the stored park.* login (docs/provisioning.md, "Park orders"). */
export const PARK_LOGIN_REJECTED = 'PARK_LOGIN_REJECTED';
/** The master tenant refused the session: not a master administrator's, or not the master tenant, or no park. */
export const PARK_ACCESS_REFUSED = 'PARK_ACCESS_REFUSED';

/** The order's organization or an ancestor was disabled: the order starts no further step. */
export const ORGANIZATION_DISABLED = 'ORGANIZATION_DISABLED';
