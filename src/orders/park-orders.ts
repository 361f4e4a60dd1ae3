import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import { CREDENTIAL_GROUPS } from '../credentials/credential.groups.js';
import { CredentialsService, MissingCredentialError } from '../credentials/credentials.service.js';
import { serverHostOf } from '../organizations/server-host.rules.js';
import type { Order } from './order.entity.js';
import { masterTokenAad } from './order.sealed-column.js';
import { ParkOrderRepository } from './park-order.repository.js';
import { HEADER, headerError, tokenRequired, type ProvisionHeaders } from './provision-headers.js';

/**
 * Accepting and retrying park orders (docs/provisioning.md, "Park orders"): which of
 * Xelion-Master-Token and the stored park.* credentials the order uses, and its sealed master token.
 */
@Injectable()
export class ParkOrders {
  constructor(
    private readonly box: SecretBox,
    private readonly credentials: CredentialsService,
    private readonly repository: ParkOrderRepository,
  ) {}

  /**
   * Whether stored park.* credentials apply to an order of `organizationId` on `serverUrl` (the
   * organization's own, or an ancestor's shared one for a server it allows). An incomplete own group
   * is a 400 naming the missing key.
   */
  private async storedCredentialsApply(organizationId: number, serverUrl: string): Promise<boolean> {
    try {
      return (await this.credentials.resolveGroup({ organizationId, serverHost: serverHostOf(serverUrl) }, CREDENTIAL_GROUPS.park)) !== undefined;
    } catch (error) {
      if (error instanceof MissingCredentialError) throw new ApiError(HttpStatus.BAD_REQUEST, error.message, { details: [{ field: error.key, message: error.message }] });
      throw error;
    }
  }

  /**
   * Before anything else of a park order is checked (headers come before the body): without
   * Xelion-Master-Token, stored park.* credentials must apply, else the 400 says which headers go together.
   */
  async checkAccess(organizationId: number, headers: ProvisionHeaders): Promise<void> {
    if (headers.source !== 'park' || headers.masterToken !== null) return;
    if (!(await this.storedCredentialsApply(organizationId, headers.serverUrl))) throw tokenRequired();
  }

  /** In the creating transaction, once the order's id is known (it is part of the token's AAD). */
  async markCreated(manager: EntityManager, orderId: number, headers: ProvisionHeaders): Promise<void> {
    const sealed = headers.masterToken === null ? null : this.box.seal(headers.masterToken, masterTokenAad(orderId));
    await this.repository.markPark(manager, orderId, headers.licenses, sealed);
  }

  /**
   * A retried park order: a new Xelion-Master-Token replaces the stored one; without one, the stored
   * token or the stored park.* credentials are used, else the header is required. Its `tenant` step
   * runs again, to log in to the tenant it took (never taking another).
   */
  async prepareRetry(manager: EntityManager, order: Order, tokens: { tenantToken?: string; masterToken?: string }): Promise<void> {
    if (tokens.tenantToken !== undefined) {
      throw headerError(HEADER.tenantToken, `does not apply to order ${order.id}, a park order: it logs in to its tenant itself; send ${HEADER.masterToken} if its master token is needed again`);
    }
    if (tokens.masterToken !== undefined) {
      await this.repository.replaceMasterToken(manager, order.id, this.box.seal(tokens.masterToken, masterTokenAad(order.id)));
    } else if (!(await this.repository.hasMasterToken(manager, order.id)) && !(await this.storedCredentialsApply(order.organizationId, order.tenantServerUrl))) {
      throw headerError(
        HEADER.masterToken,
        `is required: order ${order.id} has no master token (it was erased, or never given) and no stored park.* credentials apply to its server`,
      );
    }
    await this.repository.reopenTenantStep(manager, order.id);
  }

  /** A Xelion-Master-Token on the retry of an order that is not a park order. */
  static notForTokenOrders(orderId: number): ApiError {
    return headerError(HEADER.masterToken, `does not apply to order ${orderId}: it provisions the tenant of its ${HEADER.tenantToken}`);
  }
}
