import type { LineView, OrganisationView, PersonView, PhoneView, TenantContents, UserView } from './tenant-gateway.js';

/**
 * How much of each collection a reading holds (docs/provisioning.md, "Reading the tenant"): all of it,
 * or only the objects looked up by the keys listed (user names in lower case, line names). A key that
 * was looked up and is missing from the contents is known to be absent from the tenant.
 */
export interface ReadingScope {
  users: 'all' | ReadonlySet<string>;
  lines: 'all' | ReadonlySet<string>;
  /** Phones are read in full or not at all (the contract finds a MAC address only by reading every phone). */
  phones: boolean;
  trunks: boolean;
}

/** What the plan and a run's look-ups know of the tenant (docs/provisioning.md, "Reading the tenant"); made by tenant-reading.ts. */
export interface TenantReading {
  organisationName: string;
  organisation: OrganisationView | null;
  index: TenantIndex;
  /** How each collection was read, in words (the plan's `tenantRead` requirement). */
  summary: string;
}

export const WHOLE_TENANT: ReadingScope = { users: 'all', lines: 'all', phones: true, trunks: true };

/**
 * A tenant's contents as read, indexed by the natural keys the engine finds objects by: for the plan
 * (plan/plan.ts) and for a run's look-ups (snapshot-tenant-gateway.ts). Persons and lines found by oid
 * are whatever the reading holds; the `knows…` methods say whether an absence means "not in the tenant".
 */
export class TenantIndex {
  /** By user name, lower case (the first of a name). */
  readonly usersByName = new Map<string, UserView>();
  readonly personByOid = new Map<string, PersonView>();
  readonly lineByOid = new Map<string, LineView>();
  /** By exact common name, in list order. */
  readonly linesByName = new Map<string, LineView[]>();
  readonly linesByExtension = new Map<string, LineView[]>();
  /** By MAC address (the first of an address). */
  readonly phoneByMac = new Map<string, PhoneView>();
  /** By the oid of the user the phone belongs to. */
  readonly phonesByUser = new Map<string, PhoneView[]>();

  constructor(
    readonly contents: TenantContents,
    readonly scope: ReadingScope = WHOLE_TENANT,
  ) {
    for (const user of contents.users) if (!this.usersByName.has(user.userName.toLowerCase())) this.usersByName.set(user.userName.toLowerCase(), user);
    for (const person of contents.persons) this.personByOid.set(person.oid, person);
    for (const line of contents.lines) {
      if (this.lineByOid.has(line.oid)) continue;
      this.lineByOid.set(line.oid, line);
      this.linesByName.set(line.commonName, [...(this.linesByName.get(line.commonName) ?? []), line]);
      for (const extension of line.extensions) this.linesByExtension.set(extension.address, [...(this.linesByExtension.get(extension.address) ?? []), line]);
    }
    for (const phone of contents.phones) {
      if (!this.phoneByMac.has(phone.macAddress)) this.phoneByMac.set(phone.macAddress, phone);
      if (phone.userOid !== null) this.phonesByUser.set(phone.userOid, [...(this.phonesByUser.get(phone.userOid) ?? []), phone]);
    }
  }

  /** Whether the reading can say if the tenant has a user of this name. */
  knowsUser(userName: string): boolean {
    return this.scope.users === 'all' || this.scope.users.has(userName.toLowerCase());
  }

  /** Whether the reading holds every line of this name the tenant has. */
  knowsLinesNamed(name: string): boolean {
    return this.scope.lines === 'all' || this.scope.lines.has(name);
  }

  user(userName: string): UserView | undefined {
    return this.usersByName.get(userName.toLowerCase());
  }

  firstLineNamed(name: string): LineView | undefined {
    return this.linesByName.get(name)?.[0];
  }
}
