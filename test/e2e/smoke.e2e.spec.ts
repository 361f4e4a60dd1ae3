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

  it('creates the root organization with ROOT_API_KEY on first start', async () => {
    const response = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ name: 'root', parentId: null, disabled: false });
  });
});
