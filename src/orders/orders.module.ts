import { Module } from '@nestjs/common';
import { CryptoModule } from '../common/crypto/crypto.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { OrderAdmission } from './order-admission.js';
import { OrderLifecycle } from './order-lifecycle.js';
import { OrderMetricsCollector } from './order-metrics.collector.js';
import { OrdersController } from './orders.controller.js';
import { OrdersRepository } from './orders.repository.js';
import { OrdersService } from './orders.service.js';
import { ParkOrderRepository } from './park-order.repository.js';
import { ParkOrders } from './park-orders.js';
import { TenantIntentRepository } from './tenant-intent.repository.js';

/**
 * Orders: /api/v1/orders, the orders repository (every statement on orders and order_steps) and the
 * order lifecycle (the one writer of an order's status), and park orders' own records. Accepting an
 * order is provisioning's (POST /api/v1/provision); it uses OrdersRepository, OrderAdmission and
 * ParkOrders, the executor OrderLifecycle.
 */
@Module({
  imports: [CryptoModule, WebhooksModule, OrganizationsModule, CredentialsModule],
  controllers: [OrdersController],
  providers: [OrdersService, OrdersRepository, OrderLifecycle, OrderAdmission, OrderMetricsCollector, ParkOrders, ParkOrderRepository, TenantIntentRepository],
  exports: [OrdersService, OrdersRepository, OrderLifecycle, OrderAdmission, ParkOrders, ParkOrderRepository, TenantIntentRepository],
})
export class OrdersModule {}
