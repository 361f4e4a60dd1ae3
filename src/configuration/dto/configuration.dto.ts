import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ValidateNested, type ValidationArguments } from 'class-validator';
import {
  AREA_CODE_PATTERN,
  COUNTRY_CODES,
  EMAIL_PATTERN,
  END_TIME_PATTERN,
  FALLBACK_TYPES,
  INTERNATIONAL_NUMBER_PATTERN,
  internalNumberProblem,
  isCalendarDate,
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
  ROLES,
  SUPPORTED_VERSIONS,
  TIME_PATTERN,
  TIME_ZONES,
  TRIMMED_NAME_PATTERN,
} from '../configuration.constants.js';
import {
  ArrayItems,
  CodePoints,
  ForbiddenWhen,
  IsArrayValue,
  IsBooleanValue,
  IsOneOf,
  IsPlainObject,
  IsStringValue,
  MatchesPattern,
  MaxItems,
  OptionalProperty,
  OptionalUnless,
  Required,
  StringCheck,
  objectItem,
  stringItem,
  type ItemCheck,
} from '../configuration.decorators.js';
import { describeType, quote } from '../configuration.errors.js';

/**
 * The structure of configuration format v1 (docs/configuration.md). Rules that span the
 * document (uniqueness, references, the central number, phone numbers for the organization's
 * country, opening-hours intervals) are in configuration.rules.ts. These classes are the one
 * definition of the format's shape: the normalised types (configuration.types.ts) are derived from
 * them, and the published JSON Schema (configuration.schema.ts), written by hand for its messages and
 * `$defs`, is proven to accept exactly the documents they accept (test/unit/configuration-schema.spec.ts
 * over the examples, test/unit/configuration-fuzz.spec.ts over thousands of generated documents).
 */

const list = (values: readonly string[]) => values.map((value) => `"${value}"`).join(', ');
const email = (property: string) => (args: ValidationArguments) => `${quote(args.value)} is not a valid e-mail address (${property})`;

function countryCode(): PropertyDecorator {
  return IsOneOf(COUNTRY_CODES, (args) => `${args.property} must be an ISO 3166-1 alpha-2 country code in upper case (such as "NL"), not ${typeof args.value === 'string' ? quote(args.value) : describeType(args.value)}`);
}

function internalNumber(): PropertyDecorator {
  return StringCheck('internalNumber', internalNumberProblem);
}

const internalNumberItem: ItemCheck = (item) => (typeof item === 'string' ? internalNumberProblem(item) : stringItem(item));
const holidayItem: ItemCheck = (item) =>
  typeof item !== 'string' ? stringItem(item) : isCalendarDate(item) ? undefined : `${quote(item)} is not a date in the form YYYY-MM-DD`;

const isNew = (object: Record<string, unknown>) => object.new === true;

/** An external number (the format: "External numbers"). */
export class ExternalNumberDto {
  @ApiPropertyOptional({ default: false, description: 'true: a number still to be ordered; false: an existing number' })
  @OptionalProperty()
  @IsBooleanValue()
  new?: boolean;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_NUMBER_VALUE_LENGTH,
    example: '+31152001000',
    description: 'An existing number (valid for the organization\'s country; normalised to E.164), or the label of a new one',
  })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_NUMBER_VALUE_LENGTH)
  value: string;

  @ApiPropertyOptional({ enum: COUNTRY_CODES, description: 'ISO 3166-1 alpha-2; required for a new number' })
  @OptionalUnless(isNew)
  @Required('"country" is required for a new number (new: true)')
  @countryCode()
  country?: string;

  @ApiPropertyOptional({ pattern: AREA_CODE_PATTERN, example: '015', description: 'Area code (digits); required for a new number' })
  @OptionalUnless(isNew)
  @Required('"area" is required for a new number (new: true)')
  @IsStringValue()
  @MatchesPattern(AREA_CODE_PATTERN, (args) => `${quote(args.value)} is not an area code: use 1 to 6 digits`)
  area?: string;
}

/** spec (organization.centralPhoneNumber): one of the external numbers, by `new` and `value`. */
export class CentralPhoneNumberDto {
  @ApiPropertyOptional({ default: false })
  @OptionalProperty()
  @IsBooleanValue()
  new?: boolean;

  @ApiProperty({ minLength: 1, maxLength: MAX_NUMBER_VALUE_LENGTH, example: '+31152001000' })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_NUMBER_VALUE_LENGTH)
  value: string;
}

export class OrganizationDto {
  @ApiProperty({ maxLength: MAX_TEXT_LENGTH, example: 'Fairy Tail', description: '1–100 characters after trimming' })
  @Required()
  @IsStringValue()
  @MatchesPattern(TRIMMED_NAME_PATTERN, 'name must be 1 to 100 characters long, not counting white space at either end')
  name: string;

  @ApiPropertyOptional({ maxLength: MAX_EMAIL_LENGTH, example: 'info@fairytail.example' })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(1, MAX_EMAIL_LENGTH)
  @MatchesPattern(EMAIL_PATTERN, email('organization e-mail'))
  email?: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  street?: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  number?: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  numberAddition?: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  zipCode?: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  city?: string;

  @ApiPropertyOptional({ enum: COUNTRY_CODES, example: 'NL' })
  @OptionalProperty()
  @countryCode()
  country?: string;

  @ApiPropertyOptional({
    type: CentralPhoneNumberDto,
    description: 'Required as soon as any external number is defined; must equal one of them',
  })
  @OptionalProperty()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => CentralPhoneNumberDto)
  centralPhoneNumber?: CentralPhoneNumberDto;
}

export class PhoneDto {
  @ApiProperty({ example: '80:5E:C0:12:34:56', description: '12 hex digits, with or without : or - separators' })
  @Required()
  @IsStringValue()
  @MatchesPattern(MAC_ADDRESS_PATTERN, (args) => `${quote(args.value)} is not a MAC address: use 12 hexadecimal digits, optionally separated by : or -`)
  macAddress: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_TEXT_LENGTH, example: 'Yealink T54W' })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_TEXT_LENGTH)
  model: string;
}

export class UserDto {
  @ApiProperty({ maxLength: MAX_EMAIL_LENGTH, example: 'natsu@fairytail.example', description: 'Unique (case-insensitive); the Xelion user name' })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_EMAIL_LENGTH)
  @MatchesPattern(EMAIL_PATTERN, email('user e-mail'))
  email: string;

  @ApiPropertyOptional({ maxLength: MAX_TEXT_LENGTH })
  @OptionalProperty()
  @IsStringValue()
  @CodePoints(0, MAX_TEXT_LENGTH)
  firstName?: string;

  @ApiProperty({ minLength: 1, maxLength: MAX_TEXT_LENGTH })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_TEXT_LENGTH)
  lastName: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'user' })
  @OptionalProperty()
  @IsOneOf(ROLES, `role must be one of ${list(ROLES)}`)
  role?: (typeof ROLES)[number];

  @ApiPropertyOptional({ enum: LANGUAGES })
  @OptionalProperty()
  @IsOneOf(LANGUAGES, `language must be one of ${list(LANGUAGES)}`)
  language?: (typeof LANGUAGES)[number];

  @ApiPropertyOptional({ example: '201', description: '1–4 digits, not starting with 0 or 1; not 112, 911, 999, 600 or 7000; unique' })
  @OptionalProperty()
  @IsStringValue()
  @internalNumber()
  internalNumber?: string;

  @ApiPropertyOptional({ type: ExternalNumberDto })
  @OptionalProperty()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => ExternalNumberDto)
  externalNumber?: ExternalNumberDto;

  @ApiPropertyOptional({ example: '+31612345678', description: 'International form (+…); normalised to E.164' })
  @OptionalProperty()
  @IsStringValue()
  @MatchesPattern(INTERNATIONAL_NUMBER_PATTERN, (args) => `${quote(args.value)} is not a phone number in international form (+ and the country code)`)
  mobileNumber?: string;

  @ApiPropertyOptional({ default: true })
  @OptionalProperty()
  @IsBooleanValue()
  voicemail?: boolean;

  @ApiPropertyOptional({ type: [PhoneDto], maxItems: MAX_PHONES })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_PHONES)
  @ArrayItems(objectItem)
  @ValidateNested({ each: true })
  @Type(() => PhoneDto)
  phones?: PhoneDto[];
}

export class FallbackDto {
  @ApiProperty({ enum: FALLBACK_TYPES })
  @Required()
  @IsOneOf(FALLBACK_TYPES, `type must be one of ${list(FALLBACK_TYPES)}`)
  type: (typeof FALLBACK_TYPES)[number];

  @ApiPropertyOptional({ description: 'The department name (type "dept") or user e-mail (type "user"); absent for "voicemail"' })
  @OptionalUnless((object) => object.type === 'dept' || object.type === 'user')
  @Required((args) => `"value" is required for a fallback of type ${quote((args.object as FallbackDto).type)}`)
  @ForbiddenWhen((object) => object.type === 'voicemail', 'a fallback of type "voicemail" has no value')
  @IsStringValue()
  @CodePoints(1, MAX_EMAIL_LENGTH)
  value?: string;
}

export class IntervalDto {
  @ApiProperty({ example: '09:00', pattern: TIME_PATTERN })
  @Required()
  @IsStringValue()
  @MatchesPattern(TIME_PATTERN, (args) => `${quote(args.value)} is not a time of day in the form HH:MM (00:00 to 23:59)`)
  from: string;

  @ApiProperty({ example: '17:30', pattern: END_TIME_PATTERN, description: 'HH:MM, or 24:00 for the end of the day' })
  @Required()
  @IsStringValue()
  @MatchesPattern(END_TIME_PATTERN, (args) => `${quote(args.value)} is not a time of day in the form HH:MM (00:00 to 24:00)`)
  to: string;
}

function dayIntervals(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ type: [IntervalDto], maxItems: MAX_INTERVALS_PER_DAY })(target, key);
    OptionalProperty()(target, key);
    IsArrayValue()(target, key);
    MaxItems(MAX_INTERVALS_PER_DAY)(target, key);
    ArrayItems(objectItem)(target, key);
    ValidateNested({ each: true })(target, key);
    Type(() => IntervalDto)(target, key);
  };
}

/** (ours) keys monday … sunday, each a list of opening intervals. */
export class DaysDto {
  @dayIntervals() monday?: IntervalDto[];
  @dayIntervals() tuesday?: IntervalDto[];
  @dayIntervals() wednesday?: IntervalDto[];
  @dayIntervals() thursday?: IntervalDto[];
  @dayIntervals() friday?: IntervalDto[];
  @dayIntervals() saturday?: IntervalDto[];
  @dayIntervals() sunday?: IntervalDto[];
}

/** (ours for the inner shape) when a department answers; outside these hours calls go to the "closed" line. */
export class OpeningHoursDto {
  @ApiProperty({ example: 'Europe/Amsterdam', description: 'An IANA time zone' })
  @Required()
  @IsStringValue()
  @IsOneOf(TIME_ZONES, (args) => `${quote(args.value)} is not an IANA time zone (such as "Europe/Amsterdam")`)
  timezone: string;

  @ApiPropertyOptional({ type: DaysDto })
  @OptionalProperty()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => DaysDto)
  days?: DaysDto;

  @ApiPropertyOptional({ type: [String], example: ['2026-12-25'], maxItems: MAX_HOLIDAYS, description: 'Dates (YYYY-MM-DD), closed all day' })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_HOLIDAYS)
  @ArrayItems(holidayItem)
  holidays?: string[];
}

export class DepartmentDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_TEXT_LENGTH, example: 'Sales', description: 'Unique (case-insensitive)' })
  @Required()
  @IsStringValue()
  @CodePoints(1, MAX_TEXT_LENGTH)
  name: string;

  @ApiPropertyOptional({ type: [String], example: ['natsu@fairytail.example'], description: 'E-mails of users defined in `users`' })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_DEPARTMENT_USERS)
  @ArrayItems(stringItem)
  users?: string[];

  @ApiPropertyOptional({ default: false })
  @OptionalProperty()
  @IsBooleanValue()
  enableCallRecording?: boolean;

  @ApiPropertyOptional({ type: FallbackDto })
  @OptionalProperty()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => FallbackDto)
  fallback?: FallbackDto;

  @ApiPropertyOptional({ type: [String], example: ['200'], maxItems: MAX_DEPARTMENT_INTERNAL_NUMBERS })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_DEPARTMENT_INTERNAL_NUMBERS)
  @ArrayItems(internalNumberItem)
  internalNumbers?: string[];

  @ApiPropertyOptional({ type: [ExternalNumberDto], maxItems: MAX_DEPARTMENT_EXTERNAL_NUMBERS })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_DEPARTMENT_EXTERNAL_NUMBERS)
  @ArrayItems(objectItem)
  @ValidateNested({ each: true })
  @Type(() => ExternalNumberDto)
  externalNumbers?: ExternalNumberDto[];

  @ApiPropertyOptional({ type: OpeningHoursDto })
  @OptionalProperty()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => OpeningHoursDto)
  openingHours?: OpeningHoursDto;
}

/** A configuration, format version 1 (the body of POST /api/v1/provision and /api/v1/provision/test). */
export class ConfigurationDto {
  @ApiProperty({ enum: SUPPORTED_VERSIONS, example: 1 })
  @Required()
  @IsOneOf(
    SUPPORTED_VERSIONS,
    (args) =>
      `version ${typeof args.value === 'number' ? String(args.value) : typeof args.value === 'string' ? quote(args.value) : describeType(args.value)} is not supported; supported versions: ${SUPPORTED_VERSIONS.join(', ')}`,
  )
  version: (typeof SUPPORTED_VERSIONS)[number];

  @ApiProperty({ type: OrganizationDto })
  @Required()
  @IsPlainObject()
  @ValidateNested()
  @Type(() => OrganizationDto)
  organization: OrganizationDto;

  @ApiPropertyOptional({ type: [UserDto], maxItems: MAX_USERS, default: [] })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_USERS)
  @ArrayItems(objectItem)
  @ValidateNested({ each: true })
  @Type(() => UserDto)
  users?: UserDto[];

  @ApiPropertyOptional({ type: [DepartmentDto], maxItems: MAX_DEPARTMENTS, default: [] })
  @OptionalProperty()
  @IsArrayValue()
  @MaxItems(MAX_DEPARTMENTS)
  @ArrayItems(objectItem)
  @ValidateNested({ each: true })
  @Type(() => DepartmentDto)
  departments?: DepartmentDto[];
}
