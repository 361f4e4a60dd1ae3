import { Injectable } from '@nestjs/common';
import { logOfCaller, type Caller } from '../../common/auth/caller.js';
import { invalidConfiguration } from '../../configuration/configuration.errors.js';
import { ConfigurationValidator } from '../../configuration/configuration.validator.js';
import type { PlanHeaders } from '../../orders/provision-headers.js';
import type { PlanDto } from '../dto/plan.dto.js';
import { ExternalServicesFactory } from '../external-services.js';
import { OrderIntake } from '../order-intake.service.js';
import { TenantGatewayFactory } from '../tenant-gateway.js';
import { inspectTenant } from './tenant-inspection.js';

/**
 * POST /api/v1/provision/plan: what an order with this configuration would change in this tenant, found
 * by reading the tenant only (docs/provisioning.md, "Plan"). The same checks run in an order's preflight.
 */
@Injectable()
export class PlanService {
  constructor(
    private readonly validator: ConfigurationValidator,
    private readonly intake: OrderIntake,
    private readonly gateways: TenantGatewayFactory,
    private readonly services: ExternalServicesFactory,
  ) {}

  async plan(caller: Caller, headers: PlanHeaders, body: unknown): Promise<PlanDto> {
    const validation = await this.validator.validateAsync(body);
    if (!validation.valid) throw invalidConfiguration(validation.errors);
    await this.intake.checkServer(caller, headers.serverUrl);
    const inspection = await inspectTenant({
      configuration: validation.configuration,
      organizationId: caller.organizationId,
      gateway: this.gateways.forTenant({ serverUrl: headers.serverUrl, tenant: headers.tenantName, token: headers.tenantToken, run: { log: logOfCaller(caller) } }),
      services: this.services.forOrder({ organizationId: caller.organizationId, serverUrl: headers.serverUrl }),
    });
    const plan = inspection.plan;
    return {
      planHash: plan?.planHash ?? null,
      tenant: {
        serverUrl: headers.serverUrl,
        name: headers.tenantName,
        version: inspection.about ? `${inspection.about.apiVersionMajor}.${inspection.about.apiVersionMinor}` : null,
      },
      requirements: inspection.requirements,
      summary: plan?.summary ?? { create: 0, update: 0, unchanged: 0 },
      changes: plan?.changes ?? [],
      conflicts: plan?.conflicts ?? [],
    };
  }
}
