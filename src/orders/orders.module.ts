import { Module } from '@nestjs/common';
import { ConfigurationModule } from '../configuration/configuration.module.js';
import { CryptoModule } from '../common/crypto/crypto.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { OrderMetricsCollector } from './order-metrics.collector.js';
import { OrderTransitions } from './order-transitions.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

/**
 * Orders: POST /api/v1/provision and /api/v1/orders. Exports OrderTransitions (the one place that
 * announces status changes) for the executor. SecretBox comes from the global CryptoModule.
 */
@Module({
  imports: [CryptoModule, ConfigurationModule, WebhooksModule, OrganizationsModule],
  controllers: [OrdersController],
  providers: [OrdersService, OrderTransitions, OrderMetricsCollector],
  exports: [OrdersService, OrderTransitions],
})
export class OrdersModule {}
