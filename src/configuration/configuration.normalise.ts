import { canonicalMac } from '../common/mac-address.js';
import { WEEKDAYS } from './configuration.constants.js';
import type { RulesResult } from './configuration.rules.js';
import type {
  Configuration,
  ConfigurationDepartment,
  ConfigurationOrganization,
  ConfigurationPhone,
  ConfigurationUser,
  ExternalNumber,
  Fallback,
  OpeningHours,
  OpeningInterval,
} from './configuration.types.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document has been validated: its shape is known */

/**
 * The normalised form of a VALID document (see configuration.types.ts): defaults applied, e-mails
 * lower case, numbers E.164 (`e164`: by pointer, computed by the rules), MAC addresses `AA:BB:…`,
 * the organization name trimmed. Builds new plain objects; the input is not modified.
 */
export function normalise(document: any, numbers: Pick<RulesResult, 'numberE164' | 'mobileE164'>): Configuration {
  const external = (value: any): ExternalNumber => {
    const isNew = value.new === true;
    return {
      new: isNew,
      value: isNew ? value.value : (numbers.numberE164.get(value) ?? value.value),
      ...(value.country !== undefined ? { country: value.country } : {}),
      ...(value.area !== undefined ? { area: value.area } : {}),
    };
  };

  const source = document.organization;
  const organization: ConfigurationOrganization = { name: source.name.trim() };
  if (source.email !== undefined) organization.email = source.email.toLowerCase();
  for (const key of ['street', 'number', 'numberAddition', 'zipCode', 'city', 'country'] as const) {
    if (source[key] !== undefined) organization[key] = source[key];
  }
  if (source.centralPhoneNumber !== undefined) {
    const isNew = source.centralPhoneNumber.new === true;
    organization.centralPhoneNumber = {
      new: isNew,
      value: isNew ? source.centralPhoneNumber.value : (numbers.numberE164.get(source.centralPhoneNumber) ?? source.centralPhoneNumber.value),
    };
  }

  const users: ConfigurationUser[] = (document.users ?? []).map((user: any): ConfigurationUser => {
    const result: ConfigurationUser = {
      email: user.email.toLowerCase(),
      ...(user.firstName !== undefined ? { firstName: user.firstName } : {}),
      lastName: user.lastName,
      role: user.role ?? 'user',
      ...(user.language !== undefined ? { language: user.language } : {}),
      ...(user.internalNumber !== undefined ? { internalNumber: user.internalNumber } : {}),
      ...(user.externalNumber !== undefined ? { externalNumber: external(user.externalNumber) } : {}),
      ...(user.mobileNumber !== undefined ? { mobileNumber: numbers.mobileE164.get(user) ?? user.mobileNumber } : {}),
      voicemail: user.voicemail ?? true,
      phones: (user.phones ?? []).map(
        (phone: any): ConfigurationPhone => ({ macAddress: macAddress(phone.macAddress), model: phone.model }),
      ),
    };
    return result;
  });

  const departmentNames = new Map<string, string>();
  for (const department of document.departments ?? []) departmentNames.set(department.name.toLowerCase(), department.name);

  const departments: ConfigurationDepartment[] = (document.departments ?? []).map((department: any) => {
    const result: ConfigurationDepartment = {
      name: department.name,
      users: (department.users ?? []).map((email: string) => email.toLowerCase()),
      enableCallRecording: department.enableCallRecording ?? false,
      internalNumbers: [...(department.internalNumbers ?? [])],
      externalNumbers: (department.externalNumbers ?? []).map((value: any) => external(value)),
    };
    if (department.fallback !== undefined) result.fallback = fallback(department.fallback, departmentNames);
    if (department.openingHours !== undefined) result.openingHours = openingHours(department.openingHours);
    return result;
  });

  return { version: 1, organization, users, departments };
}

/** `80-5e-c0-12-34-56`, `805EC0123456` → `80:5E:C0:12:34:56`. */
export function macAddress(value: string): string {
  // Valid by now (the schema's pattern): canonicalMac cannot answer null here.
  return canonicalMac(value) ?? value;
}

function fallback(value: any, departmentNames: Map<string, string>): Fallback {
  if (value.type === 'dept') return { type: 'dept', value: departmentNames.get(value.value.toLowerCase()) ?? value.value };
  if (value.type === 'user') return { type: 'user', value: value.value.toLowerCase() };
  return { type: 'voicemail' };
}

function openingHours(value: any): OpeningHours {
  const days: OpeningHours['days'] = {};
  for (const day of WEEKDAYS) {
    if (value.days?.[day] === undefined) continue;
    days[day] = value.days[day]
      .map((interval: any): OpeningInterval => ({ from: interval.from, to: interval.to }))
      .sort((a: OpeningInterval, b: OpeningInterval) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  }
  return { timezone: value.timezone, days, holidays: [...(value.holidays ?? [])] };
}
