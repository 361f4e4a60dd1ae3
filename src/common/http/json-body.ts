import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { ApiError } from './error-response.js';

/**
 * Fastify's own JSON parser answers every problem with one generic sentence. This one says what is
 * wrong — empty, where the syntax breaks, or a key that could poison prototypes (`__proto__`,
 * `constructor.prototype`, refused as Fastify does) — in the API's error shape. Bodies of other types
 * (text/plain excepted, which handlers may explain themselves) are refused with a 400.
 */
/** Bodies at least this long are parsed one at a time, each in a turn of the event loop of its own. */
const LARGE_BODY = 64 * 1024;

export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  // Parsing a large body holds the event loop for milliseconds; several at once would hold it for their
  // sum. Taking turns keeps other requests (the health probes) waiting for one at most (docs/security.md,
  // "Validation cost").
  let largeTurn: Promise<void> = Promise.resolve();
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = body as string;
    if (text.length < LARGE_BODY) return parse(text, done);
    const previous = largeTurn;
    let release!: () => void;
    largeTurn = new Promise<void>((resolve) => (release = resolve));
    void previous.then(() =>
      setImmediate(() => {
        try {
          parse(text, done);
        } finally {
          release();
        }
      }),
    );
  });
  // Any other body type is refused before it reaches a handler: a 400 that says so (README, "Errors").
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const type = String(request.headers['content-type'] ?? '').split(';')[0].trim() || 'none';
    done(new ApiError(HttpStatus.BAD_REQUEST, `Unsupported Content-Type "${type.slice(0, 100)}": send application/json`), undefined);
  });
}

function parse(text: string, done: (error: Error | null, body?: unknown) => void): void {
  if (text.trim() === '') {
    done(new ApiError(HttpStatus.BAD_REQUEST, 'The request body is empty; send a JSON object'), undefined);
    return;
  }
  try {
    done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
  } catch (error) {
    const message = (error as Error).message;
    done(
      new ApiError(
        HttpStatus.BAD_REQUEST,
        /prototype property|constructor property/i.test(message)
          ? 'The request body contains a forbidden property name ("__proto__" or "constructor.prototype")'
          : `The request body is not valid JSON: ${message}`,
      ),
      undefined,
    );
  }
}
