import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { COUNTRY_CODES, INTERNATIONAL_NUMBER_PATTERN, WEEKDAYS } from './configuration.constants.js';
import { quote, toPointer, type ConfigurationError } from './configuration.errors.js';
import { macDigits } from '../common/mac-address.js';

/**
 * The rules of configuration format v1 that span the document, or that JSON Schema cannot state
 * (docs/configuration.md): uniqueness of e-mails, department names, internal and
 * external numbers and MAC addresses; references from departments and fallbacks; fallback loops;
 * the central number; phone numbers valid (libphonenumber-js) for the organization's country; and
 * opening-hours intervals. They read the submitted document defensively: a part with the wrong
 * type has a structure error already and is skipped here, so nothing crashes and nothing is
 * reported twice.
 */

type Json = Record<string, unknown>;
type Path = (string | number)[];

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const arrayAt = (object: Json, key: string): unknown[] => (Array.isArray(object[key]) ? (object[key] as unknown[]) : []);

/** What the rules learnt that normalisation needs: the E.164 form of each phone number, by the object holding it. */
export interface RulesResult {
  errors: ConfigurationError[];
  /** External number object (or centralPhoneNumber object) → E.164 of its `value` (existing numbers only). */
  numberE164: Map<object, string>;
  /** User object → E.164 of its `mobileNumber`. */
  mobileE164: Map<object, string>;
}

const PHONE_CHARACTERS = /^\+?[0-9][0-9 ().-]*$/;
const INTERNATIONAL = new RegExp(INTERNATIONAL_NUMBER_PATTERN, 'u');

/** A phone number in E.164 form, or why it is not one. `country` interprets national numbers. */
export function toE164(value: string, country: CountryCode | undefined): { e164: string } | { problem: string } {
  const international = value.startsWith('+');
  if (!international && !country) {
    return { problem: `${quote(value)} must be written in international form (+ and the country code), because the organization has no country` };
  }
  if (PHONE_CHARACTERS.test(value) && value.length <= 40) {
    const parsed = parsePhoneNumberFromString(value, { defaultCountry: country, extract: false });
    if (parsed && parsed.isValid() && !parsed.ext) return { e164: parsed.number };
  }
  return {
    problem: international || !country
      ? `${quote(value)} is not a valid phone number`
      : `${quote(value)} is not a valid phone number for country ${country}`,
  };
}

/** The organization's country when phone numbers can be interpreted for it (libphonenumber-js knows it). */
function phoneCountry(organization: Json | undefined): CountryCode | undefined | 'unusable' {
  const country = organization?.country;
  if (country === undefined) return undefined;
  if (!isString(country) || !(COUNTRY_CODES as readonly string[]).includes(country)) return 'unusable';
  return isSupportedCountry(country) ? (country as CountryCode) : undefined;
}

interface ExternalRef {
  /** Path of the external number object. */
  path: () => Path;
  isNew: boolean;
  /** The uniqueness key: E.164 of an existing number, the label of a new one. */
  key: string;
}

/** Paths are built only when something is reported (a valid document of 2,000 users builds none). */
type LazyPath = () => Path;

export function checkDocumentRules(document: Json): RulesResult {
  const errors: ConfigurationError[] = [];
  const numberE164 = new Map<object, string>();
  const mobileE164 = new Map<object, string>();
  const report = (path: Path, message: string) => errors.push({ path: toPointer(path), message });
  const at = (path: LazyPath) => toPointer(path());

  const organization = isObject(document.organization) ? document.organization : undefined;
  const country = phoneCountry(organization);
  const users = arrayAt(document, 'users');
  const departments = arrayAt(document, 'departments');

  const userByEmail = new Map<string, number>();
  const macs = new Map<string, LazyPath>();
  const internalNumbers = new Map<string, LazyPath>();
  const externals: ExternalRef[] = [];

  const claimInternal = (value: unknown, path: LazyPath) => {
    if (!isString(value)) return;
    const owner = internalNumbers.get(value);
    if (owner !== undefined) report(path(), `internal number ${quote(value)} is already used at ${at(owner)}`);
    else internalNumbers.set(value, path);
  };

  const external = (value: unknown, path: LazyPath) => {
    if (!isObject(value) || !isString(value.value) || value.value.length === 0) return;
    if (value.new !== undefined && typeof value.new !== 'boolean') return;
    if (value.new === true) {
      externals.push({ path, isNew: true, key: `label:${value.value}` });
      return;
    }
    if (country === 'unusable' && !value.value.startsWith('+')) return; // the country itself is wrong
    const result = toE164(value.value, country === 'unusable' ? undefined : country);
    if ('problem' in result) {
      report([...path(), 'value'], result.problem);
      return;
    }
    numberE164.set(value, result.e164);
    externals.push({ path, isNew: false, key: `number:${result.e164}` });
  };

  // --- users: unique e-mails (case-insensitive), numbers, MAC addresses ---------------------------
  for (let index = 0; index < users.length; index++) {
    const user = users[index];
    if (!isObject(user)) continue;
    if (isString(user.email)) {
      const key = user.email.toLowerCase();
      const first = userByEmail.get(key);
      if (first !== undefined) report(['users', index, 'email'], `e-mail address ${quote(user.email)} is already used by /users/${first}`);
      else userByEmail.set(key, index);
    }
    claimInternal(user.internalNumber, () => ['users', index, 'internalNumber']);
    external(user.externalNumber, () => ['users', index, 'externalNumber']);
    if (isString(user.mobileNumber) && INTERNATIONAL.test(user.mobileNumber)) {
      const result = toE164(user.mobileNumber, undefined);
      if ('problem' in result) report(['users', index, 'mobileNumber'], result.problem);
      else mobileE164.set(user, result.e164);
    }
    const phones = arrayAt(user, 'phones');
    for (let phoneIndex = 0; phoneIndex < phones.length; phoneIndex++) {
      const phone = phones[phoneIndex];
      if (!isObject(phone) || !isString(phone.macAddress)) continue;
      const mac = macDigits(phone.macAddress);
      if (mac === null) continue;
      const path: LazyPath = () => ['users', index, 'phones', phoneIndex, 'macAddress'];
      const owner = macs.get(mac);
      if (owner !== undefined) report(path(), `MAC address ${quote(phone.macAddress)} is already used at ${at(owner)}`);
      else macs.set(mac, path);
    }
  }

  // --- departments: unique names, members, numbers, fallbacks, opening hours --------------------
  const departmentByName = new Map<string, number>();
  departments.forEach((department, index) => {
    if (!isObject(department) || !isString(department.name)) return;
    const key = department.name.toLowerCase();
    const first = departmentByName.get(key);
    if (first !== undefined) report(['departments', index, 'name'], `department name ${quote(department.name)} is already used by /departments/${first}`);
    else departmentByName.set(key, index);
  });

  const fallbackTarget = new Map<number, number>();
  departments.forEach((department, index) => {
    if (!isObject(department)) return;
    const members = new Set<string>();
    arrayAt(department, 'users').forEach((member, memberIndex) => {
      if (!isString(member)) return;
      const key = member.toLowerCase();
      if (!userByEmail.has(key)) report(['departments', index, 'users', memberIndex], `user ${quote(member)} is not defined in users`);
      else if (members.has(key)) report(['departments', index, 'users', memberIndex], `user ${quote(member)} is listed more than once`);
      members.add(key);
    });
    arrayAt(department, 'internalNumbers').forEach((number, numberIndex) =>
      claimInternal(number, () => ['departments', index, 'internalNumbers', numberIndex]),
    );
    arrayAt(department, 'externalNumbers').forEach((number, numberIndex) =>
      external(number, () => ['departments', index, 'externalNumbers', numberIndex]),
    );

    const fallback = department.fallback;
    if (isObject(fallback) && isString(fallback.value)) {
      const valuePath: Path = ['departments', index, 'fallback', 'value'];
      if (fallback.type === 'dept') {
        const target = departmentByName.get(fallback.value.toLowerCase());
        if (target === undefined) report(valuePath, `department ${quote(fallback.value)} is not defined`);
        else if (isString(department.name) && department.name.toLowerCase() === fallback.value.toLowerCase()) {
          report(valuePath, 'a department may not fall back to itself');
        } else if (isString(department.name) && departmentByName.get(department.name.toLowerCase()) === index) {
          fallbackTarget.set(index, target);
        }
      } else if (fallback.type === 'user' && !userByEmail.has(fallback.value.toLowerCase())) {
        report(valuePath, `user ${quote(fallback.value)} is not defined in users`);
      }
    }

    const openingHours = department.openingHours;
    if (isObject(openingHours) && isObject(openingHours.days)) {
      for (const day of WEEKDAYS) checkIntervals(arrayAt(openingHours.days, day), ['departments', index, 'openingHours', 'days', day], report);
    }
  });

  // --- fallback loops (A → B → A): every department on a loop is told ---------------------------
  for (const cycle of findCycles(fallbackTarget)) {
    const names = [...cycle, cycle[0]].map((index) => quote((departments[index] as Json).name)).join(' → ');
    for (const index of cycle) report(['departments', index, 'fallback', 'value'], `department fallbacks form a loop: ${names}`);
  }

  // --- external numbers: unique values; the central number ---------------------------------------
  const seen = new Map<string, LazyPath>();
  for (const ref of externals) {
    const owner = seen.get(ref.key);
    if (owner !== undefined) {
      report([...ref.path(), 'value'], `external number ${quote(ref.key.slice(ref.key.indexOf(':') + 1))} is already used at ${at(owner)}/value`);
    } else seen.set(ref.key, ref.path);
  }
  if (organization) checkCentralNumber(organization, externals, country, report, numberE164);

  return { errors, numberE164, mobileE164 };
}

function checkCentralNumber(
  organization: Json,
  externals: ExternalRef[],
  country: CountryCode | undefined | 'unusable',
  report: (path: Path, message: string) => void,
  numberE164: Map<object, string>,
): void {
  const central = organization.centralPhoneNumber;
  if (central === undefined) {
    if (externals.length > 0) {
      report(['organization'], '"centralPhoneNumber" is required because external numbers are defined; it must be one of them');
    }
    return;
  }
  if (!isObject(central) || !isString(central.value) || (central.new !== undefined && typeof central.new !== 'boolean')) return;
  const isNew = central.new === true;
  let key = `label:${central.value}`;
  if (!isNew) {
    if (country === 'unusable' && !central.value.startsWith('+')) return;
    const result = toE164(central.value, country === 'unusable' ? undefined : country);
    key = 'e164' in result ? `number:${result.e164}` : `raw:${central.value}`;
    if ('e164' in result) numberE164.set(central, result.e164);
  }
  if (!externals.some((ref) => ref.isNew === isNew && ref.key === key)) {
    report(
      ['organization', 'centralPhoneNumber'],
      externals.length === 0
        ? 'the central phone number must be one of the external numbers, but no external numbers are defined'
        : `the central phone number (new: ${isNew}, value: ${quote(central.value)}) is not one of the external numbers of the users or departments`,
    );
  }
}

function minutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

const TIME = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;
const END_TIME = /^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

/** spec (opening hours): `from` < `to`; the intervals of one day do not overlap. */
function checkIntervals(intervals: unknown[], path: Path, report: (path: Path, message: string) => void): void {
  const valid: { index: number; from: number; to: number; text: string }[] = [];
  intervals.forEach((interval, index) => {
    if (!isObject(interval) || !isString(interval.from) || !isString(interval.to)) return;
    if (!TIME.test(interval.from) || !END_TIME.test(interval.to)) return;
    const from = minutes(interval.from);
    const to = minutes(interval.to);
    if (from >= to) {
      report([...path, index], `the opening time ${interval.from} must be before the closing time ${interval.to}`);
      return;
    }
    valid.push({ index, from, to, text: `${interval.from}–${interval.to}` });
  });
  const sorted = [...valid].sort((a, b) => a.from - b.from || a.index - b.index);
  // Sweep in order of opening time; `reach` is the interval reaching furthest so far.
  let reach = sorted[0];
  for (let i = 1; i < sorted.length; i++) {
    const current = sorted[i];
    if (current.from < reach.to) {
      const [earlier, later] = reach.index < current.index ? [reach, current] : [current, reach];
      report([...path, later.index], `the interval ${later.text} overlaps ${earlier.text} (${toPointer([...path, earlier.index])})`);
    }
    if (current.to > reach.to) reach = current;
  }
}

/** The loops of a functional graph (each node has at most one successor), each once, from its smallest node. */
function findCycles(next: Map<number, number>): number[][] {
  const state = new Map<number, 'visiting' | 'done'>();
  const cycles: number[][] = [];
  for (const start of next.keys()) {
    const trail: number[] = [];
    let node: number | undefined = start;
    while (node !== undefined && !state.has(node)) {
      state.set(node, 'visiting');
      trail.push(node);
      node = next.get(node);
    }
    if (node !== undefined && state.get(node) === 'visiting') {
      const cycle = trail.slice(trail.indexOf(node));
      const smallest = cycle.indexOf(Math.min(...cycle));
      cycles.push([...cycle.slice(smallest), ...cycle.slice(0, smallest)]);
    }
    for (const visited of trail) state.set(visited, 'done');
  }
  return cycles;
}
