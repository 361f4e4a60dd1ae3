import { quote } from './configuration.errors.js';

/**
 * The facts of configuration format v1 that both the class-validator DTOs and the published JSON
 * Schema use, so that the two cannot drift apart. Rules are those of the configuration format (docs/configuration.md)
 * ("spec" below); limits that the spec leaves open are marked (ours).
 */

/** The configuration versions this service understands (the format: "version … must be 1"). */
export const SUPPORTED_VERSIONS = [1] as const;

/** The format: at most 2,000 users and 500 departments. */
export const MAX_USERS = 2_000;
export const MAX_DEPARTMENTS = 500;
/** The format: at most 10 phones per user. */
export const MAX_PHONES = 10;
/** (ours) limits on lists the spec leaves open; generous, but they keep one document bounded. */
export const MAX_DEPARTMENT_USERS = MAX_USERS;
export const MAX_DEPARTMENT_INTERNAL_NUMBERS = 100;
export const MAX_DEPARTMENT_EXTERNAL_NUMBERS = 100;
export const MAX_INTERVALS_PER_DAY = 48;
export const MAX_HOLIDAYS = 366;
/** (ours) an external number's value (E.164 number or the label of a new number). */
export const MAX_NUMBER_VALUE_LENGTH = 100;
/** RFC 5321: an address is at most 254 characters. */
export const MAX_EMAIL_LENGTH = 254;
/** The format: names and address parts are at most 100 characters. */
export const MAX_TEXT_LENGTH = 100;

export const ROLES = ['user', 'admin'] as const;
export const LANGUAGES = ['nl', 'en', 'de', 'fr'] as const;
export const FALLBACK_TYPES = ['voicemail', 'dept', 'user'] as const;
export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * An e-mail address (ours: the spec says "a valid e-mail address"). The WHATWG HTML definition of a
 * valid e-mail address, with at least one dot in the domain. The JSON Schema publishes the same
 * pattern, so a client's validator and ours agree exactly.
 */
export const EMAIL_PATTERN =
  "^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

/** spec (internal numbers): 1 to 4 digits, not starting with 0 or 1. */
export const INTERNAL_NUMBER_PATTERN = '^[2-9][0-9]{0,3}$';
/** spec (internal numbers): emergency numbers. */
export const EMERGENCY_NUMBERS = ['112', '911', '999'] as const;
/** spec (internal numbers): reserved numbers. */
export const RESERVED_NUMBERS = ['600', '7000'] as const;

/** spec (phones): 12 hex digits, with or without `:` or `-` separators (one kind per address). */
export const MAC_ADDRESS_PATTERN =
  '^(?:[0-9A-Fa-f]{12}|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5})$';

/**
 * (ours) the shape of a phone number written internationally: `+`, then digits, optionally grouped
 * with spaces, dots, hyphens or parentheses. Whether it is a real number is decided by
 * libphonenumber-js (a document rule, see configuration.rules.ts).
 */
export const INTERNATIONAL_NUMBER_PATTERN = '^\\+[0-9][0-9 ().-]{0,30}$';

/** spec (external numbers): the area code of a new number, digits (ours: 1 to 6 of them). */
export const AREA_CODE_PATTERN = '^[0-9]{1,6}$';

/** spec (opening hours): `HH:MM`, 24-hour. (ours) `to` may also be `24:00`, the end of the day. */
export const TIME_PATTERN = '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$';
export const END_TIME_PATTERN = '^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$';

/** spec (organization): the name has 1–100 characters after trimming (white space as String.trim sees it). */
export const TRIMMED_NAME_PATTERN = '^\\s*\\S(?:[\\s\\S]{0,98}\\S)?\\s*$';

/** ISO 3166-1 alpha-2 country codes (officially assigned), upper case. */
export const COUNTRY_CODES = [
  'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
  'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS',
  'BT', 'BV', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN',
  'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ', 'EC', 'EE',
  'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF',
  'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY', 'HK', 'HM',
  'HN', 'HR', 'HT', 'HU', 'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM',
  'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ', 'LA', 'LB', 'LC',
  'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK',
  'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA',
  'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG',
  'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW',
  'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS',
  'ST', 'SV', 'SX', 'SY', 'SZ', 'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO',
  'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'UM', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI',
  'VN', 'VU', 'WF', 'WS', 'YE', 'YT', 'ZA', 'ZM', 'ZW',
] as const; // prettier-ignore

/** Current names of zones that this Node's ICU may still list under an older name. */
const RENAMED_ZONES = [
  'Europe/Kyiv', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Yangon', 'Asia/Ho_Chi_Minh', 'America/Nuuk',
  'Pacific/Kanton', 'Atlantic/Faroe', 'Pacific/Chuuk', 'Pacific/Pohnpei', 'America/Argentina/Buenos_Aires',
  'America/Indiana/Indianapolis', 'America/Kentucky/Louisville', 'Asia/Ulaanbaatar', 'Africa/Asmara',
  'America/Atikokan', 'Asia/Qostanay',
];

function acceptedByIntl(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * spec (opening hours): "an IANA zone". The zones this runtime's ICU knows (canonical names, plus
 * `UTC`/`Etc/UTC` and current names of renamed zones); the JSON Schema publishes the same list.
 */
export const TIME_ZONES: readonly string[] = [
  ...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', ...RENAMED_ZONES.filter(acceptedByIntl)]),
].sort();
export const TIME_ZONE_SET: ReadonlySet<string> = new Set(TIME_ZONES);

/**
 * A calendar date `YYYY-MM-DD` that exists (2026-02-29 does not). The same check as the JSON Schema
 * format "date" (RFC 3339 full-date) in ajv-formats.
 */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d\d\d\d)-(\d\d)-(\d\d)$/.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

/** Length in Unicode code points, as JSON Schema's minLength/maxLength count it. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length++;
  return length;
}

/** Why a string is not an internal number, or undefined when it is one (the format: internal numbers). */
export function internalNumberProblem(value: string): string | undefined {
  if ((EMERGENCY_NUMBERS as readonly string[]).includes(value)) return `${value} is an emergency number and cannot be an internal number`;
  if ((RESERVED_NUMBERS as readonly string[]).includes(value)) return `${value} is a reserved number and cannot be an internal number`;
  if (!INTERNAL_NUMBER.test(value)) return `${quote(value)} is not an internal number: use 1 to 4 digits, not starting with 0 or 1`;
  return undefined;
}

const INTERNAL_NUMBER = new RegExp(INTERNAL_NUMBER_PATTERN, 'u');
