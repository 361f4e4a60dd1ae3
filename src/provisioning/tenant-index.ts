import type { LineView, PersonView, PhoneView, TenantContents, UserView } from './tenant-gateway.js';

/**
 * A tenant's contents as read in bulk, indexed by the natural keys the engine finds objects by: for the
 * plan (plan/plan.ts) and for a run's look-ups (snapshot-tenant-gateway.ts).
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

  constructor(readonly contents: TenantContents) {
    for (const user of contents.users) if (!this.usersByName.has(user.userName.toLowerCase())) this.usersByName.set(user.userName.toLowerCase(), user);
    for (const person of contents.persons) this.personByOid.set(person.oid, person);
    for (const line of contents.lines) {
      this.lineByOid.set(line.oid, line);
      this.linesByName.set(line.commonName, [...(this.linesByName.get(line.commonName) ?? []), line]);
      for (const extension of line.extensions) this.linesByExtension.set(extension.address, [...(this.linesByExtension.get(extension.address) ?? []), line]);
    }
    for (const phone of contents.phones) {
      if (!this.phoneByMac.has(phone.macAddress)) this.phoneByMac.set(phone.macAddress, phone);
      if (phone.userOid !== null) this.phonesByUser.set(phone.userOid, [...(this.phonesByUser.get(phone.userOid) ?? []), phone]);
    }
  }

  user(userName: string): UserView | undefined {
    return this.usersByName.get(userName.toLowerCase());
  }

  firstLineNamed(name: string): LineView | undefined {
    return this.linesByName.get(name)?.[0];
  }
}
