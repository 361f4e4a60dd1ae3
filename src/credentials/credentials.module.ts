import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { CredentialsController } from './credentials.controller.js';
import { CredentialsRepository } from './credentials.repository.js';
import { CredentialsService } from './credentials.service.js';

/**
 * Organization credentials. Exports CredentialsService: `resolve(organizationId, key)` and
 * `require(organizationId, key)` for the provisioning steps. SecretBox comes from the global CryptoModule.
 */
@Module({
  imports: [OrganizationsModule],
  controllers: [CredentialsController],
  providers: [CredentialsRepository, CredentialsService],
  exports: [CredentialsService],
})
export class CredentialsModule {}
