import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { logOfCaller, type Caller } from '../common/auth/caller.js';
import { withContext } from '../common/logging/request-context.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import type { Page } from '../common/http/pagination.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { ListOrdersQuery, OrderDto, OrderStepDto } from './dto/order.dto.js';
import { OrderAdmission } from './order-admission.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { Order } from './order.entity.js';
import { tenantTokenAad } from './order.sealed-column.js';
import { OrdersRepository } from './orders.repository.js';
import { ParkOrders } from './park-orders.js';
import { HEADER } from './provision-headers.js';

export function orderNotFound(id: number): NotFoundException {
  return new NotFoundException(`order ${id} not found`);
}

/** The orders API after creation (creation is provisioning's: src/provisioning/order-intake.service.ts). */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly orders: OrdersRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly admission: OrderAdmission,
    private readonly organizations: OrganizationsService,
    private readonly park: ParkOrders,
  ) {}

  async findInScope(caller: Caller, id: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Order> {
    const order = await this.orders.findInScope(caller, id, manager, lock);
    if (!order) throw orderNotFound(id);
    return order;
  }

  async get(caller: Caller, id: number): Promise<OrderDto> {
    return OrderDto.from(await this.findInScope(caller, id));
  }

  /**
   * The orders of the caller's subtree. `organizationId` narrows it; one outside the subtree simply
   * matches nothing (an empty page), as the scope is part of the WHERE.
   */
  async list(caller: Caller, query: ListOrdersQuery): Promise<Page<OrderDto>> {
    return this.orders.listPage(caller, query, (order) => OrderDto.from(order, false));
  }

  async steps(caller: Caller, id: number): Promise<OrderStepDto[]> {
    const order = await this.findInScope(caller, id);
    return (await this.orders.stepEntities(order.id)).map(OrderStepDto.from);
  }

  /** Only NOT_STARTED: the order becomes FAILED with CANCELLED, its token erased. */
  async cancel(caller: Caller, id: number): Promise<OrderDto> {
    const order = await this.dataSource.transaction(async (manager) => {
      // The row lock makes cancel and the executor's claim (FOR UPDATE SKIP LOCKED) exclusive.
      const order = await this.findInScope(caller, id, manager, true);
      if (order.status !== 'NOT_STARTED') {
        throw new ApiError(HttpStatus.CONFLICT, `order ${id} is ${order.status}; only a NOT_STARTED order can be cancelled`);
      }
      await this.lifecycle.transition(manager, order, 'FAILED', {
        error: { code: 'CANCELLED', message: 'the order was cancelled', step: null },
        eraseToken: true,
        log: logOfCaller(caller),
      });
      return this.findInScope(caller, id, manager);
    });
    return OrderDto.from(order);
  }

  /**
   * Only FAILED: back to NOT_STARTED; the executor resumes at the first unfinished step. A new token
   * replaces the stored one; without one, the stored token is used, and when it was erased (the order
   * was cancelled, or Xelion rejected it) the header is required.
   */
  async retry(caller: Caller, id: number, newToken: string | undefined, newMasterToken?: string): Promise<OrderDto> {
    const order = await this.dataSource.transaction(async (manager) => {
      // The quota scope's row is locked before the order's, in the order creation takes them.
      const seen = await this.findInScope(caller, id, manager);
      const owner = await this.organizations.findInScope(caller, seen.organizationId, manager);
      const scope = this.admission.quotaScope(owner);
      await this.admission.lockQuota(manager, scope);
      const order = await this.findInScope(caller, id, manager, true);
      if (order.status !== 'FAILED') {
        throw new ApiError(HttpStatus.CONFLICT, `order ${id} is ${order.status}; only a FAILED order can be retried`);
      }
      // Like every other write about a disabled organization (docs/security.md, "Disabled organizations").
      if (await this.organizations.disabledOnPath(order.organizationId, manager)) {
        throw new ApiError(HttpStatus.CONFLICT, `organization ${order.organizationId} is disabled; its orders cannot be retried`);
      }
      await this.admission.assertServerAllowed(order.organizationId, order.tenantServerUrl, manager);
      await this.admission.checkQuota(manager, scope, order.id);
      if (order.tenantSource === 'park') {
        await this.park.prepareRetry(manager, order, { tenantToken: newToken, masterToken: newMasterToken });
      } else if (newMasterToken !== undefined) {
        throw ParkOrders.notForTokenOrders(order.id);
      } else if (newToken !== undefined) {
        await this.orders.storeSealedToken(manager, order.id, this.box.seal(newToken, tenantTokenAad(order.id)));
      } else if (!(await this.orders.hasSealedToken(manager, order.id))) {
        const message = `${HEADER.tenantToken} header is required: the token of order ${id} was erased when it ${order.error?.code === 'CANCELLED' ? 'was cancelled' : 'was rejected'}`;
        throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: HEADER.tenantToken, message }] });
      }
      await this.lifecycle.transition(manager, order, 'NOT_STARTED', { log: logOfCaller(caller) });
      return this.findInScope(caller, id, manager);
    });
    this.logger.log(withContext(`order ${id} retried${newToken !== undefined ? ' with a new tenant token' : ''}`, { ...logOfCaller(caller), orderId: id }));
    return OrderDto.from(order);
  }
}
