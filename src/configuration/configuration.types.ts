/**
 * A valid configuration (format v1), normalised: what the provisioning steps read. Plain,
 * JSON-serialisable data (orders store it as jsonb). Compared with the submitted document:
 * defaults are applied, e-mails are lower case (also where departments and fallbacks refer to
 * users), existing external numbers and mobile numbers are E.164, MAC addresses are upper case
 * with `:`, the organization name is trimmed, and department fallbacks name the department as
 * it is defined (references are case-insensitive).
 */
export interface Configuration {
  version: 1;
  organization: ConfigurationOrganization;
  /** Default []. */
  users: ConfigurationUser[];
  /** Default []. */
  departments: ConfigurationDepartment[];
}

export interface ConfigurationOrganization {
  /** Trimmed. */
  name: string;
  /** Lower case. */
  email?: string;
  street?: string;
  number?: string;
  numberAddition?: string;
  zipCode?: string;
  city?: string;
  /** ISO 3166-1 alpha-2. */
  country?: string;
  /** One of the external numbers (same `new`, same normalised `value`). */
  centralPhoneNumber?: PhoneNumberReference;
}

export interface PhoneNumberReference {
  new: boolean;
  /** E.164 when `new` is false; the label otherwise. */
  value: string;
}

export interface ExternalNumber {
  /** Default false. */
  new: boolean;
  /** E.164 for an existing number (`new: false`); the label of a number still to be ordered otherwise. */
  value: string;
  /** Set for new numbers (and kept when given for an existing one). */
  country?: string;
  area?: string;
}

export type Role = 'user' | 'admin';
export type Language = 'nl' | 'en' | 'de' | 'fr';

export interface ConfigurationUser {
  /** Lower case; unique. */
  email: string;
  firstName?: string;
  lastName: string;
  /** Default 'user'. */
  role: Role;
  language?: Language;
  internalNumber?: string;
  externalNumber?: ExternalNumber;
  /** E.164. */
  mobileNumber?: string;
  /** Default true. */
  voicemail: boolean;
  /** Default []. */
  phones: ConfigurationPhone[];
}

export interface ConfigurationPhone {
  /** Upper case, `:`-separated: `80:5E:C0:12:34:56`. */
  macAddress: string;
  model: string;
}

export type Fallback =
  | { type: 'voicemail' }
  /** `value`: the department's name as defined in `departments`. */
  | { type: 'dept'; value: string }
  /** `value`: the user's e-mail, lower case. */
  | { type: 'user'; value: string };

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface OpeningInterval {
  /** HH:MM. */
  from: string;
  /** HH:MM, or 24:00 for the end of the day. */
  to: string;
}

export interface OpeningHours {
  /** IANA time zone. */
  timezone: string;
  /** Only the days given; a day that is absent (or empty) is closed. Intervals sorted by `from`. */
  days: Partial<Record<Weekday, OpeningInterval[]>>;
  /** YYYY-MM-DD, closed all day. Default []. */
  holidays: string[];
}

export interface ConfigurationDepartment {
  name: string;
  /** User e-mails, lower case. Default []. */
  users: string[];
  /** Default false. */
  enableCallRecording: boolean;
  fallback?: Fallback;
  /** Default []. */
  internalNumbers: string[];
  /** Default []. */
  externalNumbers: ExternalNumber[];
  openingHours?: OpeningHours;
}
