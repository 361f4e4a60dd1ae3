/**
 * The Xelion contract as data: which routes exist, which query parameters each list takes, the exact
 * shape of every create body, and the fields of every object type (for `include=`). The simulator
 * refuses whatever is not here, as a real server refuses what it does not know: 400 with errorCode
 * 10202 naming the field, filter or operation (10203 for a missing field or a reference of the wrong
 * type). docs/xelion-contract.md describes the same contract in prose.
 */

/** An error answered with the contract's body `{ errorCode, message, info }`. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type Collection = 'addressables' | 'users' | 'phonelines' | 'phones' | 'trunks';

export const invalid = (message: string) => new SimError(400, 10202, message);
export const incompleteOrWrongType = (message: string) => new SimError(400, 10203, message);

// ---------------------------------------------------------------------------------------------
// Object fields (what `include=` may name, nested paths included)
// ---------------------------------------------------------------------------------------------

/** A field tree: `null` for a scalar (or a list of scalars), a nested tree for an object or a list of objects. */
export type FieldTree = { [field: string]: FieldTree | null };

const REF: FieldTree = { oid: null, objectType: null, commonName: null };
const TELECOM: FieldTree = { addressType: null, address: null };

export const OBJECT_FIELDS: Record<string, FieldTree> = {
  Organisation: {
    ...REF,
    name: null,
    telecomAddresses: TELECOM,
    addresses: { addressType: null, street: null, streetNumber: null, zipCode: null, city: null, country: null },
  },
  Person: { ...REF, givenName: null, familyName: null, telecomAddresses: TELECOM, employments: { oid: null, organisation: REF } },
  UserProfile: {
    ...REF,
    userName: null,
    active: null,
    xccRole: null,
    userLicense: null,
    person: REF,
    primaryLine: REF,
    lines: { oid: null, objectType: null, line: REF, incoming: null, outgoing: null },
  },
  XCCPhoneLine: {
    ...REF,
    extensions: { oid: null, address: null },
    externalNumber: null,
    users: { oid: null, objectType: null, user: REF, incoming: null, outgoing: null },
    phones: REF,
    recordCalls: null,
    defaultFallback: REF,
    userPhoneLine: { voicemailActive: null },
    dayNightMode: { enableDayNightMode: null, manualNightMode: null, nightLine: REF, timezone: null, schedule: { day: null, from: null, to: null }, holidays: null },
  },
  XCCPhone: { ...REF, active: null, user: REF, provisioningInfo: { macAddress: null, phoneType: null } },
  XCCTrunk: {
    ...REF,
    providerName: null,
    host: null,
    port: null,
    account: null,
    authenticationAccount: null,
    transportType: null,
    assignedNumbers: { oid: null, number: null, line: REF },
    defaultCallerNr: null,
  },
};

export const COLLECTION_TYPES: Record<Collection, string[]> = {
  addressables: ['Organisation', 'Person'],
  users: ['UserProfile'],
  phonelines: ['XCCPhoneLine'],
  phones: ['XCCPhone'],
  trunks: ['XCCTrunk'],
};

function isFieldPath(trees: FieldTree[], path: string[]): boolean {
  return trees.some((tree) => {
    const [head, ...rest] = path;
    if (!(head in tree)) return false;
    const sub = tree[head];
    if (rest.length === 0) return true;
    return sub !== null && isFieldPath([sub], rest);
  });
}

// ---------------------------------------------------------------------------------------------
// Routes and list parameters
// ---------------------------------------------------------------------------------------------

export interface CollectionRules {
  /** Fields a `where=` may name (one `where=` per request), with the values it accepts (undefined: any). */
  where: Record<string, readonly string[] | undefined>;
  /** Whether `name=` (a substring search of commonName) is documented for this collection. */
  name: boolean;
  /** `GET /{collection}/{oid}` is documented. */
  getOne: boolean;
  /** `PATCH /{collection}/{oid}` is documented. */
  patch: boolean;
}

export const COLLECTION_RULES: Record<Collection, CollectionRules> = {
  addressables: { where: { obj_type: ['Organisation', 'Person'] }, name: true, getOne: true, patch: true },
  users: { where: { userName: undefined }, name: false, getOne: false, patch: true },
  phonelines: { where: {}, name: true, getOne: true, patch: true },
  phones: { where: { user: undefined }, name: false, getOne: false, patch: false },
  trunks: { where: {}, name: false, getOne: false, patch: true },
};

export interface ListQuery {
  where?: { field: string; value: string };
  name?: string;
  include: string[][];
  limit?: number;
  after?: string;
}

/** Checks a list request's query against the collection's rules; anything undocumented is refused. */
export function parseListQuery(collection: Collection, query: URLSearchParams): ListQuery {
  const rules = COLLECTION_RULES[collection];
  const result: ListQuery = { include: [] };
  const seen = new Set<string>();
  for (const [key, value] of query) {
    if (seen.has(key)) throw invalid(`query parameter ${key} is given twice on /${collection} (one where= per request)`);
    seen.add(key);
    switch (key) {
      case 'limit':
        if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(`limit must be a positive number, got ${JSON.stringify(value)}`);
        result.limit = Number(value);
        break;
      case 'after':
        if (!/^\d+$/.test(value)) throw invalid(`after must be an oid, got ${JSON.stringify(value)}`);
        result.after = value;
        break;
      case 'include': {
        const trees = COLLECTION_TYPES[collection].map((type) => OBJECT_FIELDS[type]);
        for (const item of value.split(',')) {
          const path = item.trim().split('.');
          if (path.some((part) => part === '') || !isFieldPath(trees, path)) throw invalid(`include: ${JSON.stringify(item.trim())} is not a field of /${collection}`);
          result.include.push(path);
        }
        break;
      }
      case 'name':
        if (!rules.name) throw invalid(`name= is not a filter of /${collection}`);
        result.name = value;
        break;
      case 'where': {
        const eq = value.indexOf('=');
        const field = eq > 0 ? value.slice(0, eq) : value;
        if (!(field in rules.where)) throw invalid(`where=${field} is not a filter of /${collection}`);
        const wanted = value.slice(eq + 1);
        if (eq <= 0 || wanted === '') throw invalid(`where must be ${field}={value}, got ${JSON.stringify(value)}`);
        const allowed = rules.where[field];
        if (allowed && !allowed.includes(wanted)) throw invalid(`where=${field} takes ${allowed.join(' or ')}, got ${JSON.stringify(wanted)}`);
        result.where = { field, value: wanted };
        break;
      }
      default:
        throw invalid(`query parameter ${key} is not documented for /${collection}`);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Body shapes
// ---------------------------------------------------------------------------------------------

export type Spec =
  | { kind: 'string'; required?: boolean; nullable?: boolean; pattern?: RegExp; patternName?: string }
  | { kind: 'boolean'; required?: boolean }
  | { kind: 'integer'; required?: boolean; min?: number; max?: number }
  | { kind: 'enum'; values: readonly string[]; required?: boolean }
  | { kind: 'ref'; objectType: string; required?: boolean; nullable?: boolean }
  | { kind: 'oid'; required?: boolean }
  | { kind: 'object'; shape: Shape; required?: boolean }
  | { kind: 'array'; items: Spec; required?: boolean };

export type Shape = Record<string, Spec>;

export const E164 = /^\+[1-9]\d{5,14}$/;
/** Upper case, `:`-separated: what the contract shows; anything else is refused. */
export const MAC = /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/;

const e164 = (required = false, nullable = false): Spec => ({ kind: 'string', required, nullable, pattern: E164, patternName: 'an E.164 number (+31…)' });
const str = (required = false, nullable = false): Spec => ({ kind: 'string', required, nullable });

export const EXTENSION_NUMBER: Spec = { kind: 'string', required: true, pattern: /^[0-9*#]{1,20}$/, patternName: 'an extension number (digits)' };

const TELECOM_SHAPE: Spec = {
  kind: 'array',
  items: { kind: 'object', shape: { addressType: { kind: 'enum', values: ['Email', 'Telephone', 'Mobile'], required: true }, address: str(true) } },
};
const ADDRESSES_SHAPE: Spec = {
  kind: 'array',
  items: {
    kind: 'object',
    shape: { addressType: { kind: 'enum', values: ['Visit'], required: true }, street: str(false, true), streetNumber: str(false, true), zipCode: str(false, true), city: str(false, true), country: str(false, true) },
  },
};

export const CREATE_SHAPES: Record<string, Shape> = {
  Organisation: { objectType: { kind: 'enum', values: ['Organisation'], required: true }, name: str(true), telecomAddresses: TELECOM_SHAPE, addresses: ADDRESSES_SHAPE },
  Person: {
    objectType: { kind: 'enum', values: ['Person'], required: true },
    givenName: str(false, true),
    familyName: str(false, true),
    telecomAddresses: TELECOM_SHAPE,
    employments: { kind: 'array', items: { kind: 'object', shape: { organisation: { kind: 'ref', objectType: 'Organisation', required: true } } } },
  },
  UserProfile: {
    objectType: { kind: 'enum', values: ['UserProfile'], required: true },
    userName: str(true),
    password: str(true),
    active: { kind: 'boolean' },
    xccRole: { kind: 'enum', values: ['user', 'administrator'] },
    userLicense: { kind: 'boolean' },
    person: { kind: 'ref', objectType: 'Person', required: true },
    lines: {
      kind: 'array',
      items: {
        kind: 'object',
        shape: {
          objectType: { kind: 'enum', values: ['XCCConnectedUser'], required: true },
          line: { kind: 'ref', objectType: 'XCCPhoneLine', required: true },
          orderNumber: { kind: 'integer', min: 1 },
          incoming: { kind: 'boolean' },
          outgoing: { kind: 'boolean' },
          editable: { kind: 'enum', values: ['INCOMINGANDOUTGOING', 'INCOMING', 'OUTGOING', 'NONE'] },
        },
      },
    },
  },
  XCCPhoneLine: {
    objectType: { kind: 'enum', values: ['XCCPhoneLine'], required: true },
    commonName: str(true),
    extensions: { kind: 'array', required: true, items: { kind: 'object', shape: { address: EXTENSION_NUMBER } } },
    externalNumber: e164(),
    users: {
      kind: 'array',
      items: {
        kind: 'object',
        shape: {
          objectType: { kind: 'enum', values: ['XCCConnectedUser'], required: true },
          user: { kind: 'ref', objectType: 'UserProfile', required: true },
          incoming: { kind: 'boolean' },
          outgoing: { kind: 'boolean' },
        },
      },
    },
    recordCalls: { kind: 'boolean' },
  },
  XCCPhone: {
    objectType: { kind: 'enum', values: ['XCCPhone'], required: true },
    commonName: str(true),
    active: { kind: 'boolean' },
    user: { kind: 'ref', objectType: 'UserProfile', required: true },
    provisioningInfo: {
      kind: 'object',
      required: true,
      shape: { macAddress: { kind: 'string', required: true, pattern: MAC, patternName: 'a MAC address in upper case with ":" (80:5E:C0:12:34:56)' }, phoneType: str(true) },
    },
  },
  XCCTrunk: {
    objectType: { kind: 'enum', values: ['XCCTrunk'], required: true },
    providerName: str(true),
    host: str(true),
    port: { kind: 'integer', min: 1, max: 65535 },
    account: str(true),
    authenticationAccount: str(),
    password: str(true),
    transportType: { kind: 'enum', values: ['UDP', 'TLS'], required: true },
  },
};

/** The `dayNightMode` value of `replace /dayNightMode`: exactly this shape ([assumed] in the contract). */
export const DAY_NIGHT_MODE_SHAPE: Shape = {
  enableDayNightMode: { kind: 'boolean', required: true },
  manualNightMode: { kind: 'boolean', required: true },
  nightLine: { kind: 'ref', objectType: 'XCCPhoneLine', required: true },
  timezone: str(true),
  schedule: {
    kind: 'array',
    required: true,
    items: {
      kind: 'object',
      shape: {
        day: { kind: 'enum', values: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'], required: true },
        from: { kind: 'string', required: true, pattern: /^([01]\d|2[0-3]):[0-5]\d$/, patternName: 'HH:mm' },
        // 24:00 ends an interval at midnight, as the configuration format allows.
        to: { kind: 'string', required: true, pattern: /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, patternName: 'HH:mm' },
      },
    },
  },
  holidays: { kind: 'array', required: true, items: { kind: 'string', required: true, pattern: /^\d{4}-\d{2}-\d{2}$/, patternName: 'yyyy-MM-dd' } },
};

export const TELECOM_ADDRESSES = TELECOM_SHAPE;
export const VISIT_ADDRESSES = ADDRESSES_SHAPE;
export const E164_NUMBER = e164(true);

/** Checks `value` against `spec`; `path` names the field in the error ("users[0].user"). */
export function check(value: unknown, spec: Spec, path: string): void {
  if (value === undefined) {
    if (spec.required) throw incompleteOrWrongType(`${path} is required`);
    return;
  }
  if (value === null) {
    if ((spec.kind === 'string' || spec.kind === 'ref') && spec.nullable) return;
    if (spec.required) throw incompleteOrWrongType(`${path} is required`);
    throw invalid(`${path} must not be null`);
  }
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') throw invalid(`${path} must be a string`);
      if (spec.required && value === '') throw incompleteOrWrongType(`${path} is required`);
      if (spec.pattern && !spec.pattern.test(value)) throw invalid(`${path} must be ${spec.patternName}, got ${JSON.stringify(value)}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(`${path} must be true or false`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || (spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        throw invalid(`${path} must be a whole number${spec.min !== undefined ? ` from ${spec.min}` : ''}${spec.max !== undefined ? ` to ${spec.max}` : ''}`);
      }
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) throw invalid(`${path} must be ${spec.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${JSON.stringify(value)}`);
      return;
    case 'oid':
      if (typeof value !== 'string' || !/^\d+$/.test(value)) throw invalid(`${path} must be an oid (a string), not ${isObject(value) ? 'a reference object' : JSON.stringify(value)}`);
      return;
    case 'ref':
      checkRef(value, spec.objectType, path);
      return;
    case 'object':
      if (!isObject(value)) throw invalid(`${path} must be an object`);
      checkShape(value, spec.shape, path);
      return;
    case 'array':
      if (!Array.isArray(value)) throw invalid(`${path} must be an array`);
      value.forEach((item, i) => check(item, spec.items, `${path}[${i}]`));
      return;
  }
}

/** A reference `{ "oid", "objectType", "commonName"? }`: a bare oid is refused (10202), a wrong objectType too (10203). */
export function checkRef(value: unknown, objectType: string, path: string): void {
  if (!isObject(value)) throw invalid(`${path} must be a reference { "oid", "objectType": "${objectType}" }, not ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (!['oid', 'objectType', 'commonName'].includes(key)) throw invalid(`${path}.${key} is not a field of a reference`);
  }
  if (typeof value.oid !== 'string' || !/^\d+$/.test(value.oid)) throw invalid(`${path}.oid must be an oid (a string)`);
  if (value.objectType !== objectType) throw incompleteOrWrongType(`${path}.objectType must be "${objectType}", got ${JSON.stringify(value.objectType ?? null)}`);
  if (value.commonName !== undefined && typeof value.commonName !== 'string') throw invalid(`${path}.commonName must be a string`);
}

/** Every field of `body` must be in `shape` (unknown fields are refused), and each must fit its spec. */
export function checkShape(body: Record<string, unknown>, shape: Shape, path = ''): void {
  for (const key of Object.keys(body)) {
    if (!(key in shape)) throw invalid(`${path ? `${path}.` : ''}${key} is not a field of this object`);
  }
  for (const [key, spec] of Object.entries(shape)) check(body[key], spec, path ? `${path}.${key}` : key);
}
