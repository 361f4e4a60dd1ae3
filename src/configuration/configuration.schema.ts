import {
  AREA_CODE_PATTERN,
  COUNTRY_CODES,
  EMAIL_PATTERN,
  EMERGENCY_NUMBERS,
  END_TIME_PATTERN,
  FALLBACK_TYPES,
  INTERNAL_NUMBER_PATTERN,
  INTERNATIONAL_NUMBER_PATTERN,
  LANGUAGES,
  MAC_ADDRESS_PATTERN,
  MAX_DEPARTMENT_EXTERNAL_NUMBERS,
  MAX_DEPARTMENT_INTERNAL_NUMBERS,
  MAX_DEPARTMENT_USERS,
  MAX_DEPARTMENTS,
  MAX_EMAIL_LENGTH,
  MAX_HOLIDAYS,
  MAX_INTERVALS_PER_DAY,
  MAX_NUMBER_VALUE_LENGTH,
  MAX_PHONES,
  MAX_TEXT_LENGTH,
  MAX_USERS,
  RESERVED_NUMBERS,
  ROLES,
  SUPPORTED_VERSIONS,
  TIME_PATTERN,
  TIME_ZONES,
  TRIMMED_NAME_PATTERN,
  WEEKDAYS,
} from './configuration.constants.js';

/**
 * The JSON Schema (draft 2020-12) of configuration format v1, served at GET /api/v1/schema/configuration.
 *
 * It states the same STRUCTURE as the DTOs in dto/configuration.dto.ts (built from the same constants
 * in configuration.constants.ts). What JSON Schema cannot state is in configuration.rules.ts (the
 * "document rules"): uniqueness, references, fallback loops, the central number, phone numbers valid
 * for a country (libphonenumber-js), and opening-hours intervals (from < to, no overlap).
 * Agreement, proved by test/unit/configuration-schema.spec.ts on every example and every fuzz case:
 * the schema accepts a document exactly when the validator finds no structure error in it. So a
 * document the schema rejects is rejected by the service, and a document the schema accepts is
 * rejected by the service only for document rules.
 */
export const CONFIGURATION_SCHEMA_ID = 'https://xelion-provisioning.example/schemas/configuration-v1.json';

const string = (minLength: number, maxLength: number) => ({ type: 'string', minLength, maxLength });
const optionalText = { type: 'string', maxLength: MAX_TEXT_LENGTH };
const email = { type: 'string', minLength: 1, maxLength: MAX_EMAIL_LENGTH, pattern: EMAIL_PATTERN };
const internalNumber = {
  type: 'string',
  pattern: INTERNAL_NUMBER_PATTERN,
  not: { enum: [...EMERGENCY_NUMBERS, ...RESERVED_NUMBERS] },
};

export const CONFIGURATION_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: CONFIGURATION_SCHEMA_ID,
  title: 'Xelion Configurator configuration, version 1',
  description:
    'The body of POST /api/v1/provision and POST /api/v1/provision/test. Rules that span the document (unique e-mails, ' +
    'department names, internal and external numbers and MAC addresses; references to users and departments; fallback ' +
    'loops; the central number; phone numbers valid for the organization\'s country; opening-hours intervals) are ' +
    'checked by the service only: test with POST /api/v1/provision/test.',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'organization'],
  properties: {
    version: { const: SUPPORTED_VERSIONS[0], description: 'Supported versions: ' + SUPPORTED_VERSIONS.join(', ') },
    organization: { $ref: '#/$defs/organization' },
    users: { type: 'array', maxItems: MAX_USERS, items: { $ref: '#/$defs/user' }, default: [] },
    departments: { type: 'array', maxItems: MAX_DEPARTMENTS, items: { $ref: '#/$defs/department' }, default: [] },
  },
  $defs: {
    country: { enum: [...COUNTRY_CODES], description: 'ISO 3166-1 alpha-2, upper case' },
    externalNumber: {
      type: 'object',
      additionalProperties: false,
      required: ['value'],
      properties: {
        new: { type: 'boolean', default: false, description: 'true: a number still to be ordered' },
        value: { ...string(1, MAX_NUMBER_VALUE_LENGTH), description: 'An existing number (valid for the organization\'s country), or the label of a new one' },
        country: { $ref: '#/$defs/country' },
        area: { type: 'string', pattern: AREA_CODE_PATTERN, description: 'Area code, digits' },
      },
      if: { required: ['new'], properties: { new: { const: true } } },
      then: { required: ['country', 'area'] },
    },
    centralPhoneNumber: {
      type: 'object',
      additionalProperties: false,
      required: ['value'],
      properties: {
        new: { type: 'boolean', default: false },
        value: string(1, MAX_NUMBER_VALUE_LENGTH),
      },
      description: 'Required as soon as any external number is defined; must equal one of them (same new, same value)',
    },
    organization: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', pattern: TRIMMED_NAME_PATTERN, description: '1–100 characters after trimming' },
        email,
        street: optionalText,
        number: optionalText,
        numberAddition: optionalText,
        zipCode: optionalText,
        city: optionalText,
        country: { $ref: '#/$defs/country' },
        centralPhoneNumber: { $ref: '#/$defs/centralPhoneNumber' },
      },
    },
    phone: {
      type: 'object',
      additionalProperties: false,
      required: ['macAddress', 'model'],
      properties: {
        macAddress: { type: 'string', pattern: MAC_ADDRESS_PATTERN, description: 'Unique in the configuration' },
        model: string(1, MAX_TEXT_LENGTH),
      },
    },
    user: {
      type: 'object',
      additionalProperties: false,
      required: ['email', 'lastName'],
      properties: {
        email: { ...email, description: 'Unique (case-insensitive); the Xelion user name' },
        firstName: optionalText,
        lastName: string(1, MAX_TEXT_LENGTH),
        role: { enum: [...ROLES], default: 'user' },
        language: { enum: [...LANGUAGES] },
        internalNumber: { ...internalNumber, description: 'Unique in the configuration' },
        externalNumber: { $ref: '#/$defs/externalNumber' },
        mobileNumber: { type: 'string', pattern: INTERNATIONAL_NUMBER_PATTERN, description: 'A valid number in international form' },
        voicemail: { type: 'boolean', default: true },
        phones: { type: 'array', maxItems: MAX_PHONES, items: { $ref: '#/$defs/phone' } },
      },
    },
    fallback: {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: { enum: [...FALLBACK_TYPES] },
        value: { ...string(1, MAX_EMAIL_LENGTH), description: 'A department name (type "dept") or a user e-mail (type "user")' },
      },
      allOf: [
        { if: { required: ['type'], properties: { type: { const: 'voicemail' } } }, then: { not: { required: ['value'] } } },
        { if: { required: ['type'], properties: { type: { enum: ['dept', 'user'] } } }, then: { required: ['value'] } },
      ],
    },
    interval: {
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: {
        from: { type: 'string', pattern: TIME_PATTERN },
        to: { type: 'string', pattern: END_TIME_PATTERN, description: 'After from; 24:00 is the end of the day' },
      },
    },
    openingHours: {
      type: 'object',
      additionalProperties: false,
      required: ['timezone'],
      properties: {
        timezone: { enum: [...TIME_ZONES], description: 'An IANA time zone' },
        days: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            WEEKDAYS.map((day) => [day, { type: 'array', maxItems: MAX_INTERVALS_PER_DAY, items: { $ref: '#/$defs/interval' } }]),
          ),
        },
        holidays: { type: 'array', maxItems: MAX_HOLIDAYS, items: { type: 'string', format: 'date' } },
      },
    },
    department: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { ...string(1, MAX_TEXT_LENGTH), description: 'Unique (case-insensitive)' },
        users: { type: 'array', maxItems: MAX_DEPARTMENT_USERS, items: { type: 'string' }, description: 'E-mails of users defined in users' },
        enableCallRecording: { type: 'boolean', default: false },
        fallback: { $ref: '#/$defs/fallback' },
        internalNumbers: { type: 'array', maxItems: MAX_DEPARTMENT_INTERNAL_NUMBERS, items: internalNumber },
        externalNumbers: { type: 'array', maxItems: MAX_DEPARTMENT_EXTERNAL_NUMBERS, items: { $ref: '#/$defs/externalNumber' } },
        openingHours: { $ref: '#/$defs/openingHours' },
      },
    },
  },
} as const;
