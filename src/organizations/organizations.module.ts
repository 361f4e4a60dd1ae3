import { Module } from '@nestjs/common';
import { ApiKeyService } from './api-key.service.js';
import { apiKeyStrategyFor } from './api-key.strategy.js';
import { apiKeyStrategyName } from '../common/auth/api-key.guard.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { ApiKeysController } from './api-keys.controller.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';

@Module({
  controllers: [OrganizationsController, ApiKeysController],
  providers: [
    OrganizationsRepository,
    OrganizationsService,
    ApiKeyService,
    {
      // Registered with the global guard under this application's own name (see apiKeyStrategyName).
      provide: 'API_KEY_STRATEGY',
      inject: [ApiKeyService, SETTINGS],
      useFactory: (apiKeys: ApiKeyService, settings: RuntimeSettings) => {
        const Strategy = apiKeyStrategyFor(apiKeyStrategyName(settings.instanceId)) as new (apiKeys: ApiKeyService) => object;
        return new Strategy(apiKeys);
      },
    },
  ],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
