import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/http/error-response.js';

/** One problem of a configuration: where (a JSON Pointer, RFC 6901, into the submitted document) and what. */
export interface ConfigurationError {
  path: string;
  message: string;
}

/** Which layer found an error: the structure (what the JSON Schema also says) or a rule spanning the document. */
export type ErrorKind = 'structure' | 'document';

export interface ClassifiedError extends ConfigurationError {
  kind: ErrorKind;
}

/** At most this many errors are listed (ours): a hostile document could otherwise produce megabytes of them. */
export const MAX_REPORTED_ERRORS = 1_000;

export const INVALID_CONFIGURATION_MESSAGE = 'Configuration is invalid';

/**
 * The 400 answer for an invalid configuration, shared by POST /api/v1/provision/test and
 * POST /api/v1/provision: `{ statusCode: 400, error: "Bad Request", message: "Configuration is invalid", errors }`.
 */
export function invalidConfiguration(errors: ConfigurationError[]): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, INVALID_CONFIGURATION_MESSAGE, {
    errors: errors.map(({ path, message }) => ({ path, message })),
  });
}

/** RFC 6901: the pointer of `segments` (property names and array indexes). */
export function toPointer(segments: readonly (string | number)[]): string {
  return segments.map((segment) => '/' + String(segment).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** RFC 6901: the segments of a pointer. */
export function fromPointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const QUOTE_LIMIT = 60;

/** A value quoted for a message, shortened so that a huge submitted string is not echoed back whole. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const short = [...text].length > QUOTE_LIMIT ? [...text].slice(0, QUOTE_LIMIT).join('') + '…' : text;
  return JSON.stringify(short);
}

/** A JSON type name for messages ("an array", "null", "a string", …). */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return 'nothing';
  }
}

/** Orders errors by their place in the document (indexes numerically), then by message. */
export function compareErrors(a: ConfigurationError, b: ConfigurationError): number {
  const left = fromPointer(a.path);
  const right = fromPointer(b.path);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] === right[i]) continue;
    const l = /^\d+$/.test(left[i]) ? Number(left[i]) : NaN;
    const r = /^\d+$/.test(right[i]) ? Number(right[i]) : NaN;
    if (!Number.isNaN(l) && !Number.isNaN(r)) return l - r;
    return left[i] < right[i] ? -1 : 1;
  }
  if (left.length !== right.length) return left.length - right.length;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}
