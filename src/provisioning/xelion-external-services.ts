import { Injectable } from '@nestjs/common';
import { CredentialsService, requireKeys } from '../credentials/credentials.service.js';
import { NumberProviderClient } from '../xelion/external/number-provider.client.js';
import { RedirectionClient } from '../xelion/external/redirection.client.js';
import { ExternalServices, type NumberReservation, type PhoneRegistration } from './external-services.js';

/**
 * The services beside Xelion on the Xelion module's clients, with the organization's credentials.
 * The secrets one call needs are opened together (CredentialsService.resolveMany decrypts them, one
 * query) just before that call, and are not kept.
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
    await this.credentials.requireMany(organizationId, keys);
  }

  async reserveNumber(organizationId: number, reservation: NumberReservation): Promise<string> {
    const values = await this.credentials.requireMany(organizationId, ['numbers.url', 'numbers.apiKey']);
    const access = { url: values.get('numbers.url')!, apiKey: values.get('numbers.apiKey')! };
    return (await this.numbers.reserve(access, reservation)).number;
  }

  async registerPhone(organizationId: number, registration: PhoneRegistration): Promise<boolean> {
    const keys = ['redirection.url', 'redirection.username', 'redirection.password'];
    const values = await this.credentials.resolveMany(organizationId, keys);
    const url = values.get('redirection.url');
    if (url === undefined) return false;
    requireKeys(organizationId, keys, values);
    const access = { url, username: values.get('redirection.username')!, password: values.get('redirection.password')! };
    await this.redirection.register(access, registration.macAddress, { provisioningUrl: registration.provisioningUrl, label: registration.label });
    return true;
  }

}
