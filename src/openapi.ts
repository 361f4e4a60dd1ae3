import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER } from './common/auth/api-key.guard.js';
import { ErrorResponse } from './common/http/error-response.js';

export const API_KEY_SCHEME = 'api-key';

export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Xelion Provisioning Service')
    .setDescription(
      'Provision Xelion tenants from Xelion Configurator configurations. Authenticate with an API key in the ' +
        `\`${API_KEY_HEADER}\` header; an organization sees itself and its descendants only.`,
    )
    .setVersion('1')
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER }, API_KEY_SCHEME)
    .addSecurityRequirements(API_KEY_SCHEME)
    .build();
  return addCommonResponses(SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponse] }));
}

/** Routes outside the rate limit and the database (README "Operations"). */
const UNLIMITED = /^\/(health|metrics)(\/|$)/;

/**
 * The answers every limited route can give whatever its controller says (README "Operations",
 * "Limits"): 429 from the rate limits (and, on POST /api/v1/provision and retry, from
 * MAX_UNFINISHED_ORDERS), and 503 while the database is out of reach — both with Retry-After;
 * RateLimit-* on the others.
 */
function addCommonResponses(document: OpenAPIObject): OpenAPIObject {
  const error = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } };
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before sending the request again', schema: { type: 'integer' } } };
  // docs/security.md, "Rate limits": on every answer of a limited route, 2xx included.
  const rateLimit = {
    'RateLimit-Limit': { description: 'Requests allowed in the current window of one minute', schema: { type: 'integer' } },
    'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
    'RateLimit-Reset': { description: 'Seconds until the window ends', schema: { type: 'integer' } },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    if (UNLIMITED.test(path)) continue;
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const ordering = method === 'post' && (path === '/api/v1/provision' || path === '/api/v1/orders/{id}/retry');
      const unfinished = ordering ? '; or a subtree on the path already holds MAX_UNFINISHED_ORDERS unfinished orders (the message says which; docs/security.md)' : '';
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response && /^2/.test(status) && !('$ref' in response)) response.headers = { ...response.headers, ...rateLimit };
      }
      operation.responses['429'] ??= {
        description:
          `Too many requests: the API key's RATE_LIMIT_PER_MINUTE (public routes: the client address's) is used up, or the ` +
          `client address failed authentication AUTH_FAILURES_PER_MINUTE times${unfinished}`,
        headers: { ...retryAfter, ...rateLimit },
        content: error,
      };
      operation.responses['503'] ??= {
        description: 'The database is out of reach for a moment: send the request again after Retry-After',
        headers: retryAfter,
        content: error,
      };
    }
  }
  return document;
}

/**
 * Swagger UI's own policy: its scripts and styles come from this server (its page has an inline
 * `<style>` and the UI sets inline styles, hence 'unsafe-inline' for styles only); nothing else is
 * loaded, sent or framed — not even the online validator's badge. docs/security.md, "Smaller protections".
 */
export const SWAGGER_UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Swagger UI at /api/docs and the document at /api/docs-json, both public. */
export function setupOpenApi(app: INestApplication): void {
  const fastify = (app.getHttpAdapter() as unknown as { getInstance(): { addHook: (name: 'onRequest', hook: (request: { url: string }, reply: { header(name: string, value: string): unknown }, done: () => void) => void) => void } }).getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.url === '/api/docs' || request.url.startsWith('/api/docs/')) reply.header('content-security-policy', SWAGGER_UI_CSP);
    done();
  });
  SwaggerModule.setup('api/docs', app, () => createOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
    yamlDocumentUrl: 'api/docs-yaml',
  });
}

/** Recursively sorts object keys, so that the written document diffs cleanly. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The committed form of the document (docs/openapi.json): keys sorted, two-space indent. */
export function renderOpenApi(document: OpenAPIObject): string {
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}
