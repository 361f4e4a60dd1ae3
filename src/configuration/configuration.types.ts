import type {
  CentralPhoneNumberDto,
  ConfigurationDto,
  DaysDto,
  DepartmentDto,
  ExternalNumberDto,
  FallbackDto,
  IntervalDto,
  OpeningHoursDto,
  OrganizationDto,
  PhoneDto,
  UserDto,
} from './dto/configuration.dto.js';

/**
 * A valid configuration (format v1), normalised (configuration.normalise.ts): what the provisioning
 * steps read. The shape is the DTO classes' (dto/configuration.dto.ts, the one definition of the
 * format): these types only say what normalisation changes. Defaults are applied (so those properties
 * are always present), e-mails are lower case (also where departments and fallbacks refer to users),
 * existing external numbers and mobile numbers are E.164, MAC addresses are upper case with `:`, the
 * organization name is trimmed, department fallbacks name the department as it is defined, and
 * opening-hours intervals are sorted. Plain, JSON-serialisable data (orders store it as jsonb).
 */

/** `T` with the properties `K` (those normalisation gives a default) required, and `Replaced` put in their place. */
type Normalised<T, K extends keyof T = never, Replaced = unknown> = Omit<T, K | keyof Replaced> & Required<Pick<T, Exclude<K, keyof Replaced>>> & Replaced;

/** E.164 `value` for an existing number (`new: false`); the label of a number still to be ordered otherwise. `new` defaults to false. */
export type ExternalNumber = Normalised<ExternalNumberDto, 'new'>;

/** One of the external numbers (same `new`, same normalised `value`). */
export type PhoneNumberReference = Normalised<CentralPhoneNumberDto, 'new'>;

export type ConfigurationOrganization = Normalised<OrganizationDto, never, { centralPhoneNumber?: PhoneNumberReference }>;

/** `macAddress` upper case, `:`-separated: `80:5E:C0:12:34:56`. */
export type ConfigurationPhone = Normalised<PhoneDto>;

export type Role = NonNullable<UserDto['role']>;
export type Language = NonNullable<UserDto['language']>;

/** Defaults: role 'user', voicemail true, phones []. */
export type ConfigurationUser = Normalised<UserDto, 'role' | 'voicemail', { externalNumber?: ExternalNumber; phones: ConfigurationPhone[] }>;

/** `value`: the department's name as defined in `departments` (type `dept`), or the user's e-mail, lower case (type `user`); none for `voicemail`. */
export type Fallback = {
  [Type in FallbackDto['type']]: Type extends 'voicemail' ? { type: Type } : { type: Type; value: string };
}[FallbackDto['type']];

export type Weekday = keyof DaysDto;

/** `from` HH:MM; `to` HH:MM, or 24:00 for the end of the day. */
export type OpeningInterval = Normalised<IntervalDto>;

/** Only the days given (a day that is absent or empty is closed), intervals sorted by `from`. Default: no days, holidays []. */
export type OpeningHours = Normalised<OpeningHoursDto, 'holidays', { days: Partial<Record<Weekday, OpeningInterval[]>> }>;

/** Defaults: users [], enableCallRecording false, internalNumbers []; externalNumbers []. */
export type ConfigurationDepartment = Normalised<
  DepartmentDto,
  'users' | 'enableCallRecording' | 'internalNumbers',
  { externalNumbers: ExternalNumber[]; fallback?: Fallback; openingHours?: OpeningHours }
>;

/** Users and departments default to []. */
export type Configuration = Normalised<
  ConfigurationDto,
  never,
  { version: ConfigurationDto['version']; organization: ConfigurationOrganization; users: ConfigurationUser[]; departments: ConfigurationDepartment[] }
>;
