import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ApiError } from '../common/http/error-response.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { OrganizationsService, quotaSubtreeOf } from '../organizations/organizations.service.js';
import { OrdersRepository, type QuotaScope } from './orders.repository.js';
import { HEADER } from './provision-headers.js';
import { RetryLaterError } from './retry-after.interceptor.js';

/** The Retry-After of a 429 for MAX_UNFINISHED_ORDERS: unfinished orders end on their own, in some time. */
export const UNFINISHED_ORDERS_RETRY_AFTER_SECONDS = 30;

/**
 * What an order must pass to become NOT_STARTED, when it is created and when it is retried: its server
 * allowed by every allowedServerHosts list on its organization's path, and room under
 * MAX_UNFINISHED_ORDERS (docs/security.md).
 */
@Injectable()
export class OrderAdmission {
  constructor(
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly orders: OrdersRepository,
    private readonly organizations: OrganizationsService,
  ) {}

  /** Whether MAX_UNFINISHED_ORDERS applies at all (0 turns it off). */
  get quotaEnabled(): boolean {
    return this.settings.limits.maxUnfinishedOrders > 0;
  }

  /**
   * Where the unfinished orders of an order of `organization` are counted (docs/security.md, "Quotas
   * per subtree"): the subtree of the root's child on its path, which holds the subtrees of the
   * organization and of each ancestor below the root, so one count covers them all and creating children
   * does not escape it; the root's own orders are counted alone.
   */
  quotaScope(organization: { id: number; ancestorIds: number[] }): QuotaScope {
    const subtree = quotaSubtreeOf(organization);
    return subtree === undefined ? { id: organization.id, subtree: false } : { id: subtree, subtree: true };
  }

  /** Creators and retriers in one scope take turns (the scope's row lock), so that two cannot both pass. */
  async lockQuota(manager: EntityManager, scope: QuotaScope): Promise<void> {
    if (this.quotaEnabled) await this.orders.lockQuotaScope(manager, scope);
  }

  /** Refuses (429, Retry-After) when the scope already holds MAX_UNFINISHED_ORDERS unfinished orders besides `exceptId`. */
  async checkQuota(manager: EntityManager, scope: QuotaScope, exceptId: number): Promise<void> {
    if (!this.quotaEnabled) return;
    const max = this.settings.limits.maxUnfinishedOrders;
    const n = await this.orders.countUnfinished(manager, scope, exceptId);
    if (n >= max) {
      const holder = scope.subtree ? `the subtree of organization ${scope.id}` : `organization ${scope.id}`;
      throw new RetryLaterError(
        `${holder} has ${n} unfinished orders (NOT_STARTED or IN_PROGRESS), the limit (MAX_UNFINISHED_ORDERS) is ${max}` +
          `${scope.subtree ? ' per subtree below the root' : ''}; wait until some finish, or cancel NOT_STARTED ones`,
        UNFINISHED_ORDERS_RETRY_AFTER_SECONDS,
      );
    }
  }

  /** 400 naming Xelion-Server-Url when an allowedServerHosts list on the organization's path refuses the server. */
  async assertServerAllowed(organizationId: number, serverUrl: string, manager?: EntityManager): Promise<void> {
    const refusal = await this.organizations.serverHostRefusal(organizationId, serverUrl, manager);
    if (refusal !== undefined) {
      const message = `${HEADER.serverUrl} header is not acceptable: ${refusal}`;
      throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: HEADER.serverUrl, message }] });
    }
  }
}
