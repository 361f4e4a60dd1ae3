import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

describe('service start-up', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('answers /health', async () => {
    const response = await app.request('GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', database: 'up' });
    expect(response.headers.get('x-request-id')).toMatch(/[0-9a-f-]{36}/);
  });

  it('sends security headers, and no-store on API answers', async () => {
    const health = await app.request('GET', '/health');
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
    expect(health.headers.get('x-frame-options')).toBe('DENY');
    expect(health.headers.get('referrer-policy')).toBe('no-referrer');
    const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it('creates the root organization with ROOT_API_KEY on first start', async () => {
    const response = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'root', parentId: null, disabled: false });
  });
});
