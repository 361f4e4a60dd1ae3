import type { Configuration } from '../configuration/configuration.types.js';
import { XelionNotFoundError } from '../xelion/xelion.errors.js';
import { allExternalNumbers } from './provisioning-plan.js';
import { closedLineName } from './steps/closed-line.step.js';
import type { LineView, Listed, PersonView, TenantGateway, UserView } from './tenant-gateway.js';
import { TenantIndex, type ReadingScope, type TenantReading } from './tenant-index.js';

export type { TenantReading };

/**
 * Reads what a configuration needs of a tenant, in as few calls as it can without knowing the tenant's
 * size (the contract's lists give no count):
 * - users, persons, and lines when the configuration has no internal numbers: read page by page for as
 *   many pages as looking up the configuration's objects one by one would take; a list that ends within
 *   them is kept whole, otherwise the objects still missing are looked up. At most twice the cheaper way.
 * - lines when the configuration has internal numbers, and phones when it has phones: read in full,
 *   because an extension or a MAC address in use elsewhere in the tenant can only be found that way.
 * - trunks only when the configuration has external numbers; phones only when it has phones.
 */
export async function readTenant(gateway: TenantGateway, configuration: Configuration): Promise<TenantReading> {
  const userNames = [...new Set(configuration.users.map((user) => user.email.toLowerCase()))];
  const hasExtensions = configuration.users.some((user) => user.internalNumber) || configuration.departments.some((d) => d.internalNumbers.length > 0);
  const hasPhones = configuration.users.some((user) => (user.phones ?? []).length > 0);
  const hasNumbers = allExternalNumbers(configuration).length > 0;

  const [[organisation], users, allLines, phones, trunks] = await Promise.all([
    gateway.findOrganisations(configuration.organization.name),
    bulkOrLookUps<UserView, string>(
      userNames,
      (maxPages) => gateway.readUsers(maxPages),
      (user) => user.userName.toLowerCase(),
      (name) => gateway.findUser(name),
    ),
    hasExtensions ? gateway.readLines() : undefined,
    hasPhones ? gateway.readPhones() : [],
    hasNumbers ? gateway.trunks() : [],
  ]);

  const byName = new Map(users.items.map((user) => [user.userName.toLowerCase(), user]));
  const wanted = userNames.map((name) => byName.get(name)).filter((user): user is UserView => user !== undefined);
  const personOids = unique(wanted.map((user) => user.personOid));
  const [persons, lines] = await Promise.all([
    bulkOrLookUps<PersonView, string>(
      personOids,
      (maxPages) => gateway.readPersons(maxPages),
      (person) => person.oid,
      (oid) => absentIfNotFound(gateway.getPerson(oid)),
    ),
    allLines ? { items: allLines.items, whole: true, names: [], lookUps: 0 } : linesNamedOrHeld(gateway, configuration, wanted),
  ]);

  const scope: ReadingScope = {
    users: users.whole ? 'all' : new Set(userNames),
    lines: lines.whole ? 'all' : new Set(lines.names),
    phones: hasPhones,
    trunks: hasNumbers,
  };
  const contents = { users: users.items, persons: persons.items, lines: lines.items, phones, trunks };
  const how = (noun: string, read: { whole: boolean; items: unknown[] }, keys: number) =>
    read.whole ? `${read.items.length} ${noun} read` : `${noun}: ${keys} looked up, ${read.items.length} found`;
  const summary = [
    how('users', users, userNames.length),
    how('persons', persons, personOids.length),
    how('lines', lines, lines.whole ? 0 : lines.lookUps),
    ...(hasPhones ? [`${phones.length} phones read`] : []),
    ...(hasNumbers ? [`${trunks.length} trunks read`] : []),
  ].join('; ');
  return { organisationName: configuration.organization.name, organisation: organisation ?? null, index: new TenantIndex(contents, scope), summary };
}

/**
 * The objects of `keys`: the collection read for at most as many pages as there are keys (each key is
 * one look-up), whole when it ends within them; else what those pages held plus a look-up of each key
 * still missing. `whole` says which.
 */
async function bulkOrLookUps<T, K>(
  keys: K[],
  read: (maxPages: number) => Promise<Listed<T>>,
  keyOf: (item: T) => K,
  lookUp: (key: K) => Promise<T | null>,
): Promise<{ items: T[]; whole: boolean }> {
  if (keys.length === 0) return { items: [], whole: false };
  const page = await read(keys.length);
  if (page.complete) return { items: page.items, whole: true };
  const wanted = new Set(keys);
  const held = page.items.filter((item) => wanted.has(keyOf(item)));
  const heldKeys = new Set(held.map(keyOf));
  const found: (T | null)[] = await Promise.all(keys.filter((key) => !heldKeys.has(key)).map(lookUp));
  return { items: [...held, ...found.filter((item) => item !== null)], whole: false };
}

/**
 * Without internal numbers, the lines the configuration touches: the existing users' personal lines (by
 * oid) and the department and closed lines (by name), read in bulk only while that is cheaper.
 */
async function linesNamedOrHeld(gateway: TenantGateway, configuration: Configuration, users: UserView[]): Promise<{ items: LineView[]; whole: boolean; names: string[]; lookUps: number }> {
  const oids = unique(users.map((user) => user.primaryLineOid));
  const names = [
    ...configuration.departments.map((department) => department.name),
    ...(configuration.departments.some((department) => department.openingHours) ? [closedLineName(configuration.organization.name)] : []),
  ];
  const lookUps = oids.length + names.length;
  if (lookUps === 0) return { items: [], whole: false, names, lookUps };
  const page = await gateway.readLines(lookUps);
  if (page.complete) return { items: page.items, whole: true, names, lookUps };
  const held = new Set(page.items.map((line) => line.oid));
  const [byOid, byName] = await Promise.all([
    Promise.all(oids.filter((oid) => !held.has(oid)).map((oid) => absentIfNotFound(gateway.getLine(oid)))),
    Promise.all(names.map((name) => gateway.findLines(name))),
  ]);
  const items = [...page.items.filter((line) => oids.includes(line.oid)), ...byOid.filter((line): line is LineView => line !== null), ...byName.flat()];
  return { items, whole: false, names, lookUps };
}

async function absentIfNotFound<T>(lookUp: Promise<T>): Promise<T | null> {
  try {
    return await lookUp;
  } catch (error) {
    if (error instanceof XelionNotFoundError) return null;
    throw error;
  }
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== null))];
}

/**
 * The part of a configuration that steps still to run deal with (`kind` and `subject` of each, as planned
 * in provisioning-plan.ts): a resumed run reads the tenant again for that part only, so that a few steps
 * left look a few objects up rather than read a large tenant's lists.
 */
export function remainingPart(configuration: Configuration, pending: { kind: string; subject: string | null }[]): Configuration {
  const subjects = (...kinds: string[]) => new Set(pending.filter((step) => kinds.includes(step.kind)).map((step) => step.subject));
  const users = subjects('user', 'phones');
  const departments = subjects('department');
  const closedLine = pending.some((step) => step.kind === 'closedLine');
  return {
    ...configuration,
    users: configuration.users.filter((user) => users.has(user.email)),
    departments: configuration.departments.filter((department) => departments.has(department.name) || (closedLine && department.openingHours)),
  };
}
