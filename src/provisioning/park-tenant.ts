import type { RunScope } from '../common/run-scope.js';
import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { SecretBox, SecretBoxError } from '../common/crypto/secret-box.js';
import type { TenantLicenses } from '../orders/order.entity.js';
import { masterTokenAad, tenantTokenAad } from '../orders/order.sealed-column.js';
import { ParkOrderRepository } from '../orders/park-order.repository.js';
import { TenantIntentRepository, type IntentOutcome, type TenantIntentRow } from '../orders/tenant-intent.repository.js';
import type { ExternalServices } from './external-services.js';
import type { ClaimedOrder } from './order-journal.js';
import { ParkGatewayFactory, type ParkGateway } from './park-gateway.js';
import { LeaseLostError, StepFailure } from './step-errors.js';

/** The stored master token of a park order cannot be decrypted (like TENANT_TOKEN_UNREADABLE for a tenant token). */
export const MASTER_TOKEN_UNREADABLE_CODE = 'TENANT_TOKEN_UNREADABLE';

/**
 * What a park order's `tenant` step may do besides calling the master tenant (docs/provisioning.md,
 * "Park orders"): open the master session (the order's Xelion-Master-Token, or a login with the stored
 * park.* credentials), read and record the intent to take a tenant, and hand over the tenant session.
 */
export interface ParkStepAccess {
  /** The licence counts the order sets (none: `{}`). */
  licenses: TenantLicenses;
  /** A master-tenant gateway for this attempt; call its `close()` when done. */
  openMaster(attempt: number): Promise<ParkGateway>;
  /** The tenant this order recorded earlier (an earlier attempt, a crash, a retry), or null. */
  recordedTenant(): Promise<string | null>;
  /** Who took this tenant of the order's server, and under which name, if this service did. */
  intentOf(databaseId: string): Promise<TenantIntentRow | undefined>;
  /** Which of these tenants of the order's server some order has taken, or is taking. */
  takenAmong(databaseIds: string[]): Promise<Set<string>>;
  /** Records, before anything is changed, that this order takes the tenant under its name. */
  record(databaseId: string): Promise<IntentOutcome>;
  /** A user space no other attempt of any order uses (Xelion allows one session per user space). */
  userSpace(attempt: number, purpose: 'master' | 'tenant'): string;
  /** The tenant session becomes the order's tenant token (sealed) and the gateway of the remaining steps. */
  keepTenantSession(token: string): Promise<void>;
}

@Injectable()
export class ParkTenants {
  constructor(
    private readonly box: SecretBox,
    private readonly orders: ParkOrderRepository,
    private readonly intents: TenantIntentRepository,
    private readonly gateways: ParkGatewayFactory,
  ) {}

  /** The park access of one run of a park order; `useSession` receives the tenant session's token. */
  async forRun(
    me: string,
    order: ClaimedOrder,
    services: ExternalServices,
    mayCall: () => boolean,
    useSession: (token: string) => void,
    run?: RunScope,
  ): Promise<ParkStepAccess> {
    const row = await this.orders.read(order.id);
    const serverUrl = order.serverUrl;
    const access = { serverUrl, mayCall, run };
    const openToken = (sealed: string): string => {
      try {
        return this.box.open(sealed, masterTokenAad(order.id));
      } catch (error) {
        if (error instanceof SecretBoxError) {
          throw new StepFailure(MASTER_TOKEN_UNREADABLE_CODE, `the stored master token cannot be decrypted (${error.message}); retry the order with a Xelion-Master-Token header`);
        }
        throw error;
      }
    };
    const userSpace = (attempt: number, purpose: 'master' | 'tenant') => `xprov-order-${order.id}-${attempt}-${purpose}-${randomBytes(4).toString('hex')}`;
    return {
      licenses: row?.tenantLicenses ?? {},
      openMaster: async (attempt) => {
        // Read again: a retry may have replaced the token since the run began.
        const sealed = (await this.orders.read(order.id))?.masterTokenSealed ?? null;
        if (sealed !== null) return this.gateways.withToken(access, openToken(sealed));
        const values = await services.requireGroup(order.organizationId, 'park');
        return this.gateways.logIn(access, { userName: values.get('park.userName')!, password: values.get('park.password')! }, userSpace(attempt, 'master'));
      },
      recordedTenant: async () => (await this.orders.read(order.id))?.tenantDatabaseId ?? null,
      intentOf: (databaseId) => this.intents.ofTenant(serverUrl, databaseId),
      takenAmong: (databaseIds) => this.intents.takenOn(serverUrl, databaseIds),
      record: async (databaseId) => {
        const outcome = await this.intents.record(me, { organizationId: order.organizationId, orderId: order.id, serverUrl, databaseId, tenantName: order.tenantName });
        if (outcome === false) throw new LeaseLostError(order.id);
        return outcome;
      },
      userSpace,
      keepTenantSession: async (token) => {
        if (!(await this.orders.keepTenantToken(me, order.id, this.box.seal(token, tenantTokenAad(order.id))))) throw new LeaseLostError(order.id);
        useSession(token);
      },
    };
  }

}
