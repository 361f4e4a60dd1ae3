import { Injectable } from '@nestjs/common';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { isCalendarDate } from './configuration.constants.js';
import { ARRAY_ITEMS, REQUIRED, TYPE_CONSTRAINTS, type ItemCheck } from './configuration.decorators.js';
import {
  compareErrors,
  describeType,
  MAX_REPORTED_ERRORS,
  quote,
  toPointer,
  type ClassifiedError,
  type ConfigurationError,
} from './configuration.errors.js';
import { normalise } from './configuration.normalise.js';
import { checkDocumentRules } from './configuration.rules.js';
import { CONFIGURATION_SCHEMA } from './configuration.schema.js';
import type { Configuration } from './configuration.types.js';
import { ConfigurationDto } from './dto/configuration.dto.js';

export type ValidationResult = { valid: true; configuration: Configuration } | { valid: false; errors: ConfigurationError[] };

type Json = Record<string, unknown>;

/**
 * Containers deeper than this are never valid in format v1 (the deepest legitimate one is an
 * opening-hours interval at depth 6), so their content is not looked at: it is replaced by an
 * empty container of the same kind. The error is reported where the container is, which is enough
 * to say what is wrong, and no recursive library can overflow the stack on a hostile document.
 */
const MAX_CONTAINER_DEPTH = 8;
/** No array of the format may have more than 2,000 entries; longer ones are cut (the size error is still reported). */
const MAX_ARRAY_LENGTH = 2_001;
/** Property names that would reach into prototypes (`__proto__`, `constructor`, `hasOwnProperty`, …): never valid here. */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * The published JSON Schema, compiled: a fast first pass. test/unit/configuration-schema.spec.ts
 * proves on every example and thousands of fuzz cases that it accepts a document exactly when the
 * DTOs find no structure error, so a document it accepts skips class-transformer and
 * class-validator (which cost ~100 ms for 2,000 users); a document it rejects goes through them
 * for the errors. `date` is the same check as ajv-formats' "date".
 */
const structureIsValid = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, unicodeRegExp: true })
  .addFormat('date', isCalendarDate)
  .compile(CONFIGURATION_SCHEMA);

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Validates configurations (format v1, ../shared/spec/configuration-v1.md) and normalises valid
 * ones. Synchronous and allocation-light: a 2,000-user document takes a few tens of milliseconds
 * (bench/validation.bench.ts). Never throws on any input.
 */
@Injectable()
export class ConfigurationValidator {
  validate(input: unknown): ValidationResult {
    const result = this.validateClassified(input);
    if (result.valid) return result;
    return { valid: false, errors: result.errors.map(({ path, message }) => ({ path, message })) };
  }

  /**
   * As validate(), but each error says which layer found it: `structure` (what the published JSON
   * Schema also states) or `document` (rules spanning the document, or that JSON Schema cannot
   * express). The schema agreement test relies on this split.
   */
  validateClassified(input: unknown): { valid: true; configuration: Configuration } | { valid: false; errors: ClassifiedError[] } {
    if (!isObject(input)) {
      const message =
        input === undefined
          ? 'the request body is empty: send the configuration as a JSON object'
          : `the configuration must be a JSON object, not ${describeType(input)}`;
      return { valid: false, errors: [{ path: '', message, kind: 'structure' }] };
    }
    if (structureIsValid(input)) {
      const rules = checkDocumentRules(input);
      if (rules.errors.length === 0) return { valid: true, configuration: normalise(input, rules) };
      return { valid: false, errors: limit(dedupe(rules.errors.map((error) => ({ ...error, kind: 'document' as const }))).sort(compareErrors)) };
    }

    const errors: ClassifiedError[] = [];
    const document = sanitise(input, [], 0, errors) as Json;
    const instance = plainToInstance(ConfigurationDto, document);
    const structural = validateSync(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: false },
    });
    collect(structural, [], document, errors);

    const rules = checkDocumentRules(document);
    for (const error of rules.errors) errors.push({ ...error, kind: 'document' });

    if (!errors.some((error) => error.kind === 'structure')) {
      // Only if the schema and the DTOs disagreed (the agreement test exists so that they never do).
      errors.push({ path: '', message: 'the configuration does not match the format (JSON Schema)', kind: 'structure' });
    }
    return { valid: false, errors: limit(dedupe(errors).sort(compareErrors)) };
  }
}

/**
 * A copy of the submitted document that is safe to hand to class-transformer: prototype-reaching
 * property names are reported (and left out), containers below MAX_CONTAINER_DEPTH are emptied and
 * over-long arrays cut. The input is never modified.
 */
function sanitise(value: unknown, path: (string | number)[], depth: number, errors: ClassifiedError[]): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_CONTAINER_DEPTH) return Array.isArray(value) ? [] : {};
  if (Array.isArray(value)) {
    const length = Math.min(value.length, MAX_ARRAY_LENGTH);
    const copy = new Array<unknown>(length);
    for (let i = 0; i < length; i++) copy[i] = sanitise(value[i], path.concat(i), depth + 1, errors);
    return copy;
  }
  const copy: Json = {};
  for (const key of Object.keys(value)) {
    if (PROTOTYPE_KEYS.has(key)) {
      errors.push({ path: toPointer(path.concat(key)), message: `property ${quote(key)} is not allowed`, kind: 'structure' });
      continue;
    }
    copy[key] = sanitise((value as Json)[key], path.concat(key), depth + 1, errors);
  }
  return copy;
}

/**
 * class-validator's errors as JSON Pointers into the submitted document. `container` is the
 * (sanitised) submitted value that holds the properties the errors are about.
 */
function collect(validationErrors: ValidationError[], parent: (string | number)[], container: unknown, errors: ClassifiedError[]): void {
  for (const error of validationErrors) {
    const property = error.property;
    const path = parent.concat(property);
    const constraints = error.constraints ?? {};
    const names = Object.keys(constraints);
    const present = isObject(container) || Array.isArray(container) ? Object.hasOwn(container, property) : false;
    const raw = present ? (container as Json)[property] : undefined;

    if (!present) {
      // A missing property: reported on the object that should have it (a place that exists).
      if (constraints[REQUIRED]) errors.push({ path: toPointer(parent), message: constraints[REQUIRED], kind: 'structure' });
      continue;
    }
    if (names.includes('whitelistValidation')) {
      errors.push({ path: toPointer(path), message: `property ${quote(property)} is not allowed here`, kind: 'structure' });
      continue;
    }
    if (Array.isArray(container) && /^\d+$/.test(property)) {
      // An item of an array of objects (the children of @ValidateNested({ each: true })).
      if (!isObject(raw)) {
        errors.push({ path: toPointer(path), message: `each entry must be an object, not ${describeType(raw)}`, kind: 'structure' });
        continue;
      }
    }
    const typeFailure = names.find((name) => TYPE_CONSTRAINTS.has(name));
    if (typeFailure) {
      errors.push({ path: toPointer(path), message: constraints[typeFailure], kind: 'structure' });
      continue; // nothing inside a value of the wrong type is reported
    }
    for (const name of names) {
      if (name === REQUIRED || name === 'nestedValidation') continue;
      if (name === ARRAY_ITEMS) {
        const itemCheck = (error.contexts?.[ARRAY_ITEMS] as { itemCheck: ItemCheck } | undefined)?.itemCheck;
        (raw as unknown[]).forEach((item, index) => {
          const problem = itemCheck?.(item);
          if (problem) errors.push({ path: toPointer(path.concat(index)), message: problem, kind: 'structure' });
        });
        continue;
      }
      errors.push({ path: toPointer(path), message: constraints[name], kind: 'structure' });
    }
    if (error.children?.length) collect(error.children, path, raw, errors);
  }
}

function dedupe(errors: ClassifiedError[]): ClassifiedError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function limit(errors: ClassifiedError[]): ClassifiedError[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  const rest = errors.length - MAX_REPORTED_ERRORS;
  return [
    ...errors.slice(0, MAX_REPORTED_ERRORS),
    { path: '', message: `${rest} more error${rest === 1 ? '' : 's'} not listed (at most ${MAX_REPORTED_ERRORS} are)`, kind: errors[MAX_REPORTED_ERRORS].kind },
  ];
}
