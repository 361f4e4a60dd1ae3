import { Module } from '@nestjs/common';
import { ConfigurationModule } from '../configuration/configuration.module.js';
import { CryptoModule } from '../common/crypto/crypto.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { OrderTransitions } from './order-transitions.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { ParkOrderRepository } from './park-order.repository.js';
import { ParkOrders } from './park-orders.js';
import { TenantIntentRepository } from './tenant-intent.repository.js';
import { CredentialsModule } from '../credentials/credentials.module.js';

/**
 * Orders: POST /api/v1/provision and /api/v1/orders. Exports OrderTransitions (the one place that
 * announces status changes) for the executor. SecretBox comes from the global CryptoModule.
 */
@Module({
  imports: [CryptoModule, ConfigurationModule, WebhooksModule, OrganizationsModule, CredentialsModule],
  controllers: [OrdersController],
  providers: [OrdersService, OrderTransitions, ParkOrders, ParkOrderRepository, TenantIntentRepository],
  exports: [OrdersService, OrderTransitions, ParkOrderRepository, TenantIntentRepository],
})
export class OrdersModule {}
