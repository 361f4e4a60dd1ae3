import type { CredentialGroupName } from '../credentials/credential.groups.js';
import type { OutboundWatch } from '../common/http/outbound-http.js';
import type { StepKind } from './provisioning-plan.js';

/**
 * Services beside Xelion (docs/xelion-contract.md, "Services beside Xelion"), with the
 * credentials of one order: each service's keys come as one group from one organization — the
 * order's own, or an ancestor that shares it — and secrets that go to the Xelion server only to a
 * server the owner allows (docs/credentials.md). Each secret is decrypted only for the call that
 * needs it. A missing or incomplete group throws MissingCredentialError naming the key.
 */
export interface NumberReservation {
  country: string;
  area: string;
  label: string;
  /** The order id and the label: repeating the call returns the same number. */
  reference: string;
}

export interface PhoneRegistration {
  macAddress: string;
  provisioningUrl: string;
  label: string;
}

/** The credential groups the steps of a kind use; `required`: the step cannot do without the group. */
export const STEP_CREDENTIAL_GROUPS: Partial<Record<StepKind, { group: CredentialGroupName; required: boolean }>> = {
  numbers: { group: 'numbers', required: true },
  // A park order without Xelion-Master-Token logs in to the master tenant with park.*.
  tenant: { group: 'park', required: false },
  // Only when the tenant has no trunk yet; the redirection registration is skipped without a group.
  trunk: { group: 'sipTrunk', required: false },
  phones: { group: 'redirection', required: false },
};

/** The services for one order's run: every method is for that order's organization and Xelion server. */
export abstract class ExternalServices {
  /** The value of a key (of its group, see above), or MissingCredentialError. */
  abstract requireCredential(organizationId: number, key: string): Promise<string>;
  abstract optionalCredential(organizationId: number, key: string): Promise<string | undefined>;
  /** Checks that every key is set (each group complete) before anything is changed; throws for the first missing one. */
  abstract requireAll(organizationId: number, keys: readonly string[]): Promise<void>;
  /** A whole group's values, or MissingCredentialError. */
  abstract requireGroup(organizationId: number, group: CredentialGroupName): Promise<Map<string, string>>;
  /**
   * Before the run's first step: fails when a group the remaining steps use is incomplete in the
   * order's own organization, or required and supplied by nobody — before anything is written.
   */
  abstract checkCredentials(kinds: Iterable<StepKind>): Promise<void>;
  /** Reserves (or finds again) a number at the number provider; returns it in E.164. */
  abstract reserveNumber(organizationId: number, reservation: NumberReservation): Promise<string>;
  /** Registers a phone at the redirection server; false (skipped) when no `redirection.*` group applies. */
  abstract registerPhone(organizationId: number, registration: PhoneRegistration): Promise<boolean>;
}

/** What credentials are resolved for: the order's organization and its Xelion server URL. */
export interface ExternalServicesOrder {
  organizationId: number;
  serverUrl: string;
  /** The order's run: the number provider's and redirection server's requests are watched by it (executor). */
  watch?: OutboundWatch;
}

/** Makes the ExternalServices of one order's run. */
export abstract class ExternalServicesFactory {
  abstract forOrder(order: ExternalServicesOrder): ExternalServices;
}
