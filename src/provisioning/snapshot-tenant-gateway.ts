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
  TenantGateway,
  TrunkChanges,
  TrunkView,
  UserChanges,
  UserView,
  VisitAddress,
  TelecomAddress,
} from './tenant-gateway.js';
import type { TenantIndex, TenantReading } from './tenant-index.js';

/**
 * A run's view of its tenant (docs/provisioning.md, "Reading the tenant"): once the preflight has read
 * the tenant, the steps' look-ups that the reading can answer are answered from it instead of one request
 * each, the others go to the tenant, and so does every write. An object this run writes (or tries to: the outcome of a failed write is unknown) is
 * looked up live from then on, and so is everything before the reading is adopted. A step's later
 * attempts use the live gateway (OrderRunner), so nothing an earlier attempt may have made is missed.
 */
export class SnapshotTenantGateway implements TenantGateway {
  private organisationName: string | null = null;
  private organisation: OrganisationView | null = null;
  /** The preflight's reading; undefined until it is adopted (every look-up is live until then). */
  private reading: TenantIndex | undefined;

  private organisationDirty = false;
  private trunksDirty = false;
  private readonly dirtyUsers = new Set<string>();
  private readonly dirtyUserOids = new Set<string>();
  private readonly dirtyPersons = new Set<string>();
  private readonly dirtyLines = new Set<string>();
  private readonly dirtyLineNames = new Set<string>();
  private readonly dirtyPhoneOwners = new Set<string>();

  constructor(private readonly live: TenantGateway) {}

  /** The preflight's reading of the tenant: the Organisation named `organisationName` (or none) and what it read. */
  adopt(reading: TenantReading): void {
    this.organisationName = reading.organisationName;
    this.organisation = reading.organisation;
    this.reading = reading.index;
  }

  // Reads: from the reading while it is valid for the object, else live.

  about(): Promise<TenantAbout> {
    return this.live.about();
  }
  readUsers(maxPages?: number) {
    return this.live.readUsers(maxPages);
  }
  readPersons(maxPages?: number) {
    return this.live.readPersons(maxPages);
  }
  readLines(maxPages?: number) {
    return this.live.readLines(maxPages);
  }
  readPhones() {
    return this.live.readPhones();
  }
  async findOrganisations(name: string): Promise<OrganisationView[]> {
    if (this.reading && !this.organisationDirty && name === this.organisationName) return this.organisation ? [this.organisation] : [];
    return this.live.findOrganisations(name);
  }
  async getPerson(oid: string): Promise<PersonView> {
    const person = this.dirtyPersons.has(oid) ? undefined : this.reading?.personByOid.get(oid);
    return person ?? this.live.getPerson(oid);
  }
  findPersons(commonName: string): Promise<PersonView[]> {
    return this.live.findPersons(commonName);
  }
  async findUser(userName: string): Promise<UserView | null> {
    if (!this.reading?.knowsUser(userName) || this.dirtyUsers.has(userName.toLowerCase())) return this.live.findUser(userName);
    const user = this.reading.user(userName);
    if (user && this.dirtyUserOids.has(user.oid)) return this.live.findUser(userName);
    return user ?? null;
  }
  async getLine(oid: string): Promise<LineView> {
    const line = this.dirtyLines.has(oid) ? undefined : this.reading?.lineByOid.get(oid);
    return line ?? this.live.getLine(oid);
  }
  async findLines(commonName: string): Promise<LineView[]> {
    const found = this.reading?.linesByName.get(commonName) ?? [];
    if (!this.reading?.knowsLinesNamed(commonName) || this.dirtyLineNames.has(commonName) || found.some((line) => this.dirtyLines.has(line.oid))) {
      return this.live.findLines(commonName);
    }
    return found;
  }
  async phonesOfUser(userOid: string): Promise<PhoneView[]> {
    if (!this.reading?.scope.phones || this.dirtyPhoneOwners.has(userOid)) return this.live.phonesOfUser(userOid);
    return this.reading.phonesByUser.get(userOid) ?? [];
  }
  phoneByMac(macAddress: string): Promise<PhoneView | null> {
    return this.live.phoneByMac(macAddress);
  }
  async trunks(): Promise<TrunkView[]> {
    return this.reading?.scope.trunks && !this.trunksDirty ? this.reading.contents.trunks : this.live.trunks();
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
