import type { RunScope } from '../common/run-scope.js';
/**
 * What the `tenant` step of a park order asks of the master tenant of a multi-tenant server, in
 * domain terms (docs/provisioning.md, "Park orders"). Only src/xelion knows the calls;
 * `XelionParkGateway` (xelion-park-gateway.ts) adapts the master client to this interface.
 */

export interface ParkTenantView {
  /** The tenant's id on the master tenant. */
  databaseId: string;
  /** Its name in URLs. */
  name: string;
  /** Its display name. */
  displayName: string;
  active: boolean;
  /** Whether it may be taken: preloaded, never started, not a template (the rule lives in src/xelion). */
  available: boolean;
  /** The licences it has counts of (`user`, `phone`, …). */
  licenseNames: string[];
}

export interface ParkGateway {
  /** Every tenant of the park. */
  tenants(): Promise<ParkTenantView[]>;
  /** Gives the tenant `name` (in URLs and as display name) and these licence counts, in one change; false when it had them already. */
  prepare(databaseId: string, changes: { name: string; licenses: Record<string, number> }): Promise<boolean>;
  /** Starts the tenant; false when it was running already. */
  start(databaseId: string): Promise<boolean>;
  /** An administrator session on the tenant, in `userSpace`: its token, for the remaining steps. */
  openTenantSession(databaseId: string, userSpace: string): Promise<string>;
  /** Ends the master session when this gateway opened it (stored credentials); otherwise nothing. */
  close(): Promise<void>;
}

export interface ParkAccess {
  serverUrl: string;
  /** Asked before every request (see RunControl.leaseValidUntil). */
  mayCall?: () => boolean;
  /** The order's run: its watch of the requests' deadlines and its log ids. */
  run?: RunScope;
}

/** Builds a master-tenant gateway for one attempt of a `tenant` step; an abstract class so that Nest can inject it. */
export abstract class ParkGatewayFactory {
  /** With a master session the caller gave (never logged out by this service). */
  abstract withToken(access: ParkAccess, token: string): ParkGateway;
  /** Logs in with stored credentials in `userSpace`; `close()` logs out. */
  abstract logIn(access: ParkAccess, credentials: { userName: string; password: string }, userSpace: string): Promise<ParkGateway>;
}
