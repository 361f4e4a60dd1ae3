/**
 * What the provisioning steps ask of a Xelion tenant, in domain terms (users, lines, phones, …).
 * The Xelion client (src/xelion/) is the only code that knows Xelion's JSON; `XelionTenantGateway`
 * (xelion-tenant-gateway.ts) adapts it to this interface, so the steps never see an envelope.
 */
import type { NewTrunk, TelecomAddress, VisitAddress } from '../xelion/xelion.types.js';

// Addresses and trunks have the same shape on both sides of the gateway: one definition, in the client's types.
export type { NewTrunk, TelecomAddress, VisitAddress };

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

export interface DayNightMode {
  enableDayNightMode: boolean;
  manualNightMode: boolean;
  nightLineOid: string | null;
  timezone: string;
  schedule: { day: string; from: string; to: string }[];
  holidays: string[];
}

export interface PhoneView {
  oid: string;
  macAddress: string;
  phoneType: string | null;
  userOid: string | null;
}

export interface TrunkView {
  oid: string;
  assignedNumbers: { oid: string; number: string; lineOid: string | null }[];
  defaultCallerNr: string | null;
}

/** One operation of a PATCH document (spec: "PATCH documents"); the gateway sends them as given. */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
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


export interface TenantGateway {
  /** GET /server/version (unauthenticated) and GET /me/info: the server answers and accepts the token. */
  preflight(): Promise<void>;
  /** Organisations whose name is exactly `name`. */
  findOrganisations(name: string): Promise<OrganisationView[]>;
  createOrganisation(input: { name: string; telecomAddresses: TelecomAddress[]; addresses: VisitAddress[] }): Promise<string>;
  getPerson(oid: string): Promise<PersonView>;
  /** Persons whose common name is exactly `commonName`. */
  findPersons(commonName: string): Promise<PersonView[]>;
  createPerson(input: NewPerson): Promise<string>;
  patchAddressable(oid: string, operations: PatchOperation[]): Promise<void>;
  /** The user with this user name (case-insensitive), or null. */
  findUser(userName: string): Promise<UserView | null>;
  createUser(input: NewUser): Promise<string>;
  patchUser(oid: string, operations: PatchOperation[]): Promise<void>;
  getLine(oid: string): Promise<LineView>;
  /** Lines whose common name is exactly `commonName`, in full. */
  findLines(commonName: string): Promise<LineView[]>;
  createLine(input: NewLine): Promise<string>;
  patchLine(oid: string, operations: PatchOperation[]): Promise<void>;
  phonesOfUser(userOid: string): Promise<PhoneView[]>;
  /** The phone with this MAC address anywhere in the tenant, or null (to find a MAC address in use). */
  phoneByMac(macAddress: string): Promise<PhoneView | null>;
  createPhone(input: NewPhone): Promise<string>;
  patchPhone(oid: string, operations: PatchOperation[]): Promise<void>;
  trunks(): Promise<TrunkView[]>;
  createTrunk(input: NewTrunk): Promise<string>;
  patchTrunk(oid: string, operations: PatchOperation[]): Promise<void>;
}

export interface TenantAccess {
  serverUrl: string;
  tenant: string;
  token: string;
  /** Asked before every request to the tenant; false cancels it (see RunControl.leaseValidUntil). */
  mayCall?: () => boolean;
}

/** Builds the gateway of one tenant (one per order run); an abstract class so that Nest can inject it. */
export abstract class TenantGatewayFactory {
  abstract forTenant(access: TenantAccess): TenantGateway;
}
