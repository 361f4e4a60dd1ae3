import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CryptoModule } from '../common/crypto/crypto.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { WebhookSecretsController } from './webhook-secrets.controller.js';
import { WebhookSecretsRepository } from './webhook-secrets.repository.js';
import { WebhookSecretsService } from './webhook-secrets.service.js';
import { WebhookWakeup } from './webhook-wakeup.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksService } from './webhooks.service.js';

export { WebhooksService } from './webhooks.service.js';
export type { OrderStatus, OrderStatusChangeEvent } from './webhook.types.js';

/**
 * Webhooks (docs/webhooks.md): the outbox written with every order status change, its signed, ordered, retried
 * delivery, the per-organization signing secrets, and the message log.
 *
 * For the orders code: inject `WebhooksService` and call `enqueueStatusChange(manager, event)` inside
 * the transaction that changes the status.
 */
@Module({
  imports: [ScheduleModule.forRoot(), CryptoModule, OrganizationsModule],
  controllers: [WebhooksController, WebhookSecretsController],
  providers: [WebhooksRepository, WebhookSecretsRepository, WebhooksService, WebhookWakeup, WebhookSecretsService, WebhookDispatcher],
  exports: [WebhooksService],
})
export class WebhooksModule {}
