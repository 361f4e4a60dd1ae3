import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ConfigurationModule } from '../configuration/configuration.module.js';
import { CredentialsModule } from '../credentials/credentials.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ExecutorService } from './executor.service.js';
import { ExternalServicesFactory } from './external-services.js';
import { OrderIntake } from './order-intake.service.js';
import { OrderJournal } from './order-journal.js';
import { OrderRunner } from './order-runner.js';
import { PlanService } from './plan/plan.service.js';
import { ProvisionController } from './provision.controller.js';
import { ParkGatewayFactory } from './park-gateway.js';
import { ParkTenants } from './park-tenant.js';
import { XelionParkGatewayFactory } from './xelion-park-gateway.js';
import { TenantGatewayFactory } from './tenant-gateway.js';
import { XelionExternalServicesFactory } from './xelion-external-services.js';
import { XelionTenantGatewayFactory } from './xelion-tenant-gateway.js';
import { XelionModule } from '../xelion/xelion.module.js';

/**
 * Provisioning: accepting orders (POST /api/v1/provision: validate, plan, store) and the engine that
 * runs them — the executor (claims, leases, heartbeat, shutdown), the step journal and the steps.
 * Exports ExecutorService (tests steer it; the demo waits on it).
 */
@Module({
  imports: [ScheduleModule.forRoot(), ConfigurationModule, OrdersModule, OrganizationsModule, CredentialsModule, XelionModule],
  controllers: [ProvisionController],
  providers: [
    OrderIntake,
    PlanService,
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
