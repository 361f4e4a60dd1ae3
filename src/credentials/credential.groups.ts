/**
 * The credentials of one service beside Xelion form a group that always comes whole from ONE
 * organization, so that a descendant can never pair its own URL with an ancestor's secret
 * (docs/credentials.md, "Groups and inheritance").
 */
export type CredentialGroupName = 'numbers' | 'redirection' | 'sipTrunk' | 'park';

export interface CredentialGroup {
  name: CredentialGroupName;
  /** The keys a complete group has. */
  required: readonly string[];
  optional: readonly string[];
  /**
   * Values that go to the Xelion server itself (a trunk's password, a park account): inherited only
   * when the order's server is in the owner's `allowedServerHosts`.
   */
  serverBound: boolean;
}

export const CREDENTIAL_GROUPS: Readonly<Record<CredentialGroupName, CredentialGroup>> = {
  numbers: { name: 'numbers', required: ['numbers.url', 'numbers.apiKey'], optional: [], serverBound: false },
  redirection: { name: 'redirection', required: ['redirection.url', 'redirection.username', 'redirection.password'], optional: [], serverBound: false },
  sipTrunk: {
    name: 'sipTrunk',
    required: ['sipTrunk.providerName', 'sipTrunk.host', 'sipTrunk.account', 'sipTrunk.password'],
    optional: ['sipTrunk.port', 'sipTrunk.transport'],
    serverBound: true,
  },
  park: { name: 'park', required: ['park.userName', 'park.password'], optional: [], serverBound: true },
};

export function groupKeys(group: CredentialGroup): string[] {
  return [...group.required, ...group.optional];
}

/** The group a key belongs to (by its exact name), or undefined for a key of no group. */
export function groupOfKey(key: string): CredentialGroup | undefined {
  return Object.values(CREDENTIAL_GROUPS).find((group) => group.required.includes(key) || group.optional.includes(key));
}
