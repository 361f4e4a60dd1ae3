/**
 * Services beside Xelion (docs/xelion-contract.md, "Services beside Xelion"), with the
 * organization's credentials (its own, or the nearest ancestor's). Each secret is decrypted only for
 * the call that needs it. A missing credential throws MissingCredentialError naming the key.
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

export abstract class ExternalServices {
  /** `credentials.require`: the value, or MissingCredentialError. */
  abstract requireCredential(organizationId: number, key: string): Promise<string>;
  abstract optionalCredential(organizationId: number, key: string): Promise<string | undefined>;
  /** Checks that every key is set before anything is changed; throws for the first missing one. */
  abstract requireAll(organizationId: number, keys: readonly string[]): Promise<void>;
  /** Reserves (or finds again) a number at the number provider; returns it in E.164. */
  abstract reserveNumber(organizationId: number, reservation: NumberReservation): Promise<string>;
  /** Registers a phone at the redirection server; false (skipped) when `redirection.url` is not set. */
  abstract registerPhone(organizationId: number, registration: PhoneRegistration): Promise<boolean>;
}
