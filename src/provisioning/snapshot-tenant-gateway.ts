import type {
  LineView,
  NewLine,
  NewPerson,
  NewPhone,
  NewTrunk,
  NewUser,
  OrganisationChanges,
  OrganisationView,
  PersonChanges,
  PersonView,
  PhoneLineChanges,
  PhoneView,
  TenantAbout,
  TenantContents,
  TenantGateway,
  TrunkChanges,
  TrunkView,
  UserChanges,
  UserView,
  VisitAddress,
  TelecomAddress,
} from './tenant-gateway.js';

/**
 * A run's view of its tenant (docs/provisioning.md, "Plan"): once the preflight has read the tenant in
 * bulk, the steps' look-ups are answered from that reading instead of one request each; every write goes
 * to the tenant. An object this run writes (or tries to: the outcome of a failed write is unknown) is
 * looked up live from then on, and so is everything before the reading is adopted. A step's later
 * attempts use the live gateway (OrderRunner), so nothing an earlier attempt may have made is missed.
 */
export class SnapshotTenantGateway implements TenantGateway {
  private organisationName: string | null = null;
  private organisation: OrganisationView | null = null;
  private readonly users = new Map<string, UserView>();
  private readonly persons = new Map<string, PersonView>();
  private readonly lines = new Map<string, LineView>();
  private readonly linesByName = new Map<string, LineView[]>();
  private readonly phonesByUser = new Map<string, PhoneView[]>();
  private trunkList: TrunkView[] = [];
  private adopted = false;

  private organisationDirty = false;
  private trunksDirty = false;
  private readonly dirtyUsers = new Set<string>();
  private readonly dirtyUserOids = new Set<string>();
  private readonly dirtyPersons = new Set<string>();
  private readonly dirtyLines = new Set<string>();
  private readonly dirtyLineNames = new Set<string>();
  private readonly dirtyPhoneOwners = new Set<string>();

  constructor(private readonly live: TenantGateway) {}

  /** The preflight's reading of the tenant: the Organisation named `organisationName` (or none) and the collections. */
  adopt(organisationName: string, organisation: OrganisationView | null, contents: TenantContents): void {
    this.organisationName = organisationName;
    this.organisation = organisation;
    for (const user of contents.users) if (!this.users.has(user.userName.toLowerCase())) this.users.set(user.userName.toLowerCase(), user);
    for (const person of contents.persons) this.persons.set(person.oid, person);
    for (const line of contents.lines) {
      this.lines.set(line.oid, line);
      this.linesByName.set(line.commonName, [...(this.linesByName.get(line.commonName) ?? []), line]);
    }
    for (const phone of contents.phones) {
      if (phone.userOid !== null) this.phonesByUser.set(phone.userOid, [...(this.phonesByUser.get(phone.userOid) ?? []), phone]);
    }
    this.trunkList = contents.trunks;
    this.adopted = true;
  }

  // Reads: from the reading while it is valid for the object, else live.

  preflight(): Promise<void> {
    return this.live.preflight();
  }
  about(): Promise<TenantAbout> {
    return this.live.about();
  }
  readAll(): Promise<TenantContents> {
    return this.live.readAll();
  }
  async findOrganisations(name: string): Promise<OrganisationView[]> {
    if (this.adopted && !this.organisationDirty && name === this.organisationName) return this.organisation ? [this.organisation] : [];
    return this.live.findOrganisations(name);
  }
  async getPerson(oid: string): Promise<PersonView> {
    const person = this.adopted && !this.dirtyPersons.has(oid) ? this.persons.get(oid) : undefined;
    return person ?? this.live.getPerson(oid);
  }
  findPersons(commonName: string): Promise<PersonView[]> {
    return this.live.findPersons(commonName);
  }
  async findUser(userName: string): Promise<UserView | null> {
    const key = userName.toLowerCase();
    if (!this.adopted || this.dirtyUsers.has(key)) return this.live.findUser(userName);
    const user = this.users.get(key);
    if (user && this.dirtyUserOids.has(user.oid)) return this.live.findUser(userName);
    return user ?? null;
  }
  async getLine(oid: string): Promise<LineView> {
    const line = this.adopted && !this.dirtyLines.has(oid) ? this.lines.get(oid) : undefined;
    return line ?? this.live.getLine(oid);
  }
  async findLines(commonName: string): Promise<LineView[]> {
    const found = this.linesByName.get(commonName) ?? [];
    if (!this.adopted || this.dirtyLineNames.has(commonName) || found.some((line) => this.dirtyLines.has(line.oid))) return this.live.findLines(commonName);
    return found;
  }
  async phonesOfUser(userOid: string): Promise<PhoneView[]> {
    if (!this.adopted || this.dirtyPhoneOwners.has(userOid)) return this.live.phonesOfUser(userOid);
    return this.phonesByUser.get(userOid) ?? [];
  }
  phoneByMac(macAddress: string): Promise<PhoneView | null> {
    return this.live.phoneByMac(macAddress);
  }
  async trunks(): Promise<TrunkView[]> {
    return this.adopted && !this.trunksDirty ? this.trunkList : this.live.trunks();
  }

  // Writes: to the tenant, after marking what they touch as no longer known.

  createOrganisation(input: { name: string; telecomAddresses: TelecomAddress[]; addresses: VisitAddress[] }): Promise<string> {
    this.organisationDirty = true;
    return this.live.createOrganisation(input);
  }
  updateOrganisation(oid: string, changes: OrganisationChanges): Promise<void> {
    this.organisationDirty = true;
    return this.live.updateOrganisation(oid, changes);
  }
  createPerson(input: NewPerson): Promise<string> {
    return this.live.createPerson(input);
  }
  updatePerson(oid: string, changes: PersonChanges): Promise<void> {
    this.dirtyPersons.add(oid);
    return this.live.updatePerson(oid, changes);
  }
  createUser(input: NewUser): Promise<string> {
    this.dirtyUsers.add(input.userName.toLowerCase());
    return this.live.createUser(input);
  }
  updateUser(oid: string, changes: UserChanges): Promise<void> {
    this.dirtyUserOids.add(oid);
    return this.live.updateUser(oid, changes);
  }
  createLine(input: NewLine): Promise<string> {
    this.dirtyLineNames.add(input.commonName);
    return this.live.createLine(input);
  }
  updateLine(oid: string, changes: PhoneLineChanges): Promise<void> {
    this.dirtyLines.add(oid);
    if (changes.commonName !== undefined) this.dirtyLineNames.add(changes.commonName);
    return this.live.updateLine(oid, changes);
  }
  createPhone(input: NewPhone): Promise<string> {
    this.dirtyPhoneOwners.add(input.userOid);
    return this.live.createPhone(input);
  }
  createTrunk(input: NewTrunk): Promise<string> {
    this.trunksDirty = true;
    return this.live.createTrunk(input);
  }
  updateTrunk(oid: string, changes: TrunkChanges): Promise<void> {
    this.trunksDirty = true;
    return this.live.updateTrunk(oid, changes);
  }
}
