import { fromPointer } from '../../src/configuration/configuration.errors.js';
import { company, minimalConfiguration, random, smallOffice, type Json } from './configuration-generators.js';

/**
 * Random mutations of valid configurations for the property tests: types changed, fields removed or
 * added, references broken, numbers duplicated, huge strings, deep nesting, prototype-ish keys.
 * Each case is the JSON text a client would send (so `__proto__` can be an own property, as it is
 * after JSON.parse) and is reproducible from its seed.
 */

type Path = (string | number)[];

/** Every place (container or leaf) of a document, as segment lists. */
function places(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) value.forEach((item, index) => places(item, [...path, index], out));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) places((value as Json)[key], [...path, key], out);
  return out;
}

function get(document: Json, path: Path): unknown {
  return path.reduce((value, segment) => (value as Json)?.[segment], document);
}

function set(document: Json, path: Path, value: unknown): Json {
  if (path.length === 0) return value;
  const parent = get(document, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') (parent as Json)[path[path.length - 1]] = value;
  return document;
}

function remove(document: Json, path: Path): void {
  const parent = get(document, path.slice(0, -1));
  const key = path[path.length - 1];
  if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
  else if (parent !== null && typeof parent === 'object') delete (parent as Json)[key];
}

const STRINGS = ['', ' ', 'x', '0', '112', '7000', '+31152001000', '015 200 1000', 'natsu@fairytail.example', 'Sales', 'Reception', 'NL', 'nl', 'Europe/Amsterdam', '09:00', '24:00', '2026-02-29', '80:5E:C0:12:34:56', 'dept', 'user', 'voicemail', '😀', 'e\u0301', '\u2764\uFE0F', '\u0000', '~/', 'a/b~c'];
const KEYS = ['extra', 'name', 'value', 'new', 'type', '~0', 'a/b', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '0'];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function randomValue(next: () => number): unknown {
  switch (Math.floor(next() * 10)) {
    case 0: return null;
    case 1: return next() < 0.5;
    case 2: return Math.floor(next() * 10_000) - 100;
    case 3: return next() * 1e6;
    case 4: return next() < 0.5 ? [] : [[], [[]]];
    case 5: return {};
    case 6: return [pick(next, STRINGS)];
    case 7: return { [pick(next, KEYS)]: pick(next, STRINGS) };
    default: return pick(next, STRINGS);
  }
}

/** Deep nesting is written into the text after JSON.stringify (which recurses); JSON.parse copes with any depth. */
const DEEP_TOKEN = /"~~deep:(\d+):(array|object)~~"/g;

function deep(next: () => number, depth: number): string {
  return `~~deep:${depth}:${next() < 0.5 ? 'array' : 'object'}~~`;
}

function expandDeep(text: string): string {
  return text.replace(DEEP_TOKEN, (_match, depth: string, kind: string) =>
    kind === 'array' ? '['.repeat(Number(depth)) + '1' + ']'.repeat(Number(depth)) : '{"a":'.repeat(Number(depth)) + '1' + '}'.repeat(Number(depth)),
  );
}

const BASES: (() => Json)[] = [
  minimalConfiguration,
  smallOffice,
  () => company({ users: 12, departments: 5, membersPerDepartment: 3 }),
  () => company({ users: 3, departments: 0 }),
  () => company({ users: 30, departments: 8, directNumberEvery: 2 }),
];

export interface FuzzCase {
  seed: number;
  /** What was done, for the failure message. */
  mutations: string[];
  /** The body as sent. */
  text: string;
}

/** One fuzz case: a valid base document with 1–4 random mutations. */
export function fuzzCase(seed: number): FuzzCase {
  const next = random(seed);
  let document: Json = pick(next, BASES)();
  const mutations: string[] = [];
  const count = 1 + Math.floor(next() * 4);
  const rawInserts: [string, string][] = [];
  for (let m = 0; m < count; m++) {
    const all = places(document);
    const path = pick(next, all);
    const target = get(document, path);
    const kind = Math.floor(next() * 12);
    switch (kind) {
      case 0: // change the type
        document = set(document, path, randomValue(next));
        mutations.push(`retype ${path.join('/')}`);
        break;
      case 1: // remove a field or an entry
        if (path.length > 0) remove(document, path);
        mutations.push(`remove ${path.join('/')}`);
        break;
      case 2: { // add a property
        const object = pick(next, all.filter((p) => { const v = get(document, p); return v !== null && typeof v === 'object' && !Array.isArray(v); }));
        const key = pick(next, KEYS);
        if (key === '__proto__') {
          rawInserts.push([JSON.stringify(object ?? []), JSON.stringify(randomValue(next))]);
        } else if (object) (get(document, object) as Json)[key] = randomValue(next);
        mutations.push(`add ${key} at ${object?.join('/')}`);
        break;
      }
      case 3: { // break a reference
        const departments = Array.isArray(document?.departments) ? document.departments : [];
        const department = departments[Math.floor(next() * departments.length)];
        if (department && typeof department === 'object') {
          if (next() < 0.5 && Array.isArray(department.users)) department.users.push(next() < 0.5 ? 'ghost@fairytail.example' : department.users[0] ?? 'x');
          else department.fallback = pick(next, [{ type: 'dept', value: 'Nowhere' }, { type: 'user', value: 'ghost@x.example' }, { type: 'dept', value: department.name }, { type: 'dept', value: departments[0]?.name }]);
        }
        mutations.push('break reference');
        break;
      }
      case 4: { // duplicate a number, e-mail, name or MAC address
        const users = Array.isArray(document?.users) ? document.users : [];
        const a = users[Math.floor(next() * users.length)];
        const b = users[Math.floor(next() * users.length)];
        if (a && b && typeof a === 'object' && typeof b === 'object') {
          const field = pick(next, ['internalNumber', 'email', 'externalNumber', 'phones', 'mobileNumber']);
          b[field] = structuredClone(a[field]);
        }
        mutations.push('duplicate');
        break;
      }
      case 5: // huge string
        document = set(document, path, 'x'.repeat(Math.floor(next() * 200_000)));
        mutations.push(`huge string at ${path.join('/')}`);
        break;
      case 6: // deep nesting
        document = set(document, path, deep(next, Math.floor(next() * 20_000)));
        mutations.push(`deep at ${path.join('/')}`);
        break;
      case 7: // a long array
        document = set(document, path, Array.from({ length: Math.floor(next() * 3_000) }, () => randomValue(next)));
        mutations.push(`long array at ${path.join('/')}`);
        break;
      case 8: // a plausible but wrong string
        document = set(document, path, pick(next, STRINGS));
        mutations.push(`string at ${path.join('/')}`);
        break;
      case 9: // wrap or unwrap
        document = set(document, path, next() < 0.5 ? [target] : { value: target });
        mutations.push(`wrap ${path.join('/')}`);
        break;
      case 10: // opening hours that overlap or run backwards
        if (Array.isArray(document?.departments) && document.departments[0] && typeof document.departments[0] === 'object') {
          document.departments[0].openingHours = { timezone: pick(next, ['Europe/Amsterdam', 'UTC', 'Nowhere/City']), days: { monday: [{ from: pick(next, ['09:00', '18:00']), to: pick(next, ['12:00', '24:00', '08:00']) }, { from: '11:00', to: '13:00' }] } };
        }
        mutations.push('opening hours');
        break;
      default: // a different version or root type
        document = next() < 0.8 ? set(document, ['version'], randomValue(next)) : randomValue(next);
        mutations.push('version/root');
    }
  }
  let text = expandDeep(JSON.stringify(document) ?? 'null');
  // `__proto__` as an own property, as JSON.parse makes it (JSON.stringify cannot write it).
  if (rawInserts.length > 0 && text.startsWith('{')) text = `{"__proto__":${rawInserts[0][1]},${text.slice(1)}`.replace(',}', '}');
  return { seed, mutations, text };
}

/** Whether a JSON Pointer names a place that exists in the document. */
export function pointerExists(document: unknown, pointer: string): boolean {
  let value: unknown = document;
  for (const segment of fromPointer(pointer)) {
    if (Array.isArray(value)) {
      if (!/^(0|[1-9]\d*)$/.test(segment) || Number(segment) >= value.length) return false;
      value = value[Number(segment)];
    } else if (value !== null && typeof value === 'object') {
      if (!Object.hasOwn(value, segment)) return false;
      value = (value as Json)[segment];
    } else return false;
  }
  return true;
}
