import { readFileSync } from 'node:fs';
import type { OpenAPIObject } from '@nestjs/swagger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGURATION_EXAMPLE } from '../../src/configuration/configuration.example.js';
import { createOpenApiDocument, DOCUMENT_SERVER_URL, renderOpenApi } from '../../src/openapi.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

type Json = Record<string, unknown>;
type Operation = { operationId: string; security?: unknown[]; responses: Record<string, Json>; requestBody?: Json; parameters?: Json[] };

let app: TestApp;
let document: OpenAPIObject;
beforeAll(async () => {
  app = await startTestApp({ PUBLIC_URL: 'https://provisioning.example.com/' });
  document = createOpenApiDocument(app.app, DOCUMENT_SERVER_URL);
});
afterAll(() => app?.close());

function operations(): [string, string, Operation][] {
  const result: [string, string, Operation][] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      if (item[method]) result.push([method, path, item[method] as unknown as Operation]);
    }
  }
  return result;
}

/** Every `{ $ref }` of the document resolves, and every `type: number` is gone. */
function visit(value: unknown, seen: (node: Json) => void): void {
  if (Array.isArray(value)) value.forEach((item) => visit(item, seen));
  else if (value !== null && typeof value === 'object') {
    seen(value as Json);
    Object.values(value).forEach((inner) => visit(inner, seen));
  }
}

const PUBLIC = /^(\/health|\/api\/v1\/provision\/test$|\/api\/v1\/schema\/configuration$)/;

describe('OpenAPI', () => {
  it('docs/openapi.json is up to date (run `npm run openapi`)', () => {
    expect(readFileSync('docs/openapi.json', 'utf8')).toBe(renderOpenApi(document));
  });

  it('serves Swagger UI and the document publicly, OpenAPI 3.1, with the X-Auth-Key scheme and PUBLIC_URL as server', async () => {
    const ui = await app.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const json = await app.request('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toBe('3.1.0');
    expect(json.body.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Auth-Key' });
    expect(json.body.servers).toEqual([{ url: 'https://provisioning.example.com' }]);
    expect(document.servers).toEqual([{ url: DOCUMENT_SERVER_URL }]);
  });

  it('serves Swagger UI under a Content-Security-Policy that its page fits: scripts only from this server', async () => {
    const ui = await app.request('GET', '/api/docs');
    const csp = ui.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Every script of the page is a file of this server (an inline one would be blocked).
    const scripts = [...ui.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src=/);
      expect(body.trim()).toBe('');
    }
    const init = await app.request('GET', '/api/docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    expect(init.headers.get('content-security-policy')).toBe(csp);
  });

  it('has stable camelCase operationIds, unique across the document', () => {
    const ids = operations().map(([, , operation]) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining(['provisionTenant', 'testConfiguration', 'getOrder', 'listOrders', 'retryOrder', 'cancelOrder', 'createApiKey']),
    );
  });

  it('marks public operations `security: []`, and documents 401 on every other one', () => {
    for (const [method, path, operation] of operations()) {
      if (PUBLIC.test(path)) {
        expect(operation.security, `${method} ${path}`).toEqual([]);
        expect(operation.responses['401'], `${method} ${path}`).toBeUndefined();
      } else {
        expect(operation.security, `${method} ${path}`).toBeUndefined(); // the document's global api-key requirement
        expect(operation.responses['401'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Unauthorized' });
      }
    }
  });

  it('documents 404 on routes with ids, 413 on bodies, 409 on cancel/retry, 422 on provision', () => {
    for (const [method, path, operation] of operations()) {
      if (path.includes('{')) expect(operation.responses['404'], `${method} ${path}`).toBeDefined();
      if (operation.requestBody) expect(operation.responses['413'], `${method} ${path}`).toBeDefined();
    }
    const paths = document.paths;
    expect(paths['/api/v1/orders/{id}/cancel'].post!.responses['409']).toBeDefined();
    expect(paths['/api/v1/orders/{id}/retry'].post!.responses['409']).toBeDefined();
    expect(paths['/api/v1/provision'].post!.responses['422']).toBeDefined();
  });

  it('documents 429 and 503 with Retry-After on every rate-limited route, and RateLimit-* on its successes', () => {
    const components = document.components as unknown as { responses: Record<string, Json> };
    for (const [method, path, operation] of operations()) {
      const responses = operation.responses;
      if (/^\/(health|metrics)/.test(path)) {
        expect(responses['429'], `${method} ${path}`).toBeUndefined();
        continue;
      }
      const resolve = (response: Json) =>
        (typeof response.$ref === 'string' ? components.responses[response.$ref.split('/').pop()!] : response) as { headers?: Json };
      expect(resolve(responses['429']).headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
      expect(resolve(responses['503']).headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
      const success = Object.entries(responses).find(([status]) => status.startsWith('2'))![1] as { headers?: Json };
      expect(Object.keys(success.headers ?? {}), `${method} ${path}`).toEqual(
        expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
      );
    }
    expect(JSON.stringify(document.paths['/api/v1/provision'].post!.responses['429'])).toContain('MAX_UNFINISHED_ORDERS');
  });

  it('documents the rate-limit headers the service really sends', async () => {
    const answer = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
    expect(answer.status).toBe(200);
    for (const header of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) {
      expect(answer.headers.get(header), header).toMatch(/^\d+$/);
      expect((document.components as unknown as { headers: Record<string, unknown> }).headers[header], header).toBeDefined();
    }
  });

  it('names schemas without clashes: the configuration parts are Configuration…, the API resource is Organization', () => {
    const schemas = document.components!.schemas as Record<string, Json>;
    expect(Object.keys(schemas).filter((name) => name.endsWith('Dto'))).toEqual([]);
    expect((schemas.Organization.required as string[]) ?? []).toEqual(expect.arrayContaining(['id', 'parentId', 'createdAt', 'disabled']));
    expect(schemas.ConfigurationOrganization.required).toEqual(['name']);
    expect((schemas.Configuration.properties as Json).organization).toEqual({ $ref: '#/components/schemas/ConfigurationOrganization' });
    expect((schemas.ErrorResponse.properties as Json).errors).toBeDefined();
    expect((schemas.Order.properties as Json).status).toEqual({ $ref: '#/components/schemas/OrderStatus' });
    expect(schemas.OrderStatus.enum).toEqual(['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED']);
    expect(schemas.OrderErrorCode.enum).toContain('TENANT_TOKEN_REJECTED');
  });

  it('gives provision and test the configuration schema, referenced, the same as GET /api/v1/schema/configuration', async () => {
    for (const path of ['/api/v1/provision', '/api/v1/provision/test']) {
      const body = document.paths[path].post!.requestBody as { required: boolean; content: Record<string, { schema: Json }> };
      expect(body.required).toBe(true);
      expect(body.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Configuration' });
    }
    const served = await app.request('GET', '/api/v1/schema/configuration');
    const schemas = document.components!.schemas as Record<string, Json>;
    expect(Object.keys(served.body.$defs).map((name) => `Configuration${name[0].toUpperCase()}${name.slice(1)}`).every((name) => name in schemas)).toBe(true);
    expect(schemas.Configuration.required).toEqual(served.body.required);
    expect(Object.keys(schemas.Configuration.properties as Json)).toEqual(Object.keys(served.body.properties));
  });

  it("has an example on every body, and the configuration's example is accepted by the service", async () => {
    const withContent: Json[] = [];
    for (const [, , operation] of operations()) {
      if (operation.requestBody) withContent.push(operation.requestBody);
      for (const response of Object.values(operation.responses)) if (response.content) withContent.push(response);
    }
    for (const holder of withContent) {
      for (const [type, media] of Object.entries(holder.content as Record<string, Json>)) {
        if (type === 'application/schema+json') continue;
        expect(media.example, JSON.stringify(holder).slice(0, 200)).toBeDefined();
      }
    }
    const provisionBody = (document.paths['/api/v1/provision'].post!.requestBody as { content: Record<string, Json> }).content['application/json'];
    expect(provisionBody.example).toEqual(CONFIGURATION_EXAMPLE);
    const tested = await app.request('POST', '/api/v1/provision/test', { body: CONFIGURATION_EXAMPLE });
    expect(tested.status, JSON.stringify(tested.body)).toBe(200);
  });

  it('uses integer types only, and resolves every $ref', () => {
    const text = JSON.stringify(document);
    visit(document, (node) => {
      expect(node.type === 'number' || (Array.isArray(node.type) && node.type.includes('number')), JSON.stringify(node)).toBe(false);
      expect('nullable' in node && typeof node.nullable === 'boolean').toBe(false);
      if (typeof node.$ref === 'string') {
        const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(node.$ref) ?? [];
        expect((document.components as Record<string, Json>)[section]?.[name], node.$ref).toBeDefined();
      }
    });
    expect(text).toContain('"format":"int32"');
  });

  it('describes the orderStatusChanged webhook with its body and the three Standard Webhooks headers', () => {
    const webhook = (document as unknown as { webhooks: Record<string, { post: Operation }> }).webhooks.orderStatusChanged.post;
    expect(webhook.parameters!.map((parameter) => parameter.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    const media = (webhook.requestBody as { content: Record<string, Json> }).content['application/json'];
    expect(media.schema).toEqual({ $ref: '#/components/schemas/OrderStatusChangedEvent' });
    expect(media.example).toMatchObject({ mid: 2, type: 'orderStatusChanged', data: { id: 42, status: 'FAILED' } });
  });
});
