import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import type { OrderError, OrderStatus } from './order.entity.js';

/** A status change of one order. */
export interface StatusChange {
  orderId: number;
  organizationId: number;
  callbackUrl: string | null;
  previousStatus: OrderStatus;
  status: OrderStatus;
  error: OrderError | null;
}

/**
 * The one place through which every order status change is announced. Each writer of `orders.status`
 * (creation excepted: it is not a change) calls `changed` in the same transaction as its UPDATE, so
 * a status change and its webhook message (docs/webhooks.md) commit together or not at all.
 */
@Injectable()
export class OrderTransitions {
  private readonly logger = new Logger('Orders');

  constructor(private readonly webhooks: WebhooksService) {}

  async changed(manager: EntityManager, change: StatusChange): Promise<void> {
    if (change.previousStatus === change.status) return;
    this.logger.log(`order ${change.orderId}: ${change.previousStatus} → ${change.status}${change.error ? ` (${change.error.code})` : ''}`);
    if (change.callbackUrl) {
      await this.webhooks.enqueueStatusChange(manager, {
        orderId: change.orderId,
        organizationId: change.organizationId,
        callbackUrl: change.callbackUrl,
        previousStatus: change.previousStatus,
        status: change.status,
        error: change.error ? { code: change.error.code, message: change.error.message } : null,
      });
    }
  }
}
