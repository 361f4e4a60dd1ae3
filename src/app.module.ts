import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { Reflector } from '@nestjs/core';
import { apiKeyGuardFor, apiKeyStrategyName } from './common/auth/api-key.guard.js';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter.js';
import { createValidationPipe } from './common/http/validation.pipe.js';
import { ConfigModule } from './config/config.module.js';
import { ConfigurationModule } from './configuration/configuration.module.js';
import type { RuntimeSettings } from './config/runtime-settings.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { ProvisioningModule } from './provisioning/provisioning.module.js';
import { CryptoModule } from './common/crypto/crypto.module.js';
import { CredentialsModule } from './credentials/credentials.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RateLimitModule, RateLimits } from './common/http/throttle.module.js';

@Module({})
export class AppModule {
  static forRoot(settings: RuntimeSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(settings), DatabaseModule.forRoot(settings), HealthModule, OrganizationsModule, ConfigurationModule, CryptoModule, CredentialsModule, WebhooksModule, OrdersModule, ProvisioningModule, MetricsModule, RateLimitModule],
      providers: [
        // Deny by default: every route needs X-Auth-Key unless marked @Public().
        {
          provide: APP_GUARD,
          inject: [Reflector, RateLimits],
          useFactory: (reflector: Reflector, limits: RateLimits) => new (apiKeyGuardFor(apiKeyStrategyName(settings.instanceId)))(reflector, limits),
        },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
