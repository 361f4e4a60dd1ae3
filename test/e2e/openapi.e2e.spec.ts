import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiDocument, renderOpenApi } from '../../src/openapi.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

describe('OpenAPI', () => {
  it('docs/openapi.json is up to date (run `npm run openapi`)', () => {
    expect(readFileSync('docs/openapi.json', 'utf8')).toBe(renderOpenApi(createOpenApiDocument(app.app)));
  });

  it('serves Swagger UI and the document publicly, with the X-Auth-Key scheme', async () => {
    const ui = await app.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const json = await app.request('GET', '/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.components.securitySchemes['api-key']).toEqual({ type: 'apiKey', in: 'header', name: 'X-Auth-Key' });
    expect(json.body.paths['/api/v1/organizations/{id}'].get).toBeDefined();
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

  it('documents 429 and 503 with Retry-After on every rate-limited route, and only there', () => {
    const document = createOpenApiDocument(app.app);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue;
        const responses = (operation as { responses: Record<string, { headers?: Record<string, unknown> }> }).responses;
        if (/^\/(health|metrics)/.test(path)) {
          expect(responses['429'], `${method} ${path}`).toBeUndefined();
          continue;
        }
        expect(responses['429']?.headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
        for (const [status, response] of Object.entries(responses)) {
          if (status.startsWith('2')) expect(response.headers?.['RateLimit-Remaining'], `${method} ${path} ${status}`).toBeDefined();
        }
        expect(responses['503']?.headers?.['Retry-After'], `${method} ${path}`).toBeDefined();
      }
    }
    expect(JSON.stringify(document.paths['/api/v1/provision'].post!.responses['429'])).toContain('MAX_UNFINISHED_ORDERS');
  });
});
