import { Injectable } from '@nestjs/common';
import { CREDENTIAL_GROUPS, groupOfKey, type CredentialGroupName } from '../credentials/credential.groups.js';
import { CredentialsService, MissingCredentialError, type CredentialTarget, type ResolvedGroup } from '../credentials/credentials.service.js';
import { serverHostOf } from '../organizations/server-host.rules.js';
import { NumberProviderClient } from '../xelion/external/number-provider.client.js';
import { RedirectionClient } from '../xelion/external/redirection.client.js';
import {
  ExternalServices,
  ExternalServicesFactory,
  STEP_CREDENTIAL_GROUPS,
  type ExternalServicesOrder,
  type NumberReservation,
  type PhoneRegistration,
} from './external-services.js';
import type { StepKind } from './provisioning-plan.js';
import { StepFailure } from './step-errors.js';

/**
 * The services beside Xelion for one order, on the Xelion module's clients. Each group is resolved
 * (CredentialsService.resolveGroup: one query, the owner's values decrypted) just before the call
 * that needs it, and not kept. The organization that supplied a group is remembered for the run, so
 * that the keys a step reads one by one all come from that one organization even when credentials
 * change meanwhile (docs/credentials.md).
 */
class OrderExternalServices extends ExternalServices {
  private readonly owners = new Map<CredentialGroupName, number>();
  private readonly target: CredentialTarget;

  constructor(
    private readonly credentials: CredentialsService,
    private readonly numbers: NumberProviderClient,
    private readonly redirection: RedirectionClient,
    private readonly order: ExternalServicesOrder,
  ) {
    super();
    this.target = { organizationId: order.organizationId, serverHost: serverHostOf(order.serverUrl) };
  }

  private checkOrganization(organizationId: number): void {
    if (organizationId !== this.target.organizationId) {
      throw new Error(`credentials of organization ${organizationId} were asked for an order of organization ${this.target.organizationId}`);
    }
  }

  private async group(organizationId: number, name: CredentialGroupName, required: boolean): Promise<ResolvedGroup | undefined> {
    this.checkOrganization(organizationId);
    const group = CREDENTIAL_GROUPS[name];
    const resolved = required ? await this.credentials.requireGroup(this.target, group) : await this.credentials.resolveGroup(this.target, group);
    const pinned = this.owners.get(name);
    if (pinned === undefined) {
      if (resolved) this.owners.set(name, resolved.ownerId);
    } else if (resolved?.ownerId !== pinned) {
      throw new StepFailure('CREDENTIALS_CHANGED', `the ${name}.* credentials that apply to this order changed while it ran; retry the order`);
    }
    return resolved;
  }

  async requireCredential(organizationId: number, key: string): Promise<string> {
    const value = await this.optionalCredential(organizationId, key);
    if (value === undefined) throw new MissingCredentialError(organizationId, key);
    return value;
  }

  async optionalCredential(organizationId: number, key: string): Promise<string | undefined> {
    const group = groupOfKey(key);
    if (!group) {
      this.checkOrganization(organizationId);
      return this.credentials.resolveOwn(organizationId, key);
    }
    return (await this.group(organizationId, group.name, false))?.values.get(key);
  }

  async requireAll(organizationId: number, keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const group = groupOfKey(key);
      if (group?.required.includes(key)) await this.group(organizationId, group.name, true);
      else await this.requireCredential(organizationId, key);
    }
  }

  async requireGroup(organizationId: number, name: CredentialGroupName): Promise<Map<string, string>> {
    return (await this.group(organizationId, name, true))!.values;
  }

  async checkCredentials(kinds: Iterable<StepKind>): Promise<void> {
    const uses = new Map<CredentialGroupName, boolean>();
    for (const kind of kinds) {
      const use = STEP_CREDENTIAL_GROUPS[kind];
      if (use) uses.set(use.group, (uses.get(use.group) ?? false) || use.required);
    }
    for (const [name, required] of uses) await this.group(this.target.organizationId, name, required);
  }

  async reserveNumber(organizationId: number, reservation: NumberReservation): Promise<string> {
    const values = await this.requireGroup(organizationId, 'numbers');
    const access = { url: values.get('numbers.url')!, apiKey: values.get('numbers.apiKey')!, watch: this.order.watch };
    return (await this.numbers.reserve(access, reservation)).number;
  }

  async registerPhone(organizationId: number, registration: PhoneRegistration): Promise<boolean> {
    const values = (await this.group(organizationId, 'redirection', false))?.values;
    if (!values) return false;
    const access = {
      url: values.get('redirection.url')!,
      username: values.get('redirection.username')!,
      password: values.get('redirection.password')!,
      watch: this.order.watch,
    };
    await this.redirection.register(access, registration.macAddress, { provisioningUrl: registration.provisioningUrl, label: registration.label });
    return true;
  }
}

@Injectable()
export class XelionExternalServicesFactory extends ExternalServicesFactory {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly numbers: NumberProviderClient,
    private readonly redirection: RedirectionClient,
  ) {
    super();
  }

  forOrder(order: ExternalServicesOrder): ExternalServices {
    return new OrderExternalServices(this.credentials, this.numbers, this.redirection, order);
  }
}
