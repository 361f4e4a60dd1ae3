/**
 * What the provisioning steps ask of a Xelion tenant, in domain terms (users, lines, phones, …) and as
 * intents ("add these members to that line"), never as requests. The Xelion client (src/xelion/) is
 * the only code that knows Xelion's paths, bodies, PATCH documents and error codes;
 * `XelionTenantGateway` (xelion-tenant-gateway.ts) adapts it to this interface.
 */
import type { RunScope } from '../common/run-scope.js';
import type {
  DayNightModeInput,
  Listed,
  NewTrunk,
  OrganisationChanges,
  PersonChanges,
  PhoneLineChanges,
  TelecomAddress,
  TrunkChanges,
  UserChanges,
  VisitAddress,
} from '../xelion/xelion.types.js';

// Inputs and changes have the same shape on both sides of the gateway: one definition, in the client's types.
export type { Listed, NewTrunk, OrganisationChanges, PersonChanges, PhoneLineChanges, TelecomAddress, TrunkChanges, UserChanges, VisitAddress };

/** A line's day/night mode: the schedule, the time zone, the holidays and the line that answers at night. */
export type DayNightMode = DayNightModeInput;

export interface OrganisationView {
  oid: string;
  name: string;
  telecomAddresses: TelecomAddress[];
  addresses: VisitAddress[];
}

export interface PersonView {
  oid: string;
  givenName: string | null;
  familyName: string | null;
  telecomAddresses: TelecomAddress[];
  employerOids: string[];
}

export interface UserView {
  oid: string;
  userName: string;
  personOid: string | null;
  primaryLineOid: string | null;
  xccRole: string;
  active: boolean;
}

export interface LineView {
  oid: string;
  commonName: string;
  extensions: { oid: string; address: string }[];
  externalNumber: string | null;
  recordCalls: boolean;
  voicemailActive: boolean;
  users: { oid: string; userOid: string; incoming: boolean; outgoing: boolean }[];
  phoneOids: string[];
  defaultFallbackOid: string | null;
  dayNightMode: DayNightMode | null;
}

export interface PhoneView {
  oid: string;
  macAddress: string;
  phoneType: string | null;
  userOid: string | null;
  /** The user's name as the tenant shows it, when the answer carries it (to name who holds a phone). */
  userName: string | null;
}

export interface TrunkView {
  oid: string;
  assignedNumbers: { oid: string; number: string; lineOid: string | null }[];
  defaultCallerNr: string | null;
}

export interface NewPerson {
  givenName: string | null;
  familyName: string;
  telecomAddresses: TelecomAddress[];
  organisationOid: string;
}

export interface NewLine {
  commonName: string;
  extensions: string[];
  externalNumber?: string | null;
  users?: { userOid: string; incoming: boolean; outgoing: boolean }[];
  recordCalls?: boolean;
}

/** The client generates the user's strong random password itself and forgets it at once. */
export interface NewUser {
  userName: string;
  xccRole: 'user' | 'administrator';
  personOid: string;
  lineOid: string;
}

export interface NewPhone {
  commonName: string;
  userOid: string;
  macAddress: string;
  phoneType: string;
}


/** Who the token belongs to and what the server is (read-only). */
export interface TenantAbout {
  apiVersionMajor: number;
  apiVersionMinor: number;
  userName: string;
  /** Whether the token's user may administer the tenant; null when the server does not say. */
  isAdministrator: boolean | null;
}

/** What the service read of a tenant to compare with a configuration: whole collections, or the objects it names. */
export interface TenantContents {
  users: UserView[];
  persons: PersonView[];
  lines: LineView[];
  phones: PhoneView[];
  trunks: TrunkView[];
}

export interface TenantGateway {
  /** The server's API version and the token's user: the server answers and accepts the token, before anything is changed. */
  about(): Promise<TenantAbout>;
  /** Users, persons or lines by paged lists: at most `maxPages` pages (all of them when omitted). */
  readUsers(maxPages?: number): Promise<Listed<UserView>>;
  readPersons(maxPages?: number): Promise<Listed<PersonView>>;
  readLines(maxPages?: number): Promise<Listed<LineView>>;
  /** Every phone of the tenant. */
  readPhones(): Promise<PhoneView[]>;
  /** Organisations whose name is exactly `name`. */
  findOrganisations(name: string): Promise<OrganisationView[]>;
  createOrganisation(input: { name: string; telecomAddresses: TelecomAddress[]; addresses: VisitAddress[] }): Promise<string>;
  updateOrganisation(oid: string, changes: OrganisationChanges): Promise<void>;
  getPerson(oid: string): Promise<PersonView>;
  /** Persons whose common name is exactly `commonName`. */
  findPersons(commonName: string): Promise<PersonView[]>;
  createPerson(input: NewPerson): Promise<string>;
  /** Names, telecom addresses, and an employment to add (`employBy`). */
  updatePerson(oid: string, changes: PersonChanges): Promise<void>;
  /** The user with this user name (case-insensitive), or null. */
  findUser(userName: string): Promise<UserView | null>;
  createUser(input: NewUser): Promise<string>;
  updateUser(oid: string, changes: UserChanges): Promise<void>;
  getLine(oid: string): Promise<LineView>;
  /** Lines whose common name is exactly `commonName`, in full. */
  findLines(commonName: string): Promise<LineView[]>;
  createLine(input: NewLine): Promise<string>;
  /** Every change of one line at once (fields, voicemail, fallback, day/night mode, new extensions, members, phones). */
  updateLine(oid: string, changes: PhoneLineChanges): Promise<void>;
  phonesOfUser(userOid: string): Promise<PhoneView[]>;
  /** The phone with this MAC address anywhere in the tenant, or null (to find who holds a MAC address). */
  phoneByMac(macAddress: string): Promise<PhoneView | null>;
  /** Rejects with XelionDuplicateError when the MAC address may be in use already (look it up). */
  createPhone(input: NewPhone): Promise<string>;
  trunks(): Promise<TrunkView[]>;
  createTrunk(input: NewTrunk): Promise<string>;
  /** Numbers to assign, numbers whose line changes, the default caller number. */
  updateTrunk(oid: string, changes: TrunkChanges): Promise<void>;
}

export interface TenantAccess {
  serverUrl: string;
  tenant: string;
  token: string;
  /** Asked before every request to the tenant; false cancels it (see RunControl.leaseValidUntil). */
  mayCall?: () => boolean;
  /** The order's run (or the request) the requests are made for: its watch of their deadlines and its log ids. */
  run?: RunScope;
}

/** Builds the gateway of one tenant (one per order run); an abstract class so that Nest can inject it. */
export abstract class TenantGatewayFactory {
  abstract forTenant(access: TenantAccess): TenantGateway;
}
