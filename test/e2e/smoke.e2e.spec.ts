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

describe('two applications in one process', () => {
  it('each authenticates against its own database, also after the other closed', async () => {
    const first = await startTestApp();
    const otherKey = `other-root-key-${'y'.repeat(32)}`;
    const second = await startTestApp({ ROOT_API_KEY: otherKey });
    try {
      expect((await first.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(200);
      expect((await first.request('GET', '/api/v1/organizations/me', { key: otherKey })).status).toBe(401);
      expect((await second.request('GET', '/api/v1/organizations/me', { key: otherKey })).status).toBe(200);
      expect((await second.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(401);
    } finally {
      await second.close();
    }
    try {
      expect((await first.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(200);
    } finally {
      await first.close();
    }
  });
});
