import { Module } from '@nestjs/common';
import { WebhookWakeup } from './webhook-wakeup.js';
import { WebhooksService } from './webhooks.service.js';

export { WebhooksService } from './webhooks.service.js';
export type { OrderStatus, OrderStatusChangeEvent } from './webhook.types.js';

/**
 * Webhooks (issue 6): the outbox written with every order status change, its signed, ordered, retried
 * delivery, the per-organization signing secrets, and the message log.
 *
 * For the orders code: inject `WebhooksService` and call `enqueueStatusChange(manager, event)` inside
 * the transaction that changes the status.
 */
@Module({
  providers: [WebhooksService, WebhookWakeup],
  exports: [WebhooksService],
})
export class WebhooksModule {}
