import { ValidateBy, ValidateIf, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { codePointLength } from './configuration.constants.js';
import { describeType, quote } from './configuration.errors.js';

/**
 * The class-validator decorators of configuration format v1. Each checks one thing; all but the type
 * checks pass a value of the wrong type, so that a wrong type gives one error ("must be a string"),
 * not one per constraint. Lengths count code points, as JSON Schema does.
 */

/** Constraint names of type checks: when one fails, nothing inside the value is reported. */
export const TYPE_CONSTRAINTS: ReadonlySet<string> = new Set(['isString', 'isObject', 'isArray', 'isBoolean']);
/** Constraint name of a missing required property (reported on the containing object). */
export const REQUIRED = 'required';
/** Constraint name of a per-item array check (expanded into one error per bad item). */
export const ARRAY_ITEMS = 'arrayItems';

export type ItemCheck = (item: unknown) => string | undefined;

type Message = string | ((args: ValidationArguments) => string);

function check(name: string, validate: (value: unknown, args: ValidationArguments) => boolean, message: Message, options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy({ name, validator: { validate, defaultMessage: typeof message === 'function' ? message : () => message } }, options);
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** The property must be present (null counts as present: it then fails the type check). */
export function Required(message?: Message): PropertyDecorator {
  return check(REQUIRED, (value) => value !== undefined, message ?? ((args) => `${quote(args.property)} is required`));
}

/** Validate the property only when it is present (null is present, and not valid for any type here). */
export function OptionalProperty(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

export function IsStringValue(): PropertyDecorator {
  return check('isString', isString, (args) => `${args.property} must be a string, not ${describeType(args.value)}`);
}

export function IsBooleanValue(): PropertyDecorator {
  return check('isBoolean', (value) => typeof value === 'boolean', (args) => `${args.property} must be true or false, not ${describeType(args.value)}`);
}

export function IsPlainObject(): PropertyDecorator {
  return check(
    'isObject',
    (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
    (args) => `${args.property} must be an object, not ${describeType(args.value)}`,
  );
}

export function IsArrayValue(): PropertyDecorator {
  return check('isArray', (value) => Array.isArray(value), (args) => `${args.property} must be an array, not ${describeType(args.value)}`);
}

/** Length in code points, from `min` to `max`. */
export function CodePoints(min: number, max: number): PropertyDecorator {
  return check(
    'length',
    (value) => !isString(value) || (codePointLength(value) >= min && codePointLength(value) <= max),
    (args) =>
      min === 0
        ? `${args.property} must be at most ${max} characters long`
        : `${args.property} must be ${min} to ${max} characters long`,
  );
}

/** The string matches `pattern` (an ECMAScript pattern, compiled with the `u` flag as JSON Schema does). */
export function MatchesPattern(pattern: string, message: Message): PropertyDecorator {
  const regex = new RegExp(pattern, 'u');
  return check('pattern', (value) => !isString(value) || regex.test(value), message);
}

/** The value is one of `values` (any type that is not one of them fails). */
export function IsOneOf(values: readonly unknown[], message: Message): PropertyDecorator {
  return check('oneOf', (value) => values.includes(value), message);
}

/** A string passes `problem` (which returns why it does not, or undefined). */
export function StringCheck(name: string, problem: (value: string) => string | undefined): PropertyDecorator {
  return check(name, (value) => !isString(value) || problem(value) === undefined, (args) => problem(args.value as string) ?? '');
}

/** The value must be absent (used for properties that depend on another one). */
export function Forbidden(message: Message): PropertyDecorator {
  return check('forbidden', (value) => value === undefined, message);
}

export function MaxItems(max: number): PropertyDecorator {
  return check(
    'maxItems',
    (value) => !Array.isArray(value) || value.length <= max,
    (args) => `${args.property} may have at most ${max} entries, not ${(args.value as unknown[]).length}`,
  );
}

/**
 * Every item of the array passes `itemCheck`. class-validator reports `each` checks on the array as a
 * whole; the error mapper calls `itemCheck` again (it travels in the error's context) to name each bad item.
 */
export function ArrayItems(itemCheck: ItemCheck): PropertyDecorator {
  return check(ARRAY_ITEMS, (value) => !Array.isArray(value) || value.every((item) => itemCheck(item) === undefined), 'invalid items', {
    context: { itemCheck },
  });
}

/** An item check: a string. */
export const stringItem: ItemCheck = (item) => (isString(item) ? undefined : `must be a string, not ${describeType(item)}`);

/** Validate the property when it is present, or when `required(object)` holds (then a missing value is an error). */
export function OptionalUnless(required: (object: Record<string, unknown>) => boolean): PropertyDecorator {
  return ValidateIf((object, value) => value !== undefined || required(object as Record<string, unknown>));
}

/** The property must be absent when `forbidden(object)` holds. */
export function ForbiddenWhen(forbidden: (object: Record<string, unknown>) => boolean, message: Message): PropertyDecorator {
  return check('forbidden', (value, args) => value === undefined || !forbidden(args.object as Record<string, unknown>), message);
}

/**
 * An item check: a plain object. (class-validator alone lets `[[]]` through where objects are
 * expected: it descends into the inner array and finds nothing to complain about.)
 */
export const objectItem: ItemCheck = (item) =>
  typeof item === 'object' && item !== null && !Array.isArray(item) ? undefined : `each entry must be an object, not ${describeType(item)}`;
