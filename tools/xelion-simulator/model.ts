/**
 * In-memory state of the simulated Xelion tenants and the object rules of the contract
 * (docs/xelion-contract.md): strict validation (contract.ts), duplicates (500 / 11000), PATCH
 * operations. No HTTP here: simulator.ts maps requests onto these functions and SimError onto the
 * error body.
 */
import {
  checkRef,
  checkShape,
  check,
  COLLECTION_TYPES,
  CREATE_SHAPES,
  DAY_NIGHT_MODE_SHAPE,
  E164_NUMBER,
  E164,
  EXTENSION_NUMBER,
  invalid,
  isObject,
  SimError,
  TELECOM_ADDRESSES,
  VISIT_ADDRESSES,
  type Collection,
} from './contract.js';

export { COLLECTION_TYPES, SimError, isObject, type Collection };

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Obj = Record<string, Json>;

export interface Ref extends Obj {
  oid: string;
  objectType: string;
  commonName: string;
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


export interface SecretInfo {
  /** Length and character classes of a user's password, never the password. */
  passwordLength?: number;
  passwordClasses?: number;
  /** A trunk's password, kept for tests (the API never returns it). */
  password?: string;
}

export class TenantState {
  readonly tokens = new Set<string>();
  /** Tokens of users who are not administrators: `GET /me/info` says so and every write is 403 / 10101. */
  readonly userTokens = new Set<string>();
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

  /** The object a reference `{ oid, objectType }` names (shape checked by contract.checkRef); 10202 when there is none. */
  resolveRef(value: unknown, type: string, what: string): Obj {
    checkRef(value, type, what);
    return this.existing((value as { oid: string }).oid, type, what);
  }

  /** The object a bare oid names, where the contract says "with a … oid"; a reference object is refused. */
  resolveOid(value: unknown, type: string, what: string): Obj {
    check(value, { kind: 'oid', required: true }, what);
    return this.existing(value as string, type, what);
  }

  private existing(oid: string, type: string, what: string): Obj {
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


// ---------------------------------------------------------------------------------------------
// Creates (POST): the body is checked against the contract's shape first (contract.ts)
// ---------------------------------------------------------------------------------------------

function requireBody(body: unknown): Record<string, unknown> {
  if (!isObject(body) || Object.keys(body).length === 0) throw new SimError(400, 10200, 'the payload is empty');
  return body;
}

function createBody(raw: unknown, objectType: string): Record<string, unknown> {
  const body = requireBody(raw);
  if (body.objectType === undefined) throw incomplete('objectType is required');
  if (body.objectType !== objectType) throw badPayload(`objectType must be ${objectType}, got ${JSON.stringify(body.objectType)}`);
  checkShape(body, CREATE_SHAPES[objectType]);
  return body;
}

function personCommonName(person: Obj): string {
  return [person.givenName, person.familyName].filter((part) => typeof part === 'string' && part !== '').join(' ');
}

function telecomOf(value: unknown): Json[] {
  const list = (value ?? []) as { addressType: string; address: string }[];
  list.forEach((entry, i) => {
    if (entry.addressType !== 'Email' && !E164.test(entry.address)) throw badPayload(`telecomAddresses[${i}].address must be an E.164 number (+31…), got ${JSON.stringify(entry.address)}`);
  });
  return list.map((entry) => ({ addressType: entry.addressType, address: entry.address }));
}

function addressesOf(value: unknown): Json[] {
  const list = (value ?? []) as Record<string, unknown>[];
  return list.map((entry) => {
    const out: Obj = { addressType: 'Visit' };
    for (const field of ['street', 'streetNumber', 'zipCode', 'city', 'country']) out[field] = (entry[field] as string | null | undefined) ?? null;
    return out;
  });
}

const OPTIONAL = <T>(value: unknown, fallback: T): T => (value === undefined || value === null ? fallback : (value as T));

export function createAddressable(state: TenantState, raw: unknown): Obj {
  const body = requireBody(raw);
  if (body.objectType !== 'Organisation' && body.objectType !== 'Person') {
    if (body.objectType === undefined) throw incomplete('objectType is required');
    throw badPayload(`objectType ${JSON.stringify(body.objectType)} cannot be created as an addressable (Organisation or Person)`);
  }
  createBody(body, body.objectType);
  if (body.objectType === 'Organisation') {
    const oid = state.newOid();
    const obj: Obj = {
      oid,
      objectType: 'Organisation',
      commonName: body.name as string,
      name: body.name as string,
      telecomAddresses: telecomOf(body.telecomAddresses),
      addresses: addressesOf(body.addresses),
    };
    state.objects.set(oid, obj);
    return obj;
  }
  const givenName = OPTIONAL<string | null>(body.givenName, null);
  const familyName = OPTIONAL<string | null>(body.familyName, null);
  if (!givenName && !familyName) throw incomplete('givenName or familyName is required');
  const telecom = telecomOf(body.telecomAddresses);
  const employments = OPTIONAL<{ organisation: unknown }[]>(body.employments, []).map((entry, i) =>
    state.ref(state.resolveRef(entry.organisation, 'Organisation', `employments[${i}].organisation`)),
  );
  const oid = state.newOid();
  const obj: Obj = { oid, objectType: 'Person', commonName: '', givenName, familyName, telecomAddresses: telecom, employments: employments.map((organisation) => ({ oid: state.newOid(), organisation })) };
  obj.commonName = personCommonName(obj);
  state.objects.set(oid, obj);
  return obj;
}

export function createUser(state: TenantState, raw: unknown): Obj {
  const body = createBody(raw, 'UserProfile');
  const userName = body.userName as string;
  const password = body.password as string;
  if (password.length < 8) throw badPayload('password is too weak (at least 8 characters)');
  const person = state.resolveRef(body.person, 'Person', 'person');
  const resolvedLines = OPTIONAL<Record<string, unknown>[]>(body.lines, []).map((entry, i) => ({
    line: state.resolveRef(entry.line, 'XCCPhoneLine', `lines[${i}].line`),
    incoming: OPTIONAL(entry.incoming, true),
    outgoing: OPTIONAL(entry.outgoing, true),
  }));
  // Xelion answers duplicates with a server error, not 409 (docs/xelion-contract.md, "Users").
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
    active: OPTIONAL(body.active, true),
    xccRole: OPTIONAL(body.xccRole, 'user'),
    userLicense: OPTIONAL(body.userLicense, false),
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
  const body = createBody(raw, 'XCCPhoneLine');
  const users = OPTIONAL<Record<string, unknown>[]>(body.users, []).map((entry, i) => ({
    oid: '',
    objectType: 'XCCConnectedUser',
    user: state.ref(state.resolveRef(entry.user, 'UserProfile', `users[${i}].user`)),
    incoming: OPTIONAL(entry.incoming, true),
    outgoing: OPTIONAL(entry.outgoing, true),
  }));
  const line: Obj = {
    oid: '',
    objectType: 'XCCPhoneLine',
    commonName: body.commonName as string,
    extensions: (body.extensions as { address: string }[]).map((entry) => ({ oid: '', address: entry.address })),
    externalNumber: OPTIONAL<string | null>(body.externalNumber, null),
    users,
    phones: [],
    recordCalls: OPTIONAL(body.recordCalls, false),
    defaultFallback: null,
    userPhoneLine: { voicemailActive: false },
    dayNightMode: null,
  };
  const userOids = users.map((rel) => rel.user.oid);
  if (new Set(userOids).size !== userOids.length) throw duplicate('Internal server error: a user is connected twice');
  line.oid = state.newOid();
  for (const rel of [...(line.extensions as Obj[]), ...(line.users as Obj[])]) rel.oid = state.newOid();
  state.objects.set(line.oid as string, line);
  return line;
}

export function createPhone(state: TenantState, raw: unknown): Obj {
  const body = createBody(raw, 'XCCPhone');
  const info = body.provisioningInfo as { macAddress: string; phoneType: string };
  const user = state.resolveRef(body.user, 'UserProfile', 'user');
  if (state.inCollection('phones').some((phone) => (phone.provisioningInfo as Obj).macAddress === info.macAddress)) {
    throw duplicate(`Internal server error: MAC address ${info.macAddress} is in use`);
  }
  const oid = state.newOid();
  const obj: Obj = {
    oid,
    objectType: 'XCCPhone',
    commonName: body.commonName as string,
    active: OPTIONAL(body.active, true),
    user: state.ref(user),
    provisioningInfo: { macAddress: info.macAddress, phoneType: info.phoneType },
  };
  state.objects.set(oid, obj);
  return obj;
}

export function createTrunk(state: TenantState, raw: unknown): Obj {
  const body = createBody(raw, 'XCCTrunk');
  const oid = state.newOid();
  const obj: Obj = {
    oid,
    objectType: 'XCCTrunk',
    commonName: body.providerName as string,
    providerName: body.providerName as string,
    host: body.host as string,
    port: OPTIONAL<number | null>(body.port, null),
    account: body.account as string,
    authenticationAccount: OPTIONAL<string | null>(body.authenticationAccount, null),
    transportType: body.transportType as string,
    assignedNumbers: [],
    defaultCallerNr: null,
  };
  state.objects.set(oid, obj);
  state.secrets.set(oid, { password: body.password as string });
  return obj;
}

// ---------------------------------------------------------------------------------------------
// PATCH: `{ operations: [ { op, path, value } ] }`, applied all-or-nothing. Only the operations the
// contract lists (docs/xelion-contract.md, "PATCH operations") are accepted.
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
}

function parseOperations(raw: unknown): Operation[] {
  const body = requireBody(raw);
  for (const key of Object.keys(body)) if (key !== 'operations') throw invalid(`${key} is not a field of a PATCH document`);
  const operations = body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw new SimError(400, 10200, 'operations must be a non-empty array');
  return operations.map((op, i) => {
    if (!isObject(op) || !['add', 'replace', 'remove'].includes(op.op as string) || typeof op.path !== 'string' || !op.path.startsWith('/')) {
      throw badPayload(`operations[${i}] must be { "op": "add" | "replace" | "remove", "path": "/…", "value" }`);
    }
    for (const key of Object.keys(op)) if (!['op', 'path', 'value'].includes(key)) throw invalid(`operations[${i}].${key} is not a field of an operation`);
    if (op.op !== 'remove' && !('value' in op)) throw incomplete(`operations[${i}] (${op.op} ${op.path}) has no value`);
    if (op.op === 'remove' && 'value' in op) throw invalid(`operations[${i}] (remove ${op.path}) takes no value`);
    return { op: op.op as Operation['op'], path: op.path, value: op.value };
  });
}

function unknownPath(op: Operation, objectType: string): SimError {
  return badPayload(`${op.op} ${op.path} is not an operation of ${objectType} in the contract`);
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

function value<T>(op: Operation, spec: Parameters<typeof check>[1]): T {
  check(op.value, spec, op.path);
  return op.value as T;
}

type Patcher = (ctx: PatchContext, op: Operation, segments: string[]) => void;

const patchOrganisation: Patcher = (ctx, op, [field, ...rest]) => {
  if (op.op !== 'replace' || rest.length > 0) throw unknownPath(op, 'Organisation');
  if (field === 'name') {
    const name = value<string>(op, { kind: 'string', required: true });
    ctx.obj.name = name;
    ctx.obj.commonName = name;
  } else if (field === 'telecomAddresses') ctx.obj.telecomAddresses = telecomOf(value(op, { ...TELECOM_ADDRESSES, required: true }));
  else if (field === 'addresses') ctx.obj.addresses = addressesOf(value(op, { ...VISIT_ADDRESSES, required: true }));
  else throw unknownPath(op, 'Organisation');
};

const patchPerson: Patcher = (ctx, op, [field, key, ...rest]) => {
  if (rest.length > 0) throw unknownPath(op, 'Person');
  if (op.op === 'replace' && key === undefined && (field === 'givenName' || field === 'familyName')) {
    ctx.obj[field] = value<string | null>(op, { kind: 'string', nullable: true });
    ctx.obj.commonName = personCommonName(ctx.obj);
    if (!ctx.obj.commonName) throw incomplete('givenName or familyName is required');
  } else if (op.op === 'replace' && key === undefined && field === 'telecomAddresses') {
    ctx.obj.telecomAddresses = telecomOf(value(op, { ...TELECOM_ADDRESSES, required: true }));
  } else if (op.op === 'add' && field === 'employments' && key !== undefined) {
    // The relation is added by the organisation's oid (a bare oid, not a reference).
    const organisation = ctx.state.resolveOid(op.value, 'Organisation', op.path);
    const list = ctx.obj.employments as Obj[];
    if (list.some((e) => (e.organisation as Ref).oid === organisation.oid)) throw duplicate('Internal server error: employment exists already');
    addRelation(ctx, list, key, { oid: '', organisation: ctx.state.ref(organisation) }, op);
  } else throw unknownPath(op, 'Person');
};

const patchUser: Patcher = (ctx, op, [field, ...rest]) => {
  if (op.op !== 'replace' || rest.length > 0) throw unknownPath(op, 'UserProfile');
  if (field === 'xccRole') ctx.obj.xccRole = value<string>(op, { kind: 'enum', values: ['user', 'administrator'], required: true });
  else if (field === 'active') ctx.obj.active = value<boolean>(op, { kind: 'boolean', required: true });
  else throw unknownPath(op, 'UserProfile');
};

const patchPhoneLine: Patcher = (ctx, op, [field, key, sub, ...rest]) => {
  const { state, obj } = ctx;
  if (rest.length > 0) throw unknownPath(op, 'XCCPhoneLine');
  if (op.op === 'replace' && key === undefined) {
    switch (field) {
      case 'commonName':
        obj.commonName = value<string>(op, { kind: 'string', required: true });
        return;
      case 'externalNumber':
        obj.externalNumber = value<string>(op, E164_NUMBER);
        return;
      case 'recordCalls':
        obj.recordCalls = value<boolean>(op, { kind: 'boolean', required: true });
        return;
      case 'defaultFallback':
        if (op.value === null) obj.defaultFallback = null;
        else {
          const target = state.resolveRef(op.value, 'XCCPhoneLine', op.path);
          if (target.oid === obj.oid) throw badPayload('defaultFallback cannot be the line itself');
          obj.defaultFallback = state.ref(target);
        }
        return;
      case 'dayNightMode': {
        const mode = value<Record<string, unknown>>(op, { kind: 'object', shape: DAY_NIGHT_MODE_SHAPE, required: true });
        try {
          new Intl.DateTimeFormat('en', { timeZone: mode.timezone as string });
        } catch {
          throw badPayload(`dayNightMode.timezone ${JSON.stringify(mode.timezone)} is not a time zone`);
        }
        obj.dayNightMode = { ...(structuredClone(mode) as Obj), nightLine: state.ref(state.resolveRef(mode.nightLine, 'XCCPhoneLine', 'dayNightMode.nightLine')) };
        return;
      }
      default:
        throw unknownPath(op, 'XCCPhoneLine');
    }
  }
  if (field === 'userPhoneLine' && key === 'voicemailActive' && sub === undefined && op.op === 'replace') {
    (obj.userPhoneLine as Obj).voicemailActive = value<boolean>(op, { kind: 'boolean', required: true });
    return;
  }
  if (field === 'extensions' && key !== undefined && sub === undefined) {
    const list = obj.extensions as Obj[];
    if (op.op === 'add') {
      const address = value<string>(op, EXTENSION_NUMBER);
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
      const user = state.resolveOid(op.value, 'UserProfile', op.path);
      if (list.some((rel) => (rel.user as Ref).oid === user.oid)) throw duplicate(`Internal server error: user ${user.oid as string} is connected to this line already`);
      // [assumed] a new connection is incoming and outgoing until replaced in the same document.
      addRelation(ctx, list, key, { oid: '', objectType: 'XCCConnectedUser', user: state.ref(user), incoming: true, outgoing: true }, op);
      return;
    }
    if (op.op === 'replace' && (sub === 'incoming' || sub === 'outgoing')) {
      relation(ctx, list, key, op)[sub] = value<boolean>(op, { kind: 'boolean', required: true });
      return;
    }
  }
  if (field === 'phones' && key !== undefined && sub === undefined && op.op === 'add') {
    const list = obj.phones as Obj[];
    const phone = state.resolveOid(op.value, 'XCCPhone', op.path);
    if (list.some((ref) => ref.oid === phone.oid)) throw duplicate(`Internal server error: phone ${phone.oid as string} is on this line already`);
    const ref = state.ref(phone);
    if (!/^[1-9]\d*$/.test(key) || ctx.vids.has(key)) throw badPayload(`${op.path}: the vid must be a positive number, once per document`);
    ctx.vids.set(key, ref);
    list.push(ref);
    return;
  }
  throw unknownPath(op, 'XCCPhoneLine');
};

const patchTrunk: Patcher = (ctx, op, [field, key, sub, ...rest]) => {
  if (rest.length > 0) throw unknownPath(op, 'XCCTrunk');
  if (field === 'defaultCallerNr' && key === undefined && op.op === 'replace') {
    ctx.obj.defaultCallerNr = value<string>(op, E164_NUMBER);
    return;
  }
  if (field === 'assignedNumbers' && key !== undefined) {
    const list = ctx.obj.assignedNumbers as Obj[];
    if (op.op === 'add' && sub === undefined) {
      const number = value<string>(op, E164_NUMBER);
      if (list.some((entry) => entry.number === number)) throw duplicate(`Internal server error: ${number} is assigned already`);
      addRelation(ctx, list, key, { oid: '', number, line: null }, op);
      return;
    }
    if (op.op === 'replace' && sub === 'line') {
      relation(ctx, list, key, op).line = ctx.state.ref(ctx.state.resolveRef(op.value, 'XCCPhoneLine', op.path));
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
  XCCTrunk: patchTrunk,
};

/** Applies a PATCH document to a copy and commits it only when every operation is valid. */
export function patchObject(state: TenantState, collection: Collection, oid: string, raw: unknown): void {
  const current = state.get(collection, oid);
  const operations = parseOperations(raw);
  const patcher = PATCHERS[current.objectType as string];
  if (!patcher) throw invalid(`PATCH of a ${current.objectType as string} is not in the contract`);
  const copy = structuredClone(current);
  const ctx: PatchContext = { state, obj: copy, vids: new Map() };
  for (const op of operations) {
    const segments = op.path.slice(1).split('/');
    if (segments.some((segment) => segment === '')) throw unknownPath(op, current.objectType as string);
    patcher(ctx, op, segments);
  }
  state.objects.set(oid, copy);
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
