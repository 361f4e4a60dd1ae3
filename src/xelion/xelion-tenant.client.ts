import { canonicalMac } from '../common/mac-address.js';
import { randomBytes, randomInt } from 'node:crypto';
import { lineRef, XelionPatch } from './xelion-patch.builder.js';
import { XelionPermanentError } from './xelion.errors.js';
import { array, isObject, ref, str, XelionTransport, type Raw } from './xelion-transport.js';
import type {
  Addressable,
  AssignedNumber,
  DayNightMode,
  Employment,
  Listed,
  MeInfo,
  NewOrganisation,
  NewPerson,
  NewPhone,
  NewPhoneLine,
  NewTrunk,
  NewUser,
  Organisation,
  OrganisationChanges,
  PersonChanges,
  PhoneLineChanges,
  TrunkChanges,
  UserChanges,
  Person,
  Phone,
  PhoneLine,
  ServerVersion,
  TelecomAddress,
  Trunk,
  VisitAddress,
  XelionRef,
  XelionUser,
} from './xelion.types.js';


/** `80-5e-c0-12-34-56`, `805EC0123456` → `80:5E:C0:12:34:56`; throws on anything else. */
export function normalizeMac(mac: string): string {
  const canonical = canonicalMac(mac);
  if (canonical === null) throw new XelionPermanentError(`"${mac}" is not a MAC address`);
  return canonical;
}

const PASSWORD_CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@_~'];

/** 24 characters from a CSPRNG, with at least one of each class. Used for new users; never kept. */
export function generatePassword(length = 24): string {
  const all = PASSWORD_CLASSES.join('');
  const chars = PASSWORD_CLASSES.map((set) => set[randomInt(set.length)]);
  const bytes = randomBytes(length);
  for (let i = chars.length; i < length; i += 1) chars.push(all[bytes[i] % all.length]);
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** The client of one tenant: the calls of docs/xelion-contract.md, as reads and intents. */
export class XelionTenantClient extends XelionTransport {
  // ---------------------------------------------------------------------------------------------
  // Preflight
  // ---------------------------------------------------------------------------------------------

  /** GET /server/version (no authentication needed): the server and tenant URL answer. */
  async serverVersion(): Promise<ServerVersion> {
    const response = await this.send('read', 'GET', '/server/version');
    if (!isObject(response.data) || typeof response.data.apiVersionMajor !== 'number') {
      throw new XelionPermanentError('GET /server/version: the answer is not a Xelion server version; check the server URL and tenant');
    }
    return response.data as ServerVersion;
  }

  /** GET /me/info: the token works (XelionAuthError otherwise). */
  async me(): Promise<MeInfo> {
    const object = await this.getObject('/me/info');
    return { ...object, userName: str(object.userName) ?? '' };
  }

  // ---------------------------------------------------------------------------------------------
  // Addressables
  // ---------------------------------------------------------------------------------------------

  private toAddressable(raw: Raw): Addressable {
    const telecomAddresses = array(raw.telecomAddresses).map((t) => ({ addressType: t.addressType, address: t.address }) as TelecomAddress);
    if (raw.objectType === 'Person') {
      const person: Person = {
        oid: str(raw.oid)!,
        objectType: 'Person',
        commonName: str(raw.commonName) ?? '',
        givenName: str(raw.givenName),
        familyName: str(raw.familyName),
        telecomAddresses,
        employments: array(raw.employments)
          .map((e) => ({ ...(str(e.oid) ? { oid: str(e.oid)! } : {}), organisation: ref(e.organisation) }))
          .filter((e): e is Employment => e.organisation !== null),
      };
      return person;
    }
    const organisation: Organisation = {
      oid: str(raw.oid)!,
      objectType: 'Organisation',
      commonName: str(raw.commonName) ?? str(raw.name) ?? '',
      name: str(raw.name) ?? str(raw.commonName) ?? '',
      telecomAddresses,
      addresses: array(raw.addresses).map(
        (a) =>
          ({
            addressType: 'Visit',
            street: str(a.street),
            streetNumber: str(a.streetNumber),
            zipCode: str(a.zipCode),
            city: str(a.city),
            country: str(a.country),
          }) as VisitAddress,
      ),
    };
    return organisation;
  }

  /** GET /addressables/{oid}, in full. */
  async getAddressable(oid: string): Promise<Addressable> {
    return this.toAddressable(await this.getObject(`/addressables/${encodeURIComponent(oid)}`));
  }

  /** The oids of addressables of `objType` whose common name is exactly `name` (the server matches substrings). */
  async searchAddressables(objType: 'Organisation' | 'Person', name: string): Promise<XelionRef[]> {
    const items = await this.list('/addressables', { where: `obj_type=${objType}`, name });
    return items
      .filter((item) => (item.objectType === undefined || item.objectType === objType) && (str(item.commonName) ?? str(item.name)) === name)
      .map((item) => ref(item))
      .filter((r): r is XelionRef => r !== null);
  }

  /** Organisations named exactly `name`, in full (a search, then one GET each). */
  async findOrganisations(name: string): Promise<Organisation[]> {
    const refs = await this.searchAddressables('Organisation', name);
    const found = await Promise.all(refs.map((r) => this.getAddressable(r.oid)));
    return found.filter((a): a is Organisation => a.objectType === 'Organisation');
  }

  /** The first (oldest) Organisation named exactly `name`, in full, or null. */
  async findOrganisation(name: string): Promise<Organisation | null> {
    const refs = await this.searchAddressables('Organisation', name);
    if (refs.length === 0) return null;
    const organisation = await this.getAddressable(refs[0].oid);
    return organisation.objectType === 'Organisation' ? organisation : null;
  }

  /** Persons whose common name (given + family name) is exactly `commonName`, in full. */
  async findPersons(commonName: string): Promise<Person[]> {
    const refs = await this.searchAddressables('Person', commonName);
    const found = await Promise.all(refs.map((r) => this.getAddressable(r.oid)));
    return found.filter((a): a is Person => a.objectType === 'Person');
  }

  /** POST /addressables (Organisation). Not repeated on failure: see XelionRetryableError.outcomeUnknown. */
  async createOrganisation(input: NewOrganisation): Promise<Organisation> {
    const raw = await this.create('/addressables', {
      objectType: 'Organisation',
      name: input.name,
      telecomAddresses: input.telecomAddresses ?? [],
      addresses: input.addresses ?? [],
    });
    return this.toAddressable({ ...raw, objectType: 'Organisation' }) as Organisation;
  }

  /** POST /addressables (Person), employed by `organisationOid` when given. */
  async createPerson(input: NewPerson): Promise<Person> {
    const raw = await this.create('/addressables', {
      objectType: 'Person',
      givenName: input.givenName ?? null,
      familyName: input.familyName ?? null,
      telecomAddresses: input.telecomAddresses ?? [],
      employments: input.organisationOid ? [{ organisation: { oid: input.organisationOid, objectType: 'Organisation' } }] : [],
    });
    return this.toAddressable({ ...raw, objectType: 'Person' }) as Person;
  }

  /** GET /addressables/{oid}, which must be a Person. */
  async getPerson(oid: string): Promise<Person> {
    const found = await this.getAddressable(oid);
    if (found.objectType !== 'Person') throw new XelionPermanentError(`GET /addressables/${oid}: a ${found.objectType as string}, not a Person`);
    return found;
  }

  /** PATCH /addressables/{oid} of an Organisation: `replace /name`, `/telecomAddresses`, `/addresses`. */
  updateOrganisation(oid: string, changes: OrganisationChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.name !== undefined) patch.replace('/name', changes.name);
    if (changes.telecomAddresses !== undefined) patch.replace('/telecomAddresses', changes.telecomAddresses);
    if (changes.addresses !== undefined) patch.replace('/addresses', changes.addresses);
    return this.patch(`/addressables/${encodeURIComponent(oid)}`, patch);
  }

  /** PATCH /addressables/{oid} of a Person: names, telecom addresses, and `add /employments/{vid}` with the organisation's oid. */
  updatePerson(oid: string, changes: PersonChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.givenName !== undefined) patch.replace('/givenName', changes.givenName);
    if (changes.familyName !== undefined) patch.replace('/familyName', changes.familyName);
    if (changes.telecomAddresses !== undefined) patch.replace('/telecomAddresses', changes.telecomAddresses);
    if (changes.employBy !== undefined) patch.addEmployment(changes.employBy);
    return this.patch(`/addressables/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Users
  // ---------------------------------------------------------------------------------------------

  private toUser(raw: Raw, userName: string): XelionUser {
    return {
      oid: str(raw.oid)!,
      userName: str(raw.userName) ?? userName,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      person: ref(raw.person),
      primaryLine: ref(raw.primaryLine),
      xccRole: str(raw.xccRole) ?? 'user',
      active: raw.active !== false,
    };
  }

  /**
   * GET /users?where=userName={userName}&include=person,primaryLine,xccRole,active — the user with this
   * user name (compared case-insensitively when the answer carries it), or null.
   */
  async findUser(userName: string): Promise<XelionUser | null> {
    const items = await this.list('/users', { where: `userName=${userName}`, include: 'person,primaryLine,xccRole,active' });
    const wanted = userName.toLowerCase();
    const match = items.find((item) => typeof item.userName !== 'string' || item.userName.toLowerCase() === wanted);
    return match ? this.toUser(match, userName) : null;
  }

  /**
   * POST /users with a strong random password that is generated here and forgotten at once (never
   * stored, logged or returned). The line becomes the user's primaryLine. A user name that exists
   * already is answered 500 / 11000: XelionRetryableError with outcomeUnknown — look the user up.
   */
  async createUser(input: NewUser): Promise<XelionUser> {
    const raw = await this.create('/users', {
      objectType: 'UserProfile',
      userName: input.userName,
      password: generatePassword(),
      active: input.active ?? true,
      xccRole: input.xccRole,
      userLicense: input.userLicense ?? true,
      person: { oid: input.personOid, objectType: 'Person' },
      lines: input.lineOid
        ? [
            {
              objectType: 'XCCConnectedUser',
              line: { oid: input.lineOid, objectType: 'XCCPhoneLine' },
              orderNumber: 1,
              incoming: true,
              outgoing: true,
              editable: 'INCOMINGANDOUTGOING',
            },
          ]
        : [],
    });
    return this.toUser(raw, input.userName);
  }

  /** PATCH /users/{oid}: `replace /xccRole`, `replace /active`. */
  updateUser(oid: string, changes: UserChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.xccRole !== undefined) patch.replace('/xccRole', changes.xccRole);
    if (changes.active !== undefined) patch.replace('/active', changes.active);
    return this.patch(`/users/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Phone lines
  // ---------------------------------------------------------------------------------------------

  private toLine(raw: Raw): PhoneLine {
    const dnm = isObject(raw.dayNightMode) ? raw.dayNightMode : null;
    const userPhoneLine = isObject(raw.userPhoneLine) ? raw.userPhoneLine : {};
    return {
      oid: str(raw.oid)!,
      objectType: 'XCCPhoneLine',
      commonName: str(raw.commonName) ?? '',
      extensions: array(raw.extensions).map((e) => ({ oid: str(e.oid) ?? '', address: str(e.address) ?? '' })),
      externalNumber: str(raw.externalNumber),
      users: array(raw.users)
        .map((u) => ({ oid: str(u.oid) ?? '', user: ref(u.user), incoming: u.incoming !== false, outgoing: u.outgoing !== false }))
        .filter((u): u is PhoneLine['users'][number] => u.user !== null),
      phones: array(raw.phones)
        .map((p) => ref(isObject(p.phone) ? p.phone : p))
        .filter((p): p is XelionRef => p !== null),
      recordCalls: raw.recordCalls === true,
      defaultFallback: ref(raw.defaultFallback),
      voicemailActive: userPhoneLine.voicemailActive === true,
      dayNightMode: dnm
        ? ({
            enableDayNightMode: dnm.enableDayNightMode === true,
            manualNightMode: dnm.manualNightMode === true,
            nightLine: ref(dnm.nightLine),
            timezone: str(dnm.timezone),
            schedule: array(dnm.schedule).map((s) => ({ day: s.day, from: s.from, to: s.to })),
            holidays: Array.isArray(dnm.holidays) ? dnm.holidays.filter((d): d is string => typeof d === 'string') : [],
          } as DayNightMode)
        : null,
    };
  }

  /** GET /phonelines/{oid}, in full. */
  async getPhoneLine(oid: string): Promise<PhoneLine> {
    return this.toLine(await this.getObject(`/phonelines/${encodeURIComponent(oid)}`));
  }

  /** Lines whose commonName is exactly `name` (GET /phonelines?name= is a substring search), in full, oldest first. */
  async findPhoneLines(name: string): Promise<PhoneLine[]> {
    const items = await this.list('/phonelines', { name });
    const oids = items.filter((item) => str(item.commonName) === name).map((item) => str(item.oid)!);
    return Promise.all(oids.map((oid) => this.getPhoneLine(oid)));
  }

  /** The first (oldest) line named exactly `name`, in full, or null. */
  async findPhoneLine(name: string): Promise<PhoneLine | null> {
    const items = await this.list('/phonelines', { name });
    const match = items.find((item) => str(item.commonName) === name);
    return match ? this.getPhoneLine(str(match.oid)!) : null;
  }

  /** POST /phonelines [assumed create, docs/xelion-contract.md "Phone lines"]. */
  async createPhoneLine(input: NewPhoneLine): Promise<PhoneLine> {
    const body: Raw = {
      objectType: 'XCCPhoneLine',
      commonName: input.commonName,
      extensions: input.extensions.map((address) => ({ address })),
    };
    if (input.externalNumber) body.externalNumber = input.externalNumber;
    if (input.users?.length) {
      body.users = input.users.map((u) => ({ objectType: 'XCCConnectedUser', user: { oid: u.userOid, objectType: 'UserProfile' }, incoming: u.incoming, outgoing: u.outgoing }));
    }
    if (input.recordCalls !== undefined) body.recordCalls = input.recordCalls;
    const raw = await this.create('/phonelines', body);
    return this.toLine(raw);
  }

  /**
   * PATCH /phonelines/{oid}: every change in one document — commonName, externalNumber, recordCalls,
   * voicemail (`userPhoneLine/voicemailActive`), defaultFallback, dayNightMode, new extensions, new
   * users with their directions, directions of existing users, new phones.
   */
  updatePhoneLine(oid: string, changes: PhoneLineChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.commonName !== undefined) patch.replace('/commonName', changes.commonName);
    if (changes.externalNumber !== undefined) patch.replace('/externalNumber', changes.externalNumber);
    if (changes.recordCalls !== undefined) patch.replace('/recordCalls', changes.recordCalls);
    if (changes.voicemail !== undefined) patch.replace('/userPhoneLine/voicemailActive', changes.voicemail);
    if (changes.defaultFallbackOid !== undefined) patch.replace('/defaultFallback', changes.defaultFallbackOid === null ? null : lineRef(changes.defaultFallbackOid));
    if (changes.dayNightMode !== undefined) {
      const { nightLineOid, ...mode } = changes.dayNightMode;
      patch.replace('/dayNightMode', {
        enableDayNightMode: mode.enableDayNightMode,
        manualNightMode: mode.manualNightMode,
        nightLine: lineRef(nightLineOid),
        timezone: mode.timezone,
        schedule: mode.schedule.map((s) => ({ day: s.day, from: s.from, to: s.to })),
        holidays: [...mode.holidays],
      });
    }
    for (const address of changes.addExtensions ?? []) patch.addExtension(address);
    for (const user of changes.addUsers ?? []) patch.addLineUser(user.userOid, user);
    for (const relation of changes.userDirections ?? []) patch.setLineUserDirections(relation.relationOid, relation);
    for (const phoneOid of changes.addPhones ?? []) patch.addPhone(phoneOid);
    return this.patch(`/phonelines/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Phones
  // ---------------------------------------------------------------------------------------------

  private toPhone(raw: Raw, user: XelionRef | null): Phone {
    const info = isObject(raw.provisioningInfo) ? raw.provisioningInfo : {};
    const mac = str(info.macAddress);
    let macAddress = mac ?? '';
    try {
      if (mac) macAddress = normalizeMac(mac);
    } catch {
      // keep what the server said
    }
    return {
      oid: str(raw.oid)!,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      macAddress,
      phoneType: str(info.phoneType),
      user: ref(raw.user) ?? user,
    };
  }

  /** GET /phones?where=user={userOid}&include=provisioningInfo.macAddress,provisioningInfo.phoneType. */
  async findPhonesOfUser(userOid: string): Promise<Phone[]> {
    const items = await this.list('/phones', { where: `user=${userOid}`, include: 'provisioningInfo.macAddress,provisioningInfo.phoneType' });
    const userRef: XelionRef = { oid: userOid, objectType: 'UserProfile' };
    return items.map((item) => this.toPhone(item, userRef)).filter((phone) => phone.user === null || phone.user.oid === userOid);
  }

  /**
   * The phone with this MAC address anywhere in the tenant, or null. The contract filters phones by user
   * only, so this pages through `GET /phones` with the MAC address and user included and compares
   * itself: one request per 100 phones. Used only after a create was answered 500 / 11000.
   */
  async findPhoneByMac(mac: string): Promise<Phone | null> {
    const wanted = normalizeMac(mac);
    return (await this.listPhones()).find((phone) => phone.macAddress === wanted) ?? null;
  }

  /** POST /phones [assumed create]. A MAC address in use is answered 500 / 11000 (outcomeUnknown: look it up). */
  async createPhone(input: NewPhone): Promise<Phone> {
    const macAddress = normalizeMac(input.macAddress);
    const raw = await this.create('/phones', {
      objectType: 'XCCPhone',
      commonName: input.commonName,
      active: input.active ?? true,
      user: { oid: input.userOid, objectType: 'UserProfile' },
      provisioningInfo: { macAddress, phoneType: input.phoneType },
    });
    return this.toPhone(raw, { oid: input.userOid, objectType: 'UserProfile' });
  }

  // ---------------------------------------------------------------------------------------------
  // Whole collections (the plan reads a tenant in bulk: docs/provisioning.md, "Plan")
  // ---------------------------------------------------------------------------------------------

  /** GET /users with the user name, person, primary line, role and state of each user, up to `maxPages` pages. */
  async listUsers(maxPages = Infinity): Promise<Listed<XelionUser>> {
    const { items, complete } = await this.listPages('/users', { include: 'userName,person,primaryLine,xccRole,active' }, maxPages);
    return { items: items.map((item) => this.toUser(item, str(item.userName) ?? '')), complete };
  }

  /** GET /addressables?where=obj_type=Person with the names, telecom addresses and employments of each person, up to `maxPages` pages. */
  async listPersons(maxPages = Infinity): Promise<Listed<Person>> {
    const { items, complete } = await this.listPages('/addressables', { where: 'obj_type=Person', include: 'givenName,familyName,telecomAddresses,employments' }, maxPages);
    return { items: items.map((item) => this.toAddressable({ ...item, objectType: 'Person' }) as Person), complete };
  }

  /** GET /phonelines with every field the service compares, of each line, up to `maxPages` pages. */
  async listPhoneLines(maxPages = Infinity): Promise<Listed<PhoneLine>> {
    const { items, complete } = await this.listPages(
      '/phonelines',
      { include: 'extensions,externalNumber,users,recordCalls,userPhoneLine.voicemailActive,phones,defaultFallback,dayNightMode' },
      maxPages,
    );
    return { items: items.map((item) => this.toLine(item)), complete };
  }

  /** GET /phones with the MAC address, type and user of every phone. */
  async listPhones(): Promise<Phone[]> {
    const items = await this.list('/phones', { include: 'provisioningInfo.macAddress,provisioningInfo.phoneType,user' });
    return items.map((item) => this.toPhone(item, null));
  }

  // ---------------------------------------------------------------------------------------------
  // Trunks
  // ---------------------------------------------------------------------------------------------

  private toTrunk(raw: Raw): Trunk {
    return {
      oid: str(raw.oid)!,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      assignedNumbers: array(raw.assignedNumbers).map((n) => ({ oid: str(n.oid) ?? '', number: str(n.number) ?? '', line: ref(n.line) }) as AssignedNumber),
      defaultCallerNr: str(raw.defaultCallerNr),
    };
  }

  /** GET /trunks?include=assignedNumbers,defaultCallerNr, oldest first. */
  async listTrunks(): Promise<Trunk[]> {
    const items = await this.list('/trunks', { include: 'assignedNumbers,defaultCallerNr' });
    return items.map((item) => this.toTrunk(item));
  }

  /** POST /trunks [assumed path]. The password is sent once and is not part of the result. */
  async createTrunk(input: NewTrunk): Promise<Trunk> {
    const body: Raw = {
      objectType: 'XCCTrunk',
      providerName: input.providerName,
      host: input.host,
      account: input.account,
      password: input.password,
      transportType: input.transportType,
    };
    if (input.port !== undefined) body.port = input.port;
    if (input.authenticationAccount !== undefined) body.authenticationAccount = input.authenticationAccount;
    return this.toTrunk(await this.create('/trunks', body));
  }

  /** PATCH /trunks/{oid}: `add /assignedNumbers/{vid}` then its `line`, the line of assigned numbers, `replace /defaultCallerNr`. */
  updateTrunk(oid: string, changes: TrunkChanges): Promise<void> {
    const patch = new XelionPatch();
    for (const { number, lineOid } of changes.assign ?? []) patch.addAssignedNumber(number, lineOid);
    for (const { relationOid, lineOid } of changes.relink ?? []) patch.setAssignedNumberLine(relationOid, lineOid);
    if (changes.defaultCallerNr !== undefined) patch.replace('/defaultCallerNr', changes.defaultCallerNr);
    return this.patch(`/trunks/${encodeURIComponent(oid)}`, patch);
  }
}
