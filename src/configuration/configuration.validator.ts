import { Injectable } from '@nestjs/common';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { isCalendarDate, MAX_DEPARTMENTS, MAX_USERS } from './configuration.constants.js';
import { ARRAY_ITEMS, objectItem, REQUIRED, TYPE_CONSTRAINTS, type ItemCheck } from './configuration.decorators.js';
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
import { ConfigurationDto, DepartmentDto, UserDto } from './dto/configuration.dto.js';

export type ValidationResult = { valid: true; configuration: Configuration } | { valid: false; errors: ConfigurationError[] };
type ClassifiedResult = { valid: true; configuration: Configuration } | { valid: false; errors: ClassifiedError[] };

/** The longest the asynchronous validation keeps the event loop before it lets other work run. */
export const VALIDATION_SLICE_MS = 5;

function plain(result: ClassifiedResult): ValidationResult {
  if (result.valid) return result;
  return { valid: false, errors: result.errors.map(({ path, message }) => ({ path, message })) };
}

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
 * Validates configurations (format v1, docs/configuration.md) and normalises valid
 * ones. Allocation-light: a valid 2,000-user document takes a few tens of milliseconds
 * (bench/validation.bench.ts); an invalid one stops once the list of errors is full. Never throws on
 * any input.
 */
@Injectable()
export class ConfigurationValidator {
  validate(input: unknown): ValidationResult {
    return plain(this.validateClassified(input));
  }

  /**
   * As validate(), but the invalid path gives the event loop back every VALIDATION_SLICE_MS, so that
   * other requests (the health probes included) are served while a costly document is checked
   * (docs/security.md, "Validation cost"). The HTTP routes use this one.
   */
  async validateAsync(input: unknown): Promise<ValidationResult> {
    const steps = this.steps(input);
    let sliceStart = performance.now();
    let release: (() => void) | undefined;
    try {
      for (let step = steps.next(); ; step = steps.next()) {
        if (step.done) return plain(step.value);
        if (performance.now() - sliceStart < VALIDATION_SLICE_MS) continue;
        if (release === undefined) {
          // A validation that needs more than one slice waits for its turn: costly documents are
          // checked one at a time, so that the loop is never shared out among several of them.
          const previous = this.slowTurn;
          const mine = new Promise<void>((resolve) => (release = resolve));
          this.slowTurn = previous.then(() => mine);
          await previous;
        }
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    } finally {
      release?.();
    }
  }

  /** Resolves when the costly validation before the last one to queue is done (validateAsync). */
  private slowTurn: Promise<void> = Promise.resolve();

  /**
   * As validate(), but each error says which layer found it: `structure` (what the published JSON
   * Schema also states) or `document` (rules spanning the document, or that JSON Schema cannot
   * express). The schema agreement test relies on this split.
   */
  validateClassified(input: unknown): ClassifiedResult {
    const steps = this.steps(input);
    for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
  }

  /** The validation, pausable between the entries of the long arrays (each `yield`). */
  private *steps(input: unknown): Generator<void, ClassifiedResult> {
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
      return { valid: false, errors: limit(dedupe(rules.errors.map((error) => ({ ...error, kind: 'document' as const }))).sort(compareErrors), false) };
    }

    const errors: ClassifiedError[] = [];
    // The long arrays are sanitised and validated entry by entry, so that validation stops as soon
    // as the list of errors is full: a hostile document must not cost the CPU of every one of its
    // errors (docs/security.md, "Validation cost"). Everything else is one class-validator pass.
    const top: Json = { ...input };
    for (const { property } of ITEMIZED) if (Array.isArray(top[property])) top[property] = [];
    const shell = sanitise(top, [], 0, errors) as Json;
    validateInto(ConfigurationDto, shell, [], errors);
    const document: Json = { ...shell };
    for (const { property, dto, maxItems } of ITEMIZED) {
      const given = input[property];
      if (!Array.isArray(given) || !Object.hasOwn(shell, property)) continue;
      // Over-long arrays are cut, as sanitise does (the size error is still reported).
      const length = Math.min(given.length, MAX_ARRAY_LENGTH);
      if (length > maxItems) {
        errors.push({ path: toPointer([property]), message: `${property} may have at most ${maxItems} entries, not ${length}`, kind: 'structure' });
      }
      const items: unknown[] = (document[property] = []);
      for (let index = 0; index < length && !full(errors); index++) {
        const item = sanitise(given[index], [property, index], 2, errors);
        items.push(item);
        const problem = objectItem(item);
        if (problem) errors.push({ path: toPointer([property, index]), message: problem, kind: 'structure' });
        else validateInto(dto, item as Json, [property, index], errors);
        yield;
      }
    }

    if (!full(errors)) {
      const rules = checkDocumentRules(document);
      for (const error of rules.errors) errors.push({ ...error, kind: 'document' });
    }

    if (!errors.some((error) => error.kind === 'structure')) {
      // Only if the schema and the DTOs disagreed (the agreement test exists so that they never do).
      errors.push({ path: '', message: 'the configuration does not match the format (JSON Schema)', kind: 'structure' });
    }
    return { valid: false, errors: limit(dedupe(errors).sort(compareErrors), full(errors)) };
  }
}

/** The top-level arrays validated entry by entry (their other checks are the shell's). */
const ITEMIZED = [
  { property: 'users', dto: UserDto, maxItems: MAX_USERS },
  { property: 'departments', dto: DepartmentDto, maxItems: MAX_DEPARTMENTS },
] as const;

/** The list is full: more than MAX_REPORTED_ERRORS found (one more, so that the answer says there are more). */
function full(errors: ClassifiedError[]): boolean {
  return errors.length > MAX_REPORTED_ERRORS;
}

const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/** class-validator on `value` as a `dto`; its errors added as pointers below `path` (where `value` is in the document). */
function validateInto(dto: new () => object, value: Json, path: (string | number)[], errors: ClassifiedError[]): void {
  collect(validateSync(plainToInstance(dto, value) as object, VALIDATION_OPTIONS), path, value, errors);
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

/** The first MAX_REPORTED_ERRORS, then one that says there are more (how many is not known: validation stopped). */
function limit(errors: ClassifiedError[], stopped: boolean): ClassifiedError[] {
  if (errors.length <= MAX_REPORTED_ERRORS) return errors;
  const rest = errors.length - MAX_REPORTED_ERRORS;
  const message = stopped
    ? `more errors not listed (at most ${MAX_REPORTED_ERRORS} are; validation stopped there)`
    : `${rest} more error${rest === 1 ? '' : 's'} not listed (at most ${MAX_REPORTED_ERRORS} are)`;
  return [...errors.slice(0, MAX_REPORTED_ERRORS), { path: '', message, kind: errors[MAX_REPORTED_ERRORS].kind }];
}
