import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { ExecutorService } from './executor.service.js';
import { ExternalServicesFactory } from './external-services.js';
import { OrderJournal } from './order-journal.js';
import { OrderRunner } from './order-runner.js';
import { ParkGatewayFactory } from './park-gateway.js';
import { ParkTenants } from './park-tenant.js';
import { XelionParkGatewayFactory } from './xelion-park-gateway.js';
import { TenantGatewayFactory } from './tenant-gateway.js';
import { XelionExternalServicesFactory } from './xelion-external-services.js';
import { XelionTenantGatewayFactory } from './xelion-tenant-gateway.js';
import { XelionModule } from '../xelion/xelion.module.js';

/**
 * The provisioning engine: the executor (claims, leases, heartbeat, shutdown), the step journal and
 * the steps. Exports ExecutorService (tests steer it; the demo waits on it).
 */
@Module({
  imports: [ScheduleModule.forRoot(), OrdersModule, CredentialsModule, XelionModule],
  providers: [
    ExecutorService,
    OrderJournal,
    OrderRunner,
    ParkTenants,
    { provide: ParkGatewayFactory, useClass: XelionParkGatewayFactory },
    { provide: TenantGatewayFactory, useClass: XelionTenantGatewayFactory },
    { provide: ExternalServicesFactory, useClass: XelionExternalServicesFactory },
  ],
  exports: [ExecutorService],
})
export class ProvisioningModule {}
