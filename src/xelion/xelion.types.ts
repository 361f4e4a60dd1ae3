/**
 * The Xelion objects as the client hands them out: plain, typed, without envelopes. Field names follow
 * docs/xelion-contract.md ("Calls"); lists are normalised (missing arrays become []).
 */

/** A reference to another object (docs/xelion-contract.md "Transport"). */
export interface XelionRef {
  oid: string;
  objectType: string;
  commonName?: string;
}

export interface ServerVersion {
  apiVersionMajor: number;
  apiVersionMinor: number;
  buildNumber?: string;
  serverVersionMajor?: number;
  [field: string]: unknown;
}

export interface MeInfo {
  userName: string;
  [field: string]: unknown;
}

export interface TelecomAddress {
  addressType: 'Email' | 'Telephone' | 'Mobile';
  address: string;
}

/** `streetNumber` is the configuration's `number` + `numberAddition` (docs/xelion-contract.md "Addressables"). */
export interface VisitAddress {
  addressType: 'Visit';
  street?: string | null;
  streetNumber?: string | null;
  zipCode?: string | null;
  city?: string | null;
  country?: string | null;
}

export interface Organisation {
  oid: string;
  objectType: 'Organisation';
  commonName: string;
  name: string;
  telecomAddresses: TelecomAddress[];
  addresses: VisitAddress[];
}

export interface Employment {
  /** The relation's oid, when the server reports it. */
  oid?: string;
  organisation: XelionRef;
}

export interface Person {
  oid: string;
  objectType: 'Person';
  commonName: string;
  givenName: string | null;
  familyName: string | null;
  telecomAddresses: TelecomAddress[];
  employments: Employment[];
}

export type Addressable = Organisation | Person;

export type XccRole = 'user' | 'administrator';

/** A UserProfile as `findUser` sees it (include=person,primaryLine,xccRole,active). */
/** Part of a list, or all of it (`complete`): a read may stop after a number of pages. */
export interface Listed<T> {
  items: T[];
  complete: boolean;
}

export interface XelionUser {
  oid: string;
  userName: string;
  commonName?: string;
  person: XelionRef | null;
  primaryLine: XelionRef | null;
  xccRole: XccRole | string;
  active: boolean;
}

export interface LineExtension {
  oid: string;
  address: string;
}

/** An XCCConnectedUser relation on a line: its own oid, the user, and the directions. */
export interface LineUser {
  oid: string;
  user: XelionRef;
  incoming: boolean;
  outgoing: boolean;
}

export interface DaySchedule {
  day: 'MONDAY' | 'TUESDAY' | 'WEDNESDAY' | 'THURSDAY' | 'FRIDAY' | 'SATURDAY' | 'SUNDAY';
  /** HH:mm */
  from: string;
  to: string;
}

/** [assumed shape] docs/xelion-contract.md "Phone lines": `replace /dayNightMode`. */
export interface DayNightMode {
  enableDayNightMode: boolean;
  manualNightMode: boolean;
  nightLine: XelionRef | null;
  timezone: string | null;
  schedule: DaySchedule[];
  /** yyyy-MM-dd */
  holidays: string[];
}

export interface PhoneLine {
  oid: string;
  objectType: 'XCCPhoneLine';
  commonName: string;
  extensions: LineExtension[];
  externalNumber: string | null;
  users: LineUser[];
  phones: XelionRef[];
  recordCalls: boolean;
  defaultFallback: XelionRef | null;
  voicemailActive: boolean;
  dayNightMode: DayNightMode | null;
}

export interface Phone {
  oid: string;
  commonName?: string;
  /** Upper case, `:`-separated (80:5E:C0:12:34:56). */
  macAddress: string;
  phoneType: string | null;
  /** The phone's user when the answer tells it (always for `findPhonesOfUser`). */
  user: XelionRef | null;
}

export interface AssignedNumber {
  oid: string;
  /** E.164 */
  number: string;
  line: XelionRef | null;
}

/** A trunk as listed with include=assignedNumbers,defaultCallerNr. */
export interface Trunk {
  oid: string;
  commonName?: string;
  assignedNumbers: AssignedNumber[];
  defaultCallerNr: string | null;
}

// ---- inputs ----

export interface NewOrganisation {
  name: string;
  telecomAddresses?: TelecomAddress[];
  addresses?: VisitAddress[];
}

export interface NewPerson {
  givenName?: string | null;
  familyName?: string | null;
  telecomAddresses?: TelecomAddress[];
  /** The Organisation the person is employed by. */
  organisationOid?: string;
}

export interface NewUser {
  userName: string;
  xccRole: XccRole;
  personOid: string;
  /** The line that becomes the user's primaryLine (connected incoming and outgoing). */
  lineOid?: string;
  active?: boolean;
  userLicense?: boolean;
}

export interface NewPhoneLine {
  commonName: string;
  extensions: string[];
  externalNumber?: string | null;
  users?: { userOid: string; incoming: boolean; outgoing: boolean }[];
  recordCalls?: boolean;
}

export interface NewPhone {
  commonName: string;
  macAddress: string;
  phoneType: string;
  userOid: string;
  active?: boolean;
}

export interface NewTrunk {
  providerName: string;
  host: string;
  port?: number;
  account: string;
  authenticationAccount?: string;
  /** Sent once, never logged, never returned. */
  password: string;
  transportType: 'UDP' | 'TLS';
}

// ---- changes (each becomes one PATCH document; fields left out are not touched) ----

export interface OrganisationChanges {
  name?: string;
  telecomAddresses?: TelecomAddress[];
  addresses?: VisitAddress[];
}

export interface PersonChanges {
  givenName?: string | null;
  familyName?: string | null;
  telecomAddresses?: TelecomAddress[];
  /** Adds an employment by this Organisation (existing employments are kept). */
  employBy?: string;
}

export interface UserChanges {
  xccRole?: XccRole;
  active?: boolean;
}

/** A line's day/night mode as the caller states it; the client spells the night line as a reference. */
export interface DayNightModeInput {
  enableDayNightMode: boolean;
  manualNightMode: boolean;
  nightLineOid: string;
  timezone: string;
  schedule: DaySchedule[];
  holidays: string[];
}

export interface PhoneLineChanges {
  commonName?: string;
  externalNumber?: string;
  recordCalls?: boolean;
  /** `userPhoneLine.voicemailActive`. */
  voicemail?: boolean;
  /** Another line, or null for none. */
  defaultFallbackOid?: string | null;
  dayNightMode?: DayNightModeInput;
  addExtensions?: string[];
  addUsers?: { userOid: string; incoming: boolean; outgoing: boolean }[];
  /** Directions of user relations that exist already, by the relation's oid. */
  userDirections?: { relationOid: string; incoming?: boolean; outgoing?: boolean }[];
  addPhones?: string[];
}

export interface TrunkChanges {
  /** Numbers to add to `assignedNumbers`, each with the line it rings. */
  assign?: { number: string; lineOid: string }[];
  /** Numbers assigned already whose line changes, by the relation's oid. */
  relink?: { relationOid: string; lineOid: string }[];
  defaultCallerNr?: string;
}
