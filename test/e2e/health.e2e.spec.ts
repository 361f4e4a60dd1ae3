import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('health probes', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('report up while the database answers', async () => {
    expect((await app.request('GET', '/health')).body).toEqual({ status: 'ok', database: 'up' });
    expect((await app.request('GET', '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await app.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', checks: { database: { status: 'up' } } });
  });

  it('answer 503 when the database is gone, while liveness stays up', async () => {
    await app.dataSource.destroy();
    const health = await app.request('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toEqual({ status: 'error', database: 'down' });
    expect((await app.request('GET', '/health/ready')).status).toBe(503);
    expect((await app.request('GET', '/health/live')).status).toBe(200);
  });
});
