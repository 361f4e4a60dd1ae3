import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { API_KEY_HEADER } from './common/auth/api-key.guard.js';
import { PUBLIC_EXTENSION } from './common/auth/auth.decorators.js';
import { ConfigurationErrorItem, ErrorResponse } from './common/http/error-response.js';
import { SETTINGS, type RuntimeSettings } from './config/runtime-settings.js';
import { CONFIGURATION_EXAMPLE } from './configuration/configuration.example.js';
import { CONFIGURATION_SCHEMA } from './configuration/configuration.schema.js';
import { OrderStatusChangedEventDto } from './webhooks/dto/webhook.dto.js';

export const API_KEY_SCHEME = 'api-key';


/** The server the committed docs/openapi.json names (the default listening address). */
export const DOCUMENT_SERVER_URL = 'http://localhost:3000';

/** Where the service is reached: PUBLIC_URL, else the listening address. */
export function publicUrl(settings: Pick<RuntimeSettings, 'publicUrl' | 'host' | 'port'>): string {
  if (settings.publicUrl) return settings.publicUrl;
  const host = settings.host === '0.0.0.0' || settings.host === '::' ? 'localhost' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return `http://${host}:${settings.port}`;
}

type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  parameters?: Json[];
  requestBody?: { content?: Record<string, Json> };
  responses: Record<string, Json>;
  security?: unknown[];
  [key: string]: unknown;
};

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

/**
 * The OpenAPI 3.1 document of the API, built from the controllers' decorators and the DTOs, then
 * completed by rules that hold for every route (README "For integrators"): the answers
 * every route can give (401, 404, 413, 429, 503), `security: []` on public routes, integer types,
 * schema names without the `Dto` suffix, the configuration JSON Schema as components, the
 * `orderStatusChanged` webhook, and an example on every body. New routes and DTOs get all of this
 * without touching this file; test/e2e/openapi.e2e.spec.ts checks each rule on the whole document.
 */
export function createOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Xelion Provisioning Service')
    .setDescription(
      'Provision Xelion tenants from Xelion Configurator configurations. Authenticate with an API key in the ' +
        `\`${API_KEY_HEADER}\` header; an organization sees itself and its descendants only. Order status changes ` +
        'are POSTed to the order\'s `X-Callback-Url`, signed with Standard Webhooks (see `webhooks`).',
    )
    .setVersion('1')
    .setLicense('Proprietary', 'https://www.xelion.com')
    .addServer(serverUrl)
    .addApiKey({ type: 'apiKey', in: 'header', name: API_KEY_HEADER, description: 'An API key of an organization' }, API_KEY_SCHEME)
    .addSecurityRequirements(API_KEY_SCHEME)
    .addTag('configuration', 'Test a configuration and read its JSON Schema (no API key needed)')
    .addTag('orders', 'Provision a tenant and follow, cancel or retry its order')
    .addTag('webhooks', "An order's webhook messages and the organization's signing secret")
    .addTag('organizations', "The caller's organization and its subtree")
    .addTag('api-keys', "An organization's API keys")
    .addTag('credentials', "An organization's credentials for external services (write-only)")
    .addTag('health', 'Probes for load balancers and orchestrators (no API key needed)')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ErrorResponse, ConfigurationErrorItem, OrderStatusChangedEventDto],
    // Explicit `operationId`s in @ApiOperation win; this default keeps a new route camelCase.
    operationIdFactory: (controllerKey, methodKey) => `${methodKey}${controllerKey.replace(/Controller$/, '')}`,
  });
  return complete(document);
}

function complete(document: OpenAPIObject): OpenAPIObject {
  const schemas = (document.components!.schemas ??= {}) as Record<string, Json>;
  renameSchemas(document, schemas);
  addConfigurationSchemas(schemas);
  addCommonComponents(document);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (operation) completeOperation(path, method, operation);
    }
  }
  addWebhooks(document);
  collapseSingleAllOf(document);
  convertNullable(document);
  convertIntegers(document);
  addBodyExamples(document, schemas);
  return document;
}

/**
 * `OrganizationDto` → `Organization`: the names clients see. The configuration's own parts are named
 * `Configuration…` (addConfigurationSchemas), so the two organizations can never share a name again.
 */
function renameSchemas(document: OpenAPIObject, schemas: Record<string, Json>): void {
  const renames = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const renamed = name.replace(/Dto$/, '');
    if (renamed === name) continue;
    if (schemas[renamed] !== undefined || [...renames.values()].includes(renamed)) {
      throw new Error(`OpenAPI: two schemas would be named ${renamed}; rename one of the classes`);
    }
    renames.set(name, renamed);
  }
  for (const [from, to] of renames) {
    schemas[to] = schemas[from];
    delete schemas[from];
  }
  walk(document, (node) => {
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      if (renames.has(name)) node.$ref = `#/components/schemas/${renames.get(name)}`;
    }
  });
}

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * The configuration JSON Schema (GET /api/v1/schema/configuration, the same constant) as components:
 * `Configuration` and one `Configuration<Def>` per `$defs` entry, `#/$defs/x` references rewritten.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, so nothing else changes.
 */
function addConfigurationSchemas(schemas: Record<string, Json>): void {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === '$ref' && typeof inner === 'string' && inner.startsWith('#/$defs/')
          ? [key, `#/components/schemas/Configuration${pascal(inner.slice('#/$defs/'.length))}`]
          : [key, rewrite(inner)],
      ),
    );
  };
  const { $schema: _schema, $id: _id, $defs, ...root } = CONFIGURATION_SCHEMA as unknown as Json & { $defs: Record<string, Json> };
  schemas.Configuration = {
    ...(rewrite(root) as Json),
    description: `${String(root.description)} The same JSON Schema is served at GET /api/v1/schema/configuration.`,
    examples: [CONFIGURATION_EXAMPLE],
  };
  for (const [name, definition] of Object.entries($defs)) {
    schemas[`Configuration${pascal(name)}`] = rewrite(definition) as Json;
  }
}

/** The RateLimit-* headers every answer of a limited route carries (and Retry-After on a 429). */
function rateLimitHeaderRefs(withRetryAfter: boolean): Json {
  const names = [...(withRetryAfter ? ['Retry-After'] : []), 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}

const errorContent = (schema = '#/components/schemas/ErrorResponse') => ({ 'application/json': { schema: { $ref: schema } } });

function addCommonComponents(document: OpenAPIObject): void {
  const components = document.components as Json;
  components.headers = {
    'Retry-After': { description: 'Seconds to wait before sending the request again', schema: { type: 'integer', format: 'int32', minimum: 0 } },
    'RateLimit-Limit': {
      description: 'Requests allowed in the current minute by the budget that runs out first: per API key (RATE_LIMIT_PER_MINUTE), per client address on public routes, PROVISION_TEST_PER_MINUTE for configuration tests; per instance',
      schema: { type: 'integer', format: 'int32' },
    },
    'RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer', format: 'int32' } },
    'RateLimit-Reset': { description: 'Seconds until the current window ends', schema: { type: 'integer', format: 'int32' } },
  };
  const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });
  components.responses = {
    Unauthorized: {
      description: 'No API key, or one that is unknown, revoked, expired or of a disabled organization',
      content: errorContent(),
    },
    NotFound: {
      description: "No such resource in the caller's subtree (also for one that exists outside it)",
      content: errorContent(),
    },
    PayloadTooLarge: { description: 'The body is larger than 1 MB', content: errorContent() },
    TooManyRequests: {
      description:
        "Too many requests: the API key's RATE_LIMIT_PER_MINUTE is used up (or, on public routes, the client address's), or " +
        'this client address failed authentication AUTH_FAILURES_PER_MINUTE times. Wait Retry-After seconds.',
      headers: rateLimitHeaderRefs(true),
      content: errorContent(),
    },
    ServiceUnavailable: {
      description: 'The database is out of reach for a moment: send the request again after Retry-After',
      headers: { 'Retry-After': ref('Retry-After') },
      content: errorContent(),
    },
  };
}

/** Probes are never rate limited nor need the database through the API (README "Operations"). */
const UNLIMITED = /^\/(health|metrics)(\/|$)/;

function completeOperation(path: string, method: string, operation: Operation): void {
  const responses = operation.responses;
  const isPublic = operation[PUBLIC_EXTENSION] === true;
  delete operation[PUBLIC_EXTENSION];
  if (isPublic) operation.security = [];
  else responses['401'] ??= { $ref: '#/components/responses/Unauthorized' };

  const hasPathParameters = path.includes('{');
  const hasInput = hasPathParameters || operation.requestBody !== undefined || (operation.parameters ?? []).some((p) => p.in === 'query');
  if (hasInput) {
    responses['400'] ??= { description: 'A malformed parameter or body: `details` names each problem', content: errorContent() };
  }
  if (hasPathParameters && !isPublic) responses['404'] ??= { $ref: '#/components/responses/NotFound' };
  if (operation.requestBody) responses['413'] ??= { $ref: '#/components/responses/PayloadTooLarge' };

  if (UNLIMITED.test(path)) return;
  const special =
    method === 'post' && (path === '/api/v1/provision' || path === '/api/v1/orders/{id}/retry')
      ? "the API key's RATE_LIMIT_PER_MINUTE is used up, or a subtree on the path already holds MAX_UNFINISHED_ORDERS unfinished orders"
      : path === '/api/v1/provision/test' && method === 'post'
        ? "this client address's PROVISION_TEST_PER_MINUTE or RATE_LIMIT_PER_MINUTE is used up"
        : undefined;
  responses['429'] ??= special
    ? {
        description: `Too many requests: ${special} (the message says which). Wait Retry-After seconds.`,
        headers: rateLimitHeaderRefs(true),
        content: errorContent(),
      }
    : { $ref: '#/components/responses/TooManyRequests' };
  responses['503'] ??= { $ref: '#/components/responses/ServiceUnavailable' };
  // Every answer of a limited route says how much of the budget is left.
  for (const [status, response] of Object.entries(responses)) {
    if (!/^2/.test(status) || response.$ref) continue;
    response.headers = { ...rateLimitHeaderRefs(false), ...(response.headers as Json | undefined) };
  }
}

/** OpenAPI 3.1 `webhooks`: what the service POSTs to an order's X-Callback-Url (docs/webhooks.md). */
function addWebhooks(document: OpenAPIObject): void {
  const header = (name: string, description: string, example: string) => ({
    name,
    in: 'header',
    required: true,
    description,
    schema: { type: 'string' },
    example,
  });
  (document as unknown as Json).webhooks = {
    orderStatusChanged: {
      post: {
        operationId: 'orderStatusChanged',
        summary: "An order's status changed",
        description:
          "POSTed to the order's X-Callback-Url on every status change, at least once and in order per order. Verify it " +
          "with a Standard Webhooks library and the organization's `whsec_…` secret (GET /api/v1/organizations/{id}/webhook-secret) " +
          'on the raw body, then de-duplicate on `webhook-id`. Answer 2xx within 10 s; anything else is retried for more than ' +
          'three days; 410 Gone stops deliveries of that order to that URL.',
        tags: ['webhooks'],
        security: [],
        parameters: [
          header('webhook-id', 'The message id (`mid`); the same on every attempt', '2'),
          header('webhook-timestamp', 'When this attempt was signed, Unix seconds; reject messages older than 5 minutes', '1767225600'),
          header(
            'webhook-signature',
            '`v1,` + base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`; two space-separated signatures for 24 hours after a secret rotation',
            'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
          ),
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/OrderStatusChangedEvent' } } },
        },
        responses: {
          '200': { description: 'Received (any 2xx)' },
          '410': { description: 'Gone: no more messages of this order to this URL' },
        },
      },
    },
  };
}

/** Nest wraps a named enum in `allOf: [{ $ref }]` (3.0 forbade $ref siblings); 3.1 takes the $ref directly. */
function collapseSingleAllOf(document: OpenAPIObject): void {
  walk(document, (node) => {
    const allOf = node.allOf as Json[] | undefined;
    if (allOf?.length !== 1 || typeof allOf[0].$ref !== 'string' || Object.keys(allOf[0]).length !== 1) return;
    node.$ref = allOf[0].$ref;
    delete node.allOf;
  });
}

/** Nest writes OpenAPI 3.0's `nullable: true`; 3.1 says `type: [t, "null"]` (or anyOf with null for a $ref). */
function convertNullable(document: OpenAPIObject): void {
  walk(document, (node) => {
    if (node.nullable !== true) return;
    delete node.nullable;
    if (typeof node.type === 'string') {
      node.type = [node.type, 'null'];
      if (Array.isArray(node.enum)) node.enum = [...(node.enum as unknown[]), null];
    } else if (node.$ref || node.allOf) {
      const inner: Json = {};
      for (const key of ['$ref', 'allOf'] as const) {
        if (node[key] !== undefined) {
          inner[key] = node[key];
          delete node[key];
        }
      }
      node.anyOf = [inner, { type: 'null' }];
    }
  });
}

/**
 * TypeScript has one `number`; every number of this API is a whole number (ids, counts, milliseconds,
 * HTTP statuses), so `number` becomes `integer` (int32 unless a decorator says int64). A real fraction
 * would be declared with `format: 'double'` and stays a number.
 */
function convertIntegers(document: OpenAPIObject): void {
  walk(document, (node) => {
    const isNumber = node.type === 'number' || (Array.isArray(node.type) && node.type.includes('number'));
    if (!isNumber || node.format === 'double' || node.format === 'float') return;
    node.type = Array.isArray(node.type) ? node.type.map((t) => (t === 'number' ? 'integer' : t)) : 'integer';
    node.format ??= 'int32';
  });
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      for (const parameter of ((item[method] as Operation | undefined)?.parameters ?? []) as Json[]) {
        const schema = parameter.schema as Json | undefined;
        if (parameter.in === 'path' && schema?.type === 'integer') schema.minimum ??= 1;
      }
    }
  }
}

/** An example on every request and response body, built from the schema's own examples. */
function addBodyExamples(document: OpenAPIObject, schemas: Record<string, Json>): void {
  const visitContent = (content: Record<string, Json> | undefined) => {
    for (const media of Object.values(content ?? {})) {
      if (media.example !== undefined || media.examples !== undefined || !media.schema) continue;
      media.example = exampleOf(media.schema as Json, schemas, 0);
    }
  };
  const visitOperation = (operation: Operation | undefined) => {
    if (!operation) return;
    visitContent(operation.requestBody?.content);
    for (const response of Object.values(operation.responses)) visitContent(response.content as Record<string, Json> | undefined);
  };
  for (const item of Object.values(document.paths)) for (const method of METHODS) visitOperation(item[method] as Operation | undefined);
  for (const item of Object.values(((document as unknown as Json).webhooks ?? {}) as Record<string, Json>)) visitOperation(item.post as Operation);
  for (const response of Object.values(((document.components as Json).responses ?? {}) as Record<string, Json>)) {
    visitContent(response.content as Record<string, Json> | undefined);
  }
}

const DATE_TIME_EXAMPLE = '2026-01-01T12:00:00.000Z';

function exampleOf(schema: Json, schemas: Record<string, Json>, depth: number): unknown {
  if (depth > 24) return undefined;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (typeof schema.$ref === 'string') {
    return exampleOf(schemas[schema.$ref.replace('#/components/schemas/', '')] ?? {}, schemas, depth + 1);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const parts = schema[key] as Json[] | undefined;
    if (!parts) continue;
    if (key === 'allOf') return Object.assign({}, ...parts.map((part) => exampleOf(part, schemas, depth + 1) as object));
    const first = parts.find((part) => part.type !== 'null');
    return first ? exampleOf(first, schemas, depth + 1) : null;
  }
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      return Object.fromEntries(
        Object.entries(properties)
          .map(([name, property]) => [name, exampleOf(property, schemas, depth + 1)])
          .filter(([, value]) => value !== undefined),
      );
    }
    case 'array':
      return [exampleOf((schema.items ?? {}) as Json, schemas, depth + 1)].filter((item) => item !== undefined);
    case 'string':
      return schema.format === 'date-time' ? DATE_TIME_EXAMPLE : schema.default ?? 'string';
    case 'integer':
    case 'number':
      return schema.default ?? schema.minimum ?? 1;
    case 'boolean':
      return schema.default ?? false;
    default:
      return schema.properties ? exampleOf({ ...schema, type: 'object' }, schemas, depth + 1) : undefined;
  }
}

/** Calls `visit` on every object of the tree (depth first, parents before children). */
function walk(value: unknown, visit: (node: Json) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) walk(item, visit);
  } else if (value !== null && typeof value === 'object') {
    visit(value as Json);
    for (const inner of Object.values(value)) walk(inner, visit);
  }
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

/** Swagger UI at /api/docs and the document at /api/docs-json, both public; `servers` is PUBLIC_URL. */
export function setupOpenApi(app: INestApplication): void {
  const settings = app.get<RuntimeSettings>(SETTINGS);
  const fastify = (app.getHttpAdapter() as unknown as { getInstance(): { addHook: (name: 'onRequest', hook: (request: { url: string }, reply: { header(name: string, value: string): unknown }, done: () => void) => void) => void } }).getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.url === '/api/docs' || request.url.startsWith('/api/docs/')) reply.header('content-security-policy', SWAGGER_UI_CSP);
    done();
  });
  SwaggerModule.setup('api/docs', app, () => createOpenApiDocument(app, publicUrl(settings)), {
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
