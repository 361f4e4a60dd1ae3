import { expect } from 'vitest';
import type { Configuration, ExternalNumber } from '../../src/configuration/configuration.types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- a simulator dump is plain JSON */
type Dump = Record<string, any[]>;

/** The numbers the order's result lists as allocated, by label (for `new: true` numbers). */
type Allocations = Record<string, string>;

function numberOf(number: ExternalNumber | { new: boolean; value: string }, allocated: Allocations): string {
  if (!number.new) return number.value;
  const value = allocated[number.value];
  expect(value, `number "${number.value}" was allocated`).toMatch(/^\+\d+$/);
  return value;
}

function unique(values: string[], what: string): void {
  const seen = new Set<string>();
  const twice = values.filter((value) => (seen.has(value) ? true : (seen.add(value), false)));
  expect(twice, `${what} that occur twice`).toEqual([]);
}

/**
 * The tenant holds exactly what docs/provisioning.md says a configuration becomes ("What the tenant
 * holds"), with no object twice: checked object by object against the simulator's dump.
 */
export function expectTenantMatches(dump: Dump, configuration: Configuration, result: { numbersAllocated: { label: string; number: string }[] }): void {
  const allocated: Allocations = Object.fromEntries(result.numbersAllocated.map((n) => [n.label, n.number]));
  const { organization } = configuration;

  unique(dump.users.map((u) => u.userName.toLowerCase()), 'user names');
  // Users may share a name (so may their personal lines); a department's or the closed line's name is theirs alone.
  const sharedNames = new Set(configuration.users.map((u) => [u.firstName, u.lastName].filter(Boolean).join(' ')));
  unique(dump.phoneLines.map((l) => l.commonName).filter((name) => !sharedNames.has(name)), 'department line names');
  unique(dump.users.map((u) => u.primaryLine?.oid ?? `none ${u.oid}`), 'personal lines');
  const departmentLines = configuration.departments.length + (configuration.departments.some((d) => d.openingHours) ? 1 : 0);
  expect(dump.phoneLines.length, 'phone lines').toBe(configuration.users.length + departmentLines);
  unique(dump.phones.map((p) => p.provisioningInfo.macAddress), 'MAC addresses');
  unique(dump.organisations.map((o) => o.name), 'organisation names');

  const organisation = dump.organisations.find((o) => o.name === organization.name);
  expect(organisation, `organisation ${organization.name}`).toBeDefined();
  if (organization.email) expect(organisation.telecomAddresses).toContainEqual({ addressType: 'Email', address: organization.email });
  const central = organization.centralPhoneNumber ? numberOf(organization.centralPhoneNumber, allocated) : null;
  if (central) expect(organisation.telecomAddresses).toContainEqual({ addressType: 'Telephone', address: central });
  if (organization.city) expect(organisation.addresses).toContainEqual(expect.objectContaining({ addressType: 'Visit', city: organization.city, zipCode: organization.zipCode ?? null }));

  const lineByOid = new Map(dump.phoneLines.map((l) => [l.oid, l]));
  const userByEmail = new Map(dump.users.map((u) => [u.userName.toLowerCase(), u]));
  const personLineOf = new Map<string, any>();
  const ringing = new Map<string, string>();

  for (const user of configuration.users) {
    const profile = userByEmail.get(user.email);
    expect(profile, `user ${user.email}`).toBeDefined();
    expect(profile.xccRole, user.email).toBe(user.role === 'admin' ? 'administrator' : 'user');
    expect(profile.active, user.email).toBe(true);
    const person = dump.persons.find((p) => p.oid === profile.person?.oid);
    expect(person, `person of ${user.email}`).toBeDefined();
    expect([person.givenName, person.familyName], user.email).toEqual([user.firstName ?? null, user.lastName]);
    expect(person.telecomAddresses).toContainEqual({ addressType: 'Email', address: user.email });
    if (user.mobileNumber) expect(person.telecomAddresses).toContainEqual({ addressType: 'Mobile', address: user.mobileNumber });
    expect(person.employments.map((e: any) => e.organisation.oid), `employer of ${user.email}`).toContain(organisation.oid);

    const line = lineByOid.get(profile.primaryLine?.oid);
    expect(line, `personal line of ${user.email}`).toBeDefined();
    personLineOf.set(user.email, line);
    expect(line.commonName).toBe([user.firstName, user.lastName].filter(Boolean).join(' '));
    if (user.internalNumber) expect(line.extensions.map((e: any) => e.address), user.email).toContain(user.internalNumber);
    if (user.externalNumber) {
      const number = numberOf(user.externalNumber, allocated);
      expect(line.externalNumber, user.email).toBe(number);
      ringing.set(number, line.oid);
    }
    expect(line.userPhoneLine.voicemailActive, `voicemail of ${user.email}`).toBe(user.voicemail);

    const phones = dump.phones.filter((p) => p.user?.oid === profile.oid);
    expect(phones.map((p) => p.provisioningInfo.macAddress).sort(), `phones of ${user.email}`).toEqual(user.phones.map((p) => p.macAddress).sort());
    for (const phone of user.phones) {
      const made = phones.find((p) => p.provisioningInfo.macAddress === phone.macAddress);
      expect(made.provisioningInfo.phoneType).toBe(phone.model);
      expect(line.phones.map((p: any) => p.oid), `phone ${phone.macAddress} on the line of ${user.email}`).toContain(made.oid);
    }
  }
  expect(dump.persons.length, 'persons').toBe(configuration.users.length);

  const closedLine = dump.phoneLines.find((l) => l.commonName === `${organization.name} closed`);
  expect(Boolean(closedLine), 'a closed line exactly when a department has opening hours').toBe(configuration.departments.some((d) => d.openingHours));
  if (closedLine) expect(closedLine.userPhoneLine.voicemailActive).toBe(true);

  for (const department of configuration.departments) {
    const line = dump.phoneLines.find((l) => l.commonName === department.name);
    expect(line, `line of department ${department.name}`).toBeDefined();
    for (const number of department.internalNumbers) expect(line.extensions.map((e: any) => e.address)).toContain(number);
    const members = department.users.map((email) => userByEmail.get(email).oid).sort();
    expect(line.users.map((u: any) => u.user.oid).sort(), `members of ${department.name}`).toEqual(members);
    for (const relation of line.users) expect([relation.incoming, relation.outgoing], department.name).toEqual([true, false]);
    expect(line.recordCalls, department.name).toBe(department.enableCallRecording);
    department.externalNumbers.forEach((number, i) => {
      const value = numberOf(number, allocated);
      if (i === 0) expect(line.externalNumber, department.name).toBe(value);
      ringing.set(value, line.oid);
    });
    const fallback = department.fallback;
    if (fallback?.type === 'voicemail') expect(line.userPhoneLine.voicemailActive, department.name).toBe(true);
    if (fallback?.type === 'dept') expect(line.defaultFallback?.oid, department.name).toBe(dump.phoneLines.find((l) => l.commonName === fallback.value).oid);
    if (fallback?.type === 'user') expect(line.defaultFallback?.oid, department.name).toBe(personLineOf.get(fallback.value).oid);
    if (department.openingHours) {
      expect(line.dayNightMode, department.name).toMatchObject({ enableDayNightMode: true, nightLine: { oid: closedLine.oid }, timezone: department.openingHours.timezone, holidays: department.openingHours.holidays });
    }
  }

  if (ringing.size > 0) {
    expect(dump.trunks, 'trunks').toHaveLength(1);
    const [trunk] = dump.trunks;
    for (const [number, lineOid] of ringing) {
      expect(trunk.assignedNumbers.filter((a: any) => a.number === number).map((a: any) => a.line?.oid), `trunk number ${number}`).toEqual([lineOid]);
    }
    if (central) expect(trunk.defaultCallerNr).toBe(central);
  }
}
