/**
 * In-memory state of the simulated Xelion tenants, and the object rules of the contract in
 * /work/shared/spec/xelion-api.md ("Calls"): validation, duplicates (500 / 11000), PATCH operations.
 * No HTTP here: simulator.ts maps requests onto these functions and SimError onto the error body.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = Record<string, Json>;

export interface Ref extends Obj {
  oid: string;
  objectType: string;
  commonName: string;
}

/** An error answered with the spec's body `{ errorCode, message, info }`. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const badPayload = (message: string) => new SimError(400, 10202, message);
export const incomplete = (message: string) => new SimError(400, 10203, message);
export const notFound = (message: string) => new SimError(404, 10100, message);
export const duplicate = (message: string) => new SimError(500, 11000, message);

/** Object ids are numeric strings, increasing over the whole simulator (so `after=` can compare them). */
export class OidSource {
  private next = 1000;
  take(): string {
    this.next += 1;
    return String(this.next);
  }
}

export type Collection = 'addressables' | 'users' | 'phonelines' | 'phones' | 'trunks';

export const COLLECTION_TYPES: Record<Collection, string[]> = {
  addressables: ['Organisation', 'Person'],
  users: ['UserProfile'],
  phonelines: ['XCCPhoneLine'],
  phones: ['XCCPhone'],
  trunks: ['XCCTrunk'],
};

export interface SecretInfo {
  /** Length and character classes of a user's password, never the password. */
  passwordLength?: number;
  passwordClasses?: number;
  /** A trunk's password, kept for tests (the API never returns it). */
  password?: string;
}

export class TenantState {
  readonly tokens = new Set<string>();
  /** Every object, in creation order (oids increase). */
  readonly objects = new Map<string, Obj>();
  readonly secrets = new Map<string, SecretInfo>();
  readonly calls = new Map<string, number>();
  readonly statuses = new Map<number, number>();
  totalCalls = 0;
  inFlight = 0;
  peakInFlight = 0;
  rejected429 = 0;
  readonly sessions = new Map<string, { inFlight: number; peak: number; id: number }>();

  constructor(
    readonly name: string,
    private readonly oids: OidSource,
  ) {}

  session(token: string): { inFlight: number; peak: number; id: number } {
    let session = this.sessions.get(token);
    if (!session) {
      session = { inFlight: 0, peak: 0, id: this.sessions.size + 1 };
      this.sessions.set(token, session);
    }
    return session;
  }

  resetCalls(): void {
    this.calls.clear();
    this.statuses.clear();
    this.totalCalls = 0;
    this.peakInFlight = this.inFlight;
    this.rejected429 = 0;
    for (const session of this.sessions.values()) session.peak = session.inFlight;
  }

  newOid(): string {
    return this.oids.take();
  }

  ref(obj: Obj): Ref {
    return { oid: obj.oid as string, objectType: obj.objectType as string, commonName: (obj.commonName as string) ?? '' };
  }

  inCollection(collection: Collection): Obj[] {
    const types = COLLECTION_TYPES[collection];
    return [...this.objects.values()].filter((obj) => types.includes(obj.objectType as string));
  }

  get(collection: Collection, oid: string): Obj {
    const obj = this.objects.get(oid);
    if (!obj || !COLLECTION_TYPES[collection].includes(obj.objectType as string)) {
      throw notFound(`no ${collection} object with oid ${oid}`);
    }
    return obj;
  }

  /** Resolves a reference given as `{ oid, objectType? }` or a bare oid string to an existing object of `type`. */
  resolve(value: unknown, type: string, what: string): Obj {
    const oid = typeof value === 'string' ? value : isObject(value) && typeof value.oid === 'string' ? value.oid : undefined;
    if (oid === undefined) throw badPayload(`${what} must be a reference { "oid", "objectType": "${type}" }`);
    if (isObject(value) && value.objectType !== undefined && value.objectType !== type) {
      throw badPayload(`${what}: objectType must be ${type}, got ${String(value.objectType)}`);
    }
    const obj = this.objects.get(oid);
    if (!obj || obj.objectType !== type) throw badPayload(`${what}: no ${type} with oid ${oid}`);
    return obj;
  }

  // ---- users and lines: the XCCConnectedUser relation lives on the line ----

  userOfPerson(personOid: string): Obj | undefined {
    return this.inCollection('users').find((user) => (user.person as Ref | null)?.oid === personOid);
  }

  linesOfUser(userOid: string): Obj[] {
    return this.inCollection('phonelines').filter((line) => (line.users as Obj[]).some((rel) => (rel.user as Ref).oid === userOid));
  }

  /** The full view of an object as the API returns it (derived fields filled in). */
  view(obj: Obj): Obj {
    if (obj.objectType === 'UserProfile') {
      const lines = this.linesOfUser(obj.oid as string).map((line) => {
        const rel = (line.users as Obj[]).find((r) => (r.user as Ref).oid === obj.oid) as Obj;
        return { oid: rel.oid, objectType: 'XCCConnectedUser', line: this.ref(line), incoming: rel.incoming, outgoing: rel.outgoing };
      });
      return structuredClone({ ...obj, lines });
    }
    return structuredClone(obj);
  }

  /** Dump for the read-only `/_sim` endpoint: every object, grouped, with secret facts (never a user's password). */
  dump(): Obj {
    const group = (collection: Collection) => this.inCollection(collection).map((obj) => this.view(obj));
    const addressables = group('addressables');
    return {
      tenant: this.name,
      organisations: addressables.filter((obj) => obj.objectType === 'Organisation'),
      persons: addressables.filter((obj) => obj.objectType === 'Person'),
      users: group('users').map((user) => ({ ...user, ...(this.secrets.get(user.oid as string) as Obj) })),
      phoneLines: group('phonelines'),
      phones: group('phones'),
      trunks: group('trunks').map((trunk) => ({ ...trunk, ...(this.secrets.get(trunk.oid as string) as Obj) })),
    };
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Field validation helpers
// ---------------------------------------------------------------------------------------------

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null || value === '') throw incomplete(`${field} is required`);
  if (typeof value !== 'string') throw badPayload(`${field} must be a string`);
  return value;
}

function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badPayload(`${field} must be a string`);
  return value;
}

function bool(value: unknown, field: string, fallback?: boolean): boolean {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw badPayload(`${field} must be true or false`);
  return value;
}

const E164 = /^\+[1-9]\d{5,14}$/;
function e164OrNull(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !E164.test(value)) throw badPayload(`${field} must be an E.164 number (+31…), got ${JSON.stringify(value)}`);
  return value;
}

function extensionNumber(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^[0-9*#]{1,20}$/.test(value)) throw badPayload(`${field} must be an extension number (digits)`);
  return value;
}

function telecomAddresses(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badPayload('telecomAddresses must be an array');
  return value.map((entry, i) => {
    if (!isObject(entry) || !['Email', 'Telephone', 'Mobile'].includes(entry.addressType as string) || typeof entry.address !== 'string' || entry.address === '') {
      throw badPayload(`telecomAddresses[${i}] must be { "addressType": "Email" | "Telephone" | "Mobile", "address" }`);
    }
    return { addressType: entry.addressType as string, address: entry.address };
  });
}

const ADDRESS_FIELDS = ['street', 'streetNumber', 'zipCode', 'city', 'country'];
function addresses(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badPayload('addresses must be an array');
  return value.map((entry, i) => {
    if (!isObject(entry) || entry.addressType !== 'Visit') throw badPayload(`addresses[${i}].addressType must be "Visit"`);
    const out: Obj = { addressType: 'Visit' };
    for (const field of ADDRESS_FIELDS) {
      const v = entry[field];
      if (v !== undefined && v !== null && typeof v !== 'string') throw badPayload(`addresses[${i}].${field} must be a string`);
      out[field] = (v as string | undefined) ?? null;
    }
    return out;
  });
}

export function normaliseMac(value: unknown, field = 'macAddress'): string {
  if (typeof value !== 'string') throw badPayload(`${field} must be a MAC address`);
  const hex = value.replace(/[:\-.]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex)) throw badPayload(`${field} "${value}" is not a MAC address`);
  return hex.match(/../g)!.join(':');
}

const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

// ---------------------------------------------------------------------------------------------
// Creates (POST)
// ---------------------------------------------------------------------------------------------

function requireBody(body: unknown): Record<string, unknown> {
  if (!isObject(body) || Object.keys(body).length === 0) throw new SimError(400, 10200, 'the payload is empty');
  return body;
}

function personCommonName(person: Obj): string {
  return [person.givenName, person.familyName].filter((part) => typeof part === 'string' && part !== '').join(' ');
}

export function createAddressable(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  const oid = state.newOid();
  if (body.objectType === 'Organisation') {
    const name = requiredString(body, 'name');
    const obj: Obj = {
      oid,
      objectType: 'Organisation',
      commonName: name,
      name,
      telecomAddresses: telecomAddresses(body.telecomAddresses),
      addresses: addresses(body.addresses),
    };
    state.objects.set(oid, obj);
    return obj;
  }
  if (body.objectType === 'Person') {
    const givenName = optionalString(body, 'givenName');
    const familyName = optionalString(body, 'familyName');
    if (!givenName && !familyName) throw incomplete('givenName or familyName is required');
    const employments = employmentsOf(state, body.employments);
    const obj: Obj = { oid, objectType: 'Person', commonName: '', givenName, familyName, telecomAddresses: telecomAddresses(body.telecomAddresses), employments };
    obj.commonName = personCommonName(obj);
    state.objects.set(oid, obj);
    return obj;
  }
  if (body.objectType === undefined) throw incomplete('objectType is required');
  throw badPayload(`objectType ${JSON.stringify(body.objectType)} cannot be created as an addressable (Organisation or Person)`);
}

function employmentsOf(state: TenantState, value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badPayload('employments must be an array');
  return value.map((entry, i) => {
    if (!isObject(entry)) throw badPayload(`employments[${i}] must be { "organisation": { "oid", "objectType": "Organisation" } }`);
    const organisation = state.resolve(entry.organisation, 'Organisation', `employments[${i}].organisation`);
    return { oid: state.newOid(), organisation: state.ref(organisation) };
  });
}

export function createUser(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  if (body.objectType !== undefined && body.objectType !== 'UserProfile') throw badPayload('objectType must be UserProfile');
  const userName = requiredString(body, 'userName');
  const password = requiredString(body, 'password');
  if (password.length < 8) throw badPayload('password is too weak (at least 8 characters)');
  const xccRole = body.xccRole ?? 'user';
  if (xccRole !== 'user' && xccRole !== 'administrator') throw badPayload('xccRole must be "user" or "administrator"');
  const active = bool(body.active, 'active', true);
  const userLicense = bool(body.userLicense, 'userLicense', false);
  if (body.person === undefined || body.person === null) throw incomplete('person is required');
  const person = state.resolve(body.person, 'Person', 'person');
  const lines = body.lines === undefined || body.lines === null ? [] : body.lines;
  if (!Array.isArray(lines)) throw badPayload('lines must be an array');
  const resolvedLines = lines.map((entry, i) => {
    if (!isObject(entry)) throw badPayload(`lines[${i}] must be an XCCConnectedUser`);
    if (entry.objectType !== undefined && entry.objectType !== 'XCCConnectedUser') throw badPayload(`lines[${i}].objectType must be XCCConnectedUser`);
    return {
      line: state.resolve(entry.line, 'XCCPhoneLine', `lines[${i}].line`),
      incoming: bool(entry.incoming, `lines[${i}].incoming`, true),
      outgoing: bool(entry.outgoing, `lines[${i}].outgoing`, true),
    };
  });
  // Xelion answers duplicates with a server error, not 409 (spec: Users).
  const lower = userName.toLowerCase();
  if (state.inCollection('users').some((user) => (user.userName as string).toLowerCase() === lower)) {
    throw duplicate(`Internal server error: user name ${userName} exists already`);
  }
  if (state.userOfPerson(person.oid as string)) throw duplicate('Internal server error: the person belongs to another user already');
  const oid = state.newOid();
  const obj: Obj = {
    oid,
    objectType: 'UserProfile',
    commonName: (person.commonName as string) || userName,
    userName,
    active,
    xccRole: xccRole as string,
    userLicense,
    person: state.ref(person),
    primaryLine: resolvedLines.length > 0 ? state.ref(resolvedLines[0].line) : null,
  };
  state.objects.set(oid, obj);
  state.secrets.set(oid, { passwordLength: password.length, passwordClasses: passwordClasses(password) });
  for (const { line, incoming, outgoing } of resolvedLines) {
    (line.users as Obj[]).push({ oid: state.newOid(), objectType: 'XCCConnectedUser', user: state.ref(obj), incoming, outgoing });
  }
  return obj;
}

function passwordClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
}

export function createPhoneLine(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  if (body.objectType !== undefined && body.objectType !== 'XCCPhoneLine') throw badPayload('objectType must be XCCPhoneLine');
  const commonName = requiredString(body, 'commonName');
  const extensions = body.extensions ?? [];
  if (!Array.isArray(extensions)) throw badPayload('extensions must be an array');
  const users = body.users ?? [];
  if (!Array.isArray(users)) throw badPayload('users must be an array');
  const line: Obj = {
    oid: '',
    objectType: 'XCCPhoneLine',
    commonName,
    extensions: extensions.map((entry, i) => ({
      oid: '',
      address: extensionNumber(isObject(entry) ? entry.address : entry, `extensions[${i}].address`),
    })),
    externalNumber: e164OrNull(body.externalNumber, 'externalNumber'),
    users: users.map((entry, i) => {
      if (!isObject(entry)) throw badPayload(`users[${i}] must be an XCCConnectedUser`);
      const user = state.resolve(entry.user, 'UserProfile', `users[${i}].user`);
      return { oid: '', objectType: 'XCCConnectedUser', user: state.ref(user), incoming: bool(entry.incoming, `users[${i}].incoming`, true), outgoing: bool(entry.outgoing, `users[${i}].outgoing`, true) };
    }),
    phones: [],
    recordCalls: bool(body.recordCalls, 'recordCalls', false),
    defaultFallback: null,
    userPhoneLine: { voicemailActive: false },
    dayNightMode: null,
  };
  const userOids = (line.users as Obj[]).map((rel) => (rel.user as Ref).oid);
  if (new Set(userOids).size !== userOids.length) throw duplicate('Internal server error: a user is connected twice');
  line.oid = state.newOid();
  for (const rel of [...(line.extensions as Obj[]), ...(line.users as Obj[])]) rel.oid = state.newOid();
  state.objects.set(line.oid as string, line);
  return line;
}

export function createPhone(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  if (body.objectType !== undefined && body.objectType !== 'XCCPhone') throw badPayload('objectType must be XCCPhone');
  if (!isObject(body.provisioningInfo)) throw incomplete('provisioningInfo.macAddress is required');
  const macAddress = normaliseMac(body.provisioningInfo.macAddress, 'provisioningInfo.macAddress');
  const phoneType = body.provisioningInfo.phoneType ?? null;
  if (phoneType !== null && typeof phoneType !== 'string') throw badPayload('provisioningInfo.phoneType must be a string');
  const user = body.user === undefined || body.user === null ? null : state.resolve(body.user, 'UserProfile', 'user');
  if (state.inCollection('phones').some((phone) => (phone.provisioningInfo as Obj).macAddress === macAddress)) {
    throw duplicate(`Internal server error: MAC address ${macAddress} is in use`);
  }
  const oid = state.newOid();
  const obj: Obj = {
    oid,
    objectType: 'XCCPhone',
    commonName: optionalString(body, 'commonName') ?? macAddress,
    active: bool(body.active, 'active', true),
    user: user ? state.ref(user) : null,
    provisioningInfo: { macAddress, phoneType },
  };
  state.objects.set(oid, obj);
  return obj;
}

export function createTrunk(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  if (body.objectType !== undefined && body.objectType !== 'XCCTrunk') throw badPayload('objectType must be XCCTrunk');
  const providerName = requiredString(body, 'providerName');
  const host = requiredString(body, 'host');
  const account = requiredString(body, 'account');
  const password = requiredString(body, 'password');
  const port = body.port ?? null;
  if (port !== null && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) throw badPayload('port must be 1..65535');
  const transportType = body.transportType ?? 'UDP';
  if (!['UDP', 'TLS', 'TCP'].includes(transportType as string)) throw badPayload('transportType must be UDP or TLS');
  const oid = state.newOid();
  const obj: Obj = {
    oid,
    objectType: 'XCCTrunk',
    commonName: providerName,
    providerName,
    host,
    port: port as number | null,
    account,
    authenticationAccount: optionalString(body, 'authenticationAccount'),
    transportType: transportType as string,
    assignedNumbers: [],
    defaultCallerNr: null,
  };
  state.objects.set(oid, obj);
  state.secrets.set(oid, { password });
  return obj;
}

// ---------------------------------------------------------------------------------------------
// PATCH: `{ operations: [ { op, path, value } ] }`, applied all-or-nothing
// ---------------------------------------------------------------------------------------------

export interface Operation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

interface PatchContext {
  state: TenantState;
  obj: Obj;
  /** vid → the relation added under that vid in this document. */
  vids: Map<string, Obj>;
  /** Applied after the object itself (relations kept on other objects). */
  after: (() => void)[];
}

function parseOperations(raw: unknown): Operation[] {
  const body = requireBody(raw);
  const operations = body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw new SimError(400, 10200, 'operations must be a non-empty array');
  return operations.map((op, i) => {
    if (!isObject(op) || !['add', 'replace', 'remove'].includes(op.op as string) || typeof op.path !== 'string' || !op.path.startsWith('/')) {
      throw badPayload(`operations[${i}] must be { "op": "add" | "replace" | "remove", "path": "/…", "value" }`);
    }
    if (op.op !== 'remove' && !('value' in op)) throw incomplete(`operations[${i}] (${op.op} ${op.path}) has no value`);
    return { op: op.op as Operation['op'], path: op.path, value: op.value };
  });
}

function unknownPath(op: Operation, objectType: string): SimError {
  return badPayload(`${op.op} ${op.path} is not a valid operation on ${objectType}`);
}

/** A relation in `list` addressed by a vid of this document or by its oid. */
function relation(ctx: PatchContext, list: Obj[], key: string, op: Operation): Obj {
  const byVid = ctx.vids.get(key);
  if (byVid && list.includes(byVid)) return byVid;
  const byOid = list.find((rel) => rel.oid === key);
  if (!byOid) throw badPayload(`${op.op} ${op.path}: no relation ${key} (neither a vid of this document nor an oid)`);
  return byOid;
}

function addRelation(ctx: PatchContext, list: Obj[], vid: string, rel: Obj, op: Operation): void {
  if (!/^[1-9]\d*$/.test(vid)) throw badPayload(`${op.op} ${op.path}: the vid must be a positive number`);
  if (ctx.vids.has(vid)) throw badPayload(`${op.op} ${op.path}: vid ${vid} is used twice in this document`);
  rel.oid = ctx.state.newOid();
  ctx.vids.set(vid, rel);
  list.push(rel);
}

type Patcher = (ctx: PatchContext, op: Operation, segments: string[]) => void;

const patchOrganisation: Patcher = (ctx, op, [field, ...rest]) => {
  if (op.op !== 'replace' || rest.length > 0) throw unknownPath(op, 'Organisation');
  if (field === 'name') {
    const name = requiredString({ name: op.value }, 'name');
    ctx.obj.name = name;
    ctx.obj.commonName = name;
  } else if (field === 'telecomAddresses') ctx.obj.telecomAddresses = telecomAddresses(op.value);
  else if (field === 'addresses') ctx.obj.addresses = addresses(op.value);
  else throw unknownPath(op, 'Organisation');
};

const patchPerson: Patcher = (ctx, op, [field, key, ...rest]) => {
  if (op.op === 'replace' && key === undefined && (field === 'givenName' || field === 'familyName')) {
    ctx.obj[field] = optionalString({ [field]: op.value }, field);
    ctx.obj.commonName = personCommonName(ctx.obj);
    if (!ctx.obj.commonName) throw incomplete('givenName or familyName is required');
  } else if (op.op === 'replace' && key === undefined && field === 'telecomAddresses') {
    ctx.obj.telecomAddresses = telecomAddresses(op.value);
  } else if (field === 'employments' && key !== undefined && rest.length === 0 && op.op === 'add') {
    const organisation = ctx.state.resolve(op.value, 'Organisation', op.path);
    const list = ctx.obj.employments as Obj[];
    if (list.some((e) => (e.organisation as Ref).oid === organisation.oid)) throw duplicate('Internal server error: employment exists already');
    addRelation(ctx, list, key, { oid: '', organisation: ctx.state.ref(organisation) }, op);
  } else if (field === 'employments' && key !== undefined && rest.length === 0 && op.op === 'remove') {
    const list = ctx.obj.employments as Obj[];
    list.splice(list.indexOf(relation(ctx, list, key, op)), 1);
  } else throw unknownPath(op, 'Person');
};

const patchUser: Patcher = (ctx, op, [field, ...rest]) => {
  if (op.op !== 'replace' || rest.length > 0) throw unknownPath(op, 'UserProfile');
  if (field === 'xccRole') {
    if (op.value !== 'user' && op.value !== 'administrator') throw badPayload('xccRole must be "user" or "administrator"');
    ctx.obj.xccRole = op.value;
  } else if (field === 'active' || field === 'userLicense') ctx.obj[field] = bool(op.value, field);
  else if (field === 'primaryLine') {
    // [assumed] making an existing line the user's primary line; the user is connected to it if needed.
    const line = ctx.state.resolve(op.value, 'XCCPhoneLine', 'primaryLine');
    ctx.obj.primaryLine = ctx.state.ref(line);
    const userOid = ctx.obj.oid as string;
    ctx.after.push(() => {
      const users = line.users as Obj[];
      if (!users.some((rel) => (rel.user as Ref).oid === userOid)) {
        users.push({ oid: ctx.state.newOid(), objectType: 'XCCConnectedUser', user: ctx.state.ref(ctx.obj), incoming: true, outgoing: true });
      }
    });
  } else throw unknownPath(op, 'UserProfile');
};

function checkDayNightMode(state: TenantState, value: unknown): Json {
  if (value === null) return null;
  if (!isObject(value)) throw badPayload('dayNightMode must be an object or null');
  const schedule = value.schedule ?? [];
  const holidays = value.holidays ?? [];
  if (!Array.isArray(schedule)) throw badPayload('dayNightMode.schedule must be an array');
  if (!Array.isArray(holidays)) throw badPayload('dayNightMode.holidays must be an array');
  const timezone = value.timezone ?? null;
  if (timezone !== null) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone as string });
    } catch {
      throw badPayload(`dayNightMode.timezone ${JSON.stringify(timezone)} is not a time zone`);
    }
  }
  return {
    enableDayNightMode: bool(value.enableDayNightMode, 'dayNightMode.enableDayNightMode', true),
    manualNightMode: bool(value.manualNightMode, 'dayNightMode.manualNightMode', false),
    nightLine: value.nightLine === undefined || value.nightLine === null ? null : state.ref(state.resolve(value.nightLine, 'XCCPhoneLine', 'dayNightMode.nightLine')),
    timezone: timezone as string | null,
    schedule: schedule.map((entry, i) => {
      if (!isObject(entry) || !DAYS.includes(entry.day as string) || !HHMM.test(String(entry.from)) || !HHMM.test(String(entry.to))) {
        throw badPayload(`dayNightMode.schedule[${i}] must be { "day": "MONDAY"…, "from": "HH:mm", "to": "HH:mm" }`);
      }
      return { day: entry.day as string, from: entry.from as string, to: entry.to as string };
    }),
    holidays: holidays.map((day, i) => {
      if (typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day)) throw badPayload(`dayNightMode.holidays[${i}] must be yyyy-MM-dd`);
      return day;
    }),
  };
}

const patchPhoneLine: Patcher = (ctx, op, [field, key, sub, ...rest]) => {
  const { state, obj } = ctx;
  if (rest.length > 0) throw unknownPath(op, 'XCCPhoneLine');
  if (op.op === 'replace' && key === undefined) {
    switch (field) {
      case 'commonName':
        obj.commonName = requiredString({ commonName: op.value }, 'commonName');
        return;
      case 'externalNumber':
        obj.externalNumber = e164OrNull(op.value, 'externalNumber');
        return;
      case 'recordCalls':
        obj.recordCalls = bool(op.value, 'recordCalls');
        return;
      case 'defaultFallback':
        if (op.value === null) obj.defaultFallback = null;
        else {
          const target = state.resolve(op.value, 'XCCPhoneLine', 'defaultFallback');
          if (target.oid === obj.oid) throw badPayload('defaultFallback cannot be the line itself');
          obj.defaultFallback = state.ref(target);
        }
        return;
      case 'dayNightMode':
        obj.dayNightMode = checkDayNightMode(state, op.value);
        return;
      default:
        throw unknownPath(op, 'XCCPhoneLine');
    }
  }
  if (field === 'userPhoneLine' && key === 'voicemailActive' && sub === undefined && op.op === 'replace') {
    (obj.userPhoneLine as Obj).voicemailActive = bool(op.value, 'userPhoneLine/voicemailActive');
    return;
  }
  if (field === 'extensions' && key !== undefined && sub === undefined) {
    const list = obj.extensions as Obj[];
    if (op.op === 'add') {
      const address = extensionNumber(op.value, op.path);
      if (list.some((ext) => ext.address === address)) throw duplicate(`Internal server error: extension ${address} exists on this line`);
      addRelation(ctx, list, key, { oid: '', address }, op);
      return;
    }
    if (op.op === 'remove') {
      list.splice(list.indexOf(relation(ctx, list, key, op)), 1);
      return;
    }
  }
  if (field === 'users' && key !== undefined) {
    const list = obj.users as Obj[];
    if (op.op === 'add' && sub === undefined) {
      const user = state.resolve(op.value, 'UserProfile', op.path);
      if (list.some((rel) => (rel.user as Ref).oid === user.oid)) throw duplicate(`Internal server error: user ${user.oid as string} is connected to this line already`);
      // [assumed] a new connection is incoming and outgoing until replaced in the same document.
      addRelation(ctx, list, key, { oid: '', objectType: 'XCCConnectedUser', user: state.ref(user), incoming: true, outgoing: true }, op);
      return;
    }
    if (op.op === 'replace' && (sub === 'incoming' || sub === 'outgoing')) {
      relation(ctx, list, key, op)[sub] = bool(op.value, op.path);
      return;
    }
    if (op.op === 'remove' && sub === undefined) {
      list.splice(list.indexOf(relation(ctx, list, key, op)), 1);
      return;
    }
  }
  if (field === 'phones' && key !== undefined && sub === undefined) {
    const list = obj.phones as Obj[];
    if (op.op === 'add') {
      const phone = state.resolve(op.value, 'XCCPhone', op.path);
      if (list.some((ref) => ref.oid === phone.oid)) throw duplicate(`Internal server error: phone ${phone.oid as string} is on this line already`);
      const ref = state.ref(phone);
      if (!/^[1-9]\d*$/.test(key) || ctx.vids.has(key)) throw badPayload(`${op.path}: the vid must be a positive number, once per document`);
      ctx.vids.set(key, ref);
      list.push(ref);
      return;
    }
    if (op.op === 'remove') {
      const index = list.findIndex((ref) => ref.oid === key || ctx.vids.get(key) === ref);
      if (index < 0) throw badPayload(`${op.path}: the phone is not on this line`);
      list.splice(index, 1);
      return;
    }
  }
  throw unknownPath(op, 'XCCPhoneLine');
};

const patchPhone: Patcher = (ctx, op, [field, key, ...rest]) => {
  // [assumed] the spec lists no PATCH for phones; these follow the conventions.
  if (op.op !== 'replace' || rest.length > 0) throw unknownPath(op, 'XCCPhone');
  if (field === 'commonName' && key === undefined) ctx.obj.commonName = requiredString({ commonName: op.value }, 'commonName');
  else if (field === 'active' && key === undefined) ctx.obj.active = bool(op.value, 'active');
  else if (field === 'user' && key === undefined) {
    ctx.obj.user = op.value === null ? null : ctx.state.ref(ctx.state.resolve(op.value, 'UserProfile', 'user'));
  } else if (field === 'provisioningInfo' && key === 'phoneType') {
    if (typeof op.value !== 'string') throw badPayload('phoneType must be a string');
    (ctx.obj.provisioningInfo as Obj).phoneType = op.value;
  } else throw unknownPath(op, 'XCCPhone');
};

const patchTrunk: Patcher = (ctx, op, [field, key, sub, ...rest]) => {
  if (rest.length > 0) throw unknownPath(op, 'XCCTrunk');
  if (field === 'defaultCallerNr' && key === undefined && op.op === 'replace') {
    ctx.obj.defaultCallerNr = e164OrNull(op.value, 'defaultCallerNr');
    return;
  }
  if (field === 'assignedNumbers' && key !== undefined) {
    const list = ctx.obj.assignedNumbers as Obj[];
    if (op.op === 'add' && sub === undefined) {
      const number = e164OrNull(op.value, op.path);
      if (number === null) throw badPayload(`${op.path} needs an E.164 number`);
      if (list.some((entry) => entry.number === number)) throw duplicate(`Internal server error: ${number} is assigned already`);
      addRelation(ctx, list, key, { oid: '', number, line: null }, op);
      return;
    }
    if (op.op === 'replace' && sub === 'line') {
      relation(ctx, list, key, op).line = op.value === null ? null : ctx.state.ref(ctx.state.resolve(op.value, 'XCCPhoneLine', op.path));
      return;
    }
    if (op.op === 'remove' && sub === undefined) {
      list.splice(list.indexOf(relation(ctx, list, key, op)), 1);
      return;
    }
  }
  throw unknownPath(op, 'XCCTrunk');
};

const PATCHERS: Record<string, Patcher> = {
  Organisation: patchOrganisation,
  Person: patchPerson,
  UserProfile: patchUser,
  XCCPhoneLine: patchPhoneLine,
  XCCPhone: patchPhone,
  XCCTrunk: patchTrunk,
};

/** Applies a PATCH document to a copy and commits it only when every operation is valid. */
export function patchObject(state: TenantState, collection: Collection, oid: string, raw: unknown): void {
  const current = state.get(collection, oid);
  const operations = parseOperations(raw);
  const copy = structuredClone(current);
  const ctx: PatchContext = { state, obj: copy, vids: new Map(), after: [] };
  const patcher = PATCHERS[current.objectType as string];
  for (const op of operations) {
    const segments = op.path.slice(1).split('/');
    if (segments.some((segment) => segment === '')) throw unknownPath(op, current.objectType as string);
    patcher(ctx, op, segments);
  }
  state.objects.set(oid, copy);
  for (const apply of ctx.after) apply();
  // Keep denormalised common names of references in step (e.g. a renamed line).
  if (copy.commonName !== current.commonName) refreshRefs(state, copy);
}

function refreshRefs(state: TenantState, changed: Obj): void {
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) {
      if (value.oid === changed.oid && typeof value.objectType === 'string' && 'commonName' in value && value !== changed) {
        value.commonName = changed.commonName as string;
      }
      Object.values(value).forEach(visit);
    }
  };
  for (const obj of state.objects.values()) if (obj !== changed) visit(obj);
}
