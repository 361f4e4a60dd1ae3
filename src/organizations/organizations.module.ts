import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { ApiKeysController } from './api-keys.controller.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsService } from './organizations.service.js';

@Module({
  imports: [PassportModule],
  controllers: [OrganizationsController, ApiKeysController],
  providers: [OrganizationsService, ApiKeyService, ApiKeyStrategy],
  exports: [OrganizationsService],
})
export class OrganizationsModule {}
