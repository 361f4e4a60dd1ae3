import { Injectable } from '@nestjs/common';
import { CredentialsService } from '../credentials/credentials.service.js';
import { NumberProviderClient } from '../xelion/external/number-provider.client.js';
import { RedirectionClient } from '../xelion/external/redirection.client.js';
import { ExternalServices, type NumberReservation, type PhoneRegistration } from './external-services.js';

/**
 * The services beside Xelion on the Xelion module's clients, with the organization's credentials.
 * A secret is opened (CredentialsService.resolve decrypts it) just before the one call that needs
 * it and is not kept.
 */
@Injectable()
export class XelionExternalServices extends ExternalServices {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly numbers: NumberProviderClient,
    private readonly redirection: RedirectionClient,
  ) {
    super();
  }

  requireCredential(organizationId: number, key: string): Promise<string> {
    return this.credentials.require(organizationId, key);
  }

  optionalCredential(organizationId: number, key: string): Promise<string | undefined> {
    return this.credentials.resolve(organizationId, key);
  }

  async requireAll(organizationId: number, keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.credentials.require(organizationId, key);
  }

  async reserveNumber(organizationId: number, reservation: NumberReservation): Promise<string> {
    const access = {
      url: await this.credentials.require(organizationId, 'numbers.url'),
      apiKey: await this.credentials.require(organizationId, 'numbers.apiKey'),
    };
    return (await this.numbers.reserve(access, reservation)).number;
  }

  async registerPhone(organizationId: number, registration: PhoneRegistration): Promise<boolean> {
    const url = await this.credentials.resolve(organizationId, 'redirection.url');
    if (url === undefined) return false;
    const access = {
      url,
      username: await this.credentials.require(organizationId, 'redirection.username'),
      password: await this.credentials.require(organizationId, 'redirection.password'),
    };
    await this.redirection.register(access, registration.macAddress, { provisioningUrl: registration.provisioningUrl, label: registration.label });
    return true;
  }

}
