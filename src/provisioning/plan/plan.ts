import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/canonical-json.js';
import type { Configuration, ExternalNumber } from '../../configuration/configuration.types.js';
import { allExternalNumbers } from '../provisioning-plan.js';
import { closedLineName } from '../steps/closed-line.step.js';
import { departmentLineChanges } from '../steps/department.step.js';
import { dayNightMode } from '../steps/opening-hours.step.js';
import { organisationChanges, wantedOrganisation } from '../steps/organization.step.js';
import { personalLineName } from '../steps/step-support.js';
import { personalLineChanges, personChanges } from '../steps/user.step.js';
import type { OrganisationView } from '../tenant-gateway.js';
import type { TenantIndex } from '../tenant-index.js';

/** The kinds of objects a plan speaks of: the result's kinds (docs/provisioning.md, "Plan"). */
export type PlanKind = 'organisation' | 'person' | 'user' | 'phoneLine' | 'phone' | 'trunk' | 'number';
export type PlanAction = 'create' | 'update' | 'unchanged';

export interface PlanChange {
  action: PlanAction;
  kind: PlanKind;
  /** The natural key the engine finds the object by (a name, an e-mail, a MAC address, a number). */
  key: string;
  /** Where in the configuration the object comes from (a JSON pointer). */
  path: string;
  /** update: each field that changes, from → to. */
  fields?: Record<string, { from: unknown; to: unknown }>;
}

/** What would make an order fail, or do what the reseller did not ask for (docs/provisioning.md, "Plan"). */
export const PLAN_CONFLICT_CODES = ['EXTENSION_IN_USE', 'PHONE_IN_USE', 'USER_NAME_IN_USE'] as const;
export type PlanConflictCode = (typeof PLAN_CONFLICT_CODES)[number];

export interface PlanConflict {
  code: PlanConflictCode;
  path: string;
  message: string;
}

export interface PlanResult {
  planHash: string;
  summary: Record<PlanAction, number>;
  changes: PlanChange[];
  conflicts: PlanConflict[];
}

export interface PlanInput {
  configuration: Configuration;
  /** The Organisation named as the configuration's organization, when the tenant has one. */
  organisation: OrganisationView | null;
  /** What was read of the tenant: every object the configuration names, and the whole collections a conflict check needs. */
  tenant: TenantIndex;
  /** Objects this order made itself (its journal): never a conflict, so a resumed order is not stopped by them. */
  ownOids?: ReadonlySet<string>;
}

/** A JSON pointer into the configuration (not a Xelion path), e.g. users, 3 → users/3 with a leading slash. */
function pointer(...parts: (string | number)[]): string {
  return `/${parts.join('/')}`;
}

/** A number as the plan shows it: E.164, or the label of a number still to be reserved. */
function numberValue(number: ExternalNumber): string {
  return number.new ? `new number "${number.value}"` : number.value;
}

/** The changed fields of a change document, each with the object's current value. */
function fieldsOf(changes: object | undefined, current: Record<string, unknown>): Record<string, { from: unknown; to: unknown }> | undefined {
  if (!changes) return undefined;
  const fields: Record<string, { from: unknown; to: unknown }> = {};
  for (const [name, to] of Object.entries(changes)) fields[name] = { from: current[name] ?? null, to };
  return fields;
}

/** A hash of the changes and conflicts (not of the answer's wording): the same tenant and configuration give the same hash. */
export function planHashOf(changes: PlanChange[], conflicts: PlanConflict[]): string {
  const subject = {
    changes: changes.map(({ action, kind, key, path, fields }) => ({ action, kind, key, path, fields: fields ?? null })),
    conflicts: conflicts.map(({ code, path }) => ({ code, path })),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(subject)).digest('hex')}`;
}

/**
 * The plan of a configuration against a tenant as it is: what the engine would create, update or find
 * unchanged, and what it would refuse to do (conflicts). Pure: the reads are done before.
 */
export function computePlan(input: PlanInput): PlanResult {
  const { configuration, organisation, tenant } = input;
  const own = input.ownOids ?? new Set<string>();
  const changes: PlanChange[] = [];
  const conflicts: PlanConflict[] = [];
  const add = (change: PlanChange) => changes.push(change);

  // The organisation.
  const { telecom, visit } = wantedOrganisation(configuration.organization, numberValue);
  if (!organisation) add({ action: 'create', kind: 'organisation', key: configuration.organization.name, path: '/organization' });
  else {
    const update = organisationChanges(organisation, telecom, visit);
    add({
      action: update ? 'update' : 'unchanged',
      kind: 'organisation',
      key: configuration.organization.name,
      path: '/organization',
      ...(update ? { fields: fieldsOf(update, { telecomAddresses: organisation.telecomAddresses, addresses: organisation.addresses }) } : {}),
    });
  }
  const organisationOid = organisation?.oid ?? 'the new organisation';

  // Where each extension should be: user e-mail or department name → the line that should hold it.
  const expectedLineOf = new Map<string, string | undefined>();

  configuration.users.forEach((user, index) => {
    const path = pointer('users', index);
    const existing = tenant.user(user.email);
    const role = user.role === 'admin' ? 'administrator' : 'user';
    const externalNumber = user.externalNumber ? numberValue(user.externalNumber) : null;
    if (!existing) {
      add({ action: 'create', kind: 'person', key: user.email, path });
      add({ action: 'create', kind: 'phoneLine', key: personalLineName(user), path });
      add({ action: 'create', kind: 'user', key: user.email, path });
      // A personal line an earlier attempt made (no user yet) is taken over by the engine.
      const halfMade = (tenant.linesByName.get(personalLineName(user)) ?? []).find((line) => line.users.length === 0);
      expectedLineOf.set(`user:${user.email}`, halfMade?.oid);
    } else {
      const userFields: Record<string, { from: unknown; to: unknown }> = {};
      if (existing.xccRole !== role) userFields.xccRole = { from: existing.xccRole, to: role };
      if (!existing.active) userFields.active = { from: false, to: true };
      add({ action: Object.keys(userFields).length > 0 ? 'update' : 'unchanged', kind: 'user', key: user.email, path, ...(Object.keys(userFields).length > 0 ? { fields: userFields } : {}) });

      const person = existing.personOid ? tenant.personByOid.get(existing.personOid) : undefined;
      if (person) {
        const update = personChanges(person, user, organisationOid);
        add({ action: update ? 'update' : 'unchanged', kind: 'person', key: user.email, path, ...(update ? { fields: fieldsOf(update, { ...person, employBy: person.employerOids }) } : {}) });
        const emails = person.telecomAddresses.filter((t) => t.addressType === 'Email').map((t) => t.address.toLowerCase());
        if (emails.length > 0 && !emails.includes(user.email) && !own.has(person.oid)) {
          conflicts.push({
            code: 'USER_NAME_IN_USE',
            path: `${path}/email`,
            message: `the user name ${user.email} belongs to person "${[person.givenName, person.familyName].filter(Boolean).join(' ')}" (oid ${person.oid}), whose e-mail is ${emails.join(', ')}`,
          });
        }
      }
      const line = existing.primaryLineOid ? tenant.lineByOid.get(existing.primaryLineOid) : undefined;
      if (line) {
        const update = personalLineChanges(line, user, externalNumber);
        add({
          action: update ? 'update' : 'unchanged',
          kind: 'phoneLine',
          key: personalLineName(user),
          path,
          ...(update ? { fields: fieldsOf(update, { commonName: line.commonName, addExtensions: line.extensions.map((e) => e.address), externalNumber: line.externalNumber, voicemail: line.voicemailActive }) } : {}),
        });
      } else add({ action: 'create', kind: 'phoneLine', key: personalLineName(user), path });
      expectedLineOf.set(`user:${user.email}`, line?.oid);
    }

    // Phones: a MAC address on a phone of this user is unchanged; on anyone else's (or no one's) a conflict.
    (user.phones ?? []).forEach((phone, phoneIndex) => {
      const phonePath = `${path}/phones/${phoneIndex}`;
      const held = tenant.phoneByMac.get(phone.macAddress);
      if (!held) add({ action: 'create', kind: 'phone', key: phone.macAddress, path: phonePath });
      else if (existing && held.userOid === existing.oid) add({ action: 'unchanged', kind: 'phone', key: phone.macAddress, path: phonePath });
      else if (own.has(held.oid)) add({ action: 'unchanged', kind: 'phone', key: phone.macAddress, path: phonePath });
      else {
        const who = held.userOid === null ? 'no user' : `user ${held.userName ? `"${held.userName}" ` : ''}(oid ${held.userOid})`;
        conflicts.push({ code: 'PHONE_IN_USE', path: `${phonePath}/macAddress`, message: `the MAC address ${phone.macAddress} belongs to a phone of ${who}` });
      }
    });
    if (user.internalNumber) checkExtension(user.internalNumber, expectedLineOf.get(`user:${user.email}`), `${path}/internalNumber`);
  });

  // The closed line (opening hours).
  const withOpeningHours = configuration.departments.some((department) => department.openingHours);
  const closedName = closedLineName(configuration.organization.name);
  const closedLine = withOpeningHours ? tenant.firstLineNamed(closedName) : undefined;
  if (withOpeningHours) {
    if (!closedLine) add({ action: 'create', kind: 'phoneLine', key: closedName, path: '/departments' });
    else {
      add({
        action: closedLine.voicemailActive ? 'unchanged' : 'update',
        kind: 'phoneLine',
        key: closedName,
        path: '/departments',
        ...(closedLine.voicemailActive ? {} : { fields: { voicemail: { from: false, to: true } } }),
      });
    }
  }

  // Departments: their lines, members, fallbacks and opening hours.
  const departmentLines = new Map(configuration.departments.map((department) => [department.name, tenant.firstLineNamed(department.name)]));
  configuration.departments.forEach((department, index) => {
    const path = pointer('departments', index);
    const existing = departmentLines.get(department.name);
    if (!existing) {
      add({ action: 'create', kind: 'phoneLine', key: department.name, path });
    } else {
      // Members that are not users yet are added once they exist: a difference either way.
      const members = department.users.map((email) => tenant.user(email)?.oid ?? `the new user ${email}`);
      const externalNumber = department.externalNumbers[0] ? numberValue(department.externalNumbers[0]) : null;
      const fields: Record<string, { from: unknown; to: unknown }> = {
        ...fieldsOf(departmentLineChanges(existing, department, members, externalNumber), {
          addExtensions: existing.extensions.map((e) => e.address),
          addUsers: existing.users.map((u) => u.userOid),
          userDirections: existing.users.map((u) => ({ userOid: u.userOid, incoming: u.incoming, outgoing: u.outgoing })),
          recordCalls: existing.recordCalls,
          externalNumber: existing.externalNumber,
        }),
      };
      const fallback = department.fallback;
      if (fallback?.type === 'voicemail' && !existing.voicemailActive) fields.voicemail = { from: false, to: true };
      if (fallback && fallback.type !== 'voicemail') {
        const target = fallback.type === 'dept' ? departmentLines.get(fallback.value)?.oid : tenant.user(fallback.value)?.primaryLineOid;
        if (!target || existing.defaultFallbackOid !== target) fields.defaultFallback = { from: existing.defaultFallbackOid, to: target ?? `the new line of ${fallback.value}` };
      }
      if (department.openingHours) {
        const wanted = dayNightMode(department.openingHours, closedLine?.oid ?? 'the new closed line');
        if (JSON.stringify(existing.dayNightMode) !== JSON.stringify(wanted)) fields.dayNightMode = { from: existing.dayNightMode, to: wanted };
      }
      const changed = Object.keys(fields).length > 0;
      add({ action: changed ? 'update' : 'unchanged', kind: 'phoneLine', key: department.name, path, ...(changed ? { fields } : {}) });
    }
    for (const [k, number] of department.internalNumbers.entries()) checkExtension(number, existing?.oid, `${path}/internalNumbers/${k}`);
  });

  // External numbers on the trunk.
  const numbers = allExternalNumbers(configuration);
  if (numbers.length > 0) {
    const [trunk] = tenant.contents.trunks;
    if (!trunk) add({ action: 'create', kind: 'trunk', key: 'trunk', path: '' });
    const lineOfOwner = (owner: { user?: string; department?: string }) =>
      owner.user !== undefined ? tenant.user(owner.user)?.primaryLineOid : departmentLines.get(owner.department!)?.oid;
    const owned: { number: ExternalNumber; path: string; owner: { user?: string; department?: string } }[] = [
      ...configuration.users.flatMap((user, i) => (user.externalNumber ? [{ number: user.externalNumber, path: pointer('users', i, 'externalNumber'), owner: { user: user.email } }] : [])),
      ...configuration.departments.flatMap((department, i) =>
        department.externalNumbers.map((number, k) => ({ number, path: pointer('departments', i, 'externalNumbers', k), owner: { department: department.name } })),
      ),
    ];
    for (const { number, path, owner } of owned) {
      const assigned = trunk && !number.new ? trunk.assignedNumbers.find((a) => a.number === number.value) : undefined;
      const lineOid = lineOfOwner(owner);
      if (!assigned) add({ action: 'create', kind: 'number', key: numberValue(number), path });
      else if (lineOid === undefined || assigned.lineOid !== lineOid) {
        add({ action: 'update', kind: 'number', key: numberValue(number), path, fields: { line: { from: assigned.lineOid, to: lineOid ?? `the new line of ${owner.user ?? owner.department}` } } });
      } else add({ action: 'unchanged', kind: 'number', key: numberValue(number), path });
    }
    if (trunk) {
      const central = configuration.organization.centralPhoneNumber ? numberValue(configuration.organization.centralPhoneNumber) : null;
      const changed = central !== null && trunk.defaultCallerNr !== central;
      add({ action: changed ? 'update' : 'unchanged', kind: 'trunk', key: 'trunk', path: '', ...(changed ? { fields: { defaultCallerNr: { from: trunk.defaultCallerNr, to: central } } } : {}) });
    }
  }

  function checkExtension(number: string, expectedLineOid: string | undefined, path: string): void {
    const holders = (tenant.linesByExtension.get(number) ?? []).filter((line) => line.oid !== expectedLineOid && !own.has(line.oid));
    const [holder] = holders;
    if (holder) conflicts.push({ code: 'EXTENSION_IN_USE', path, message: `${number} belongs to line "${holder.commonName}" (oid ${holder.oid})` });
  }

  const summary: Record<PlanAction, number> = { create: 0, update: 0, unchanged: 0 };
  for (const change of changes) summary[change.action] += 1;
  return { planHash: planHashOf(changes, conflicts), summary, changes, conflicts };
}

