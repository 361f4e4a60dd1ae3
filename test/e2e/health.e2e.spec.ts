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

  it('liveness (served by Fastify alone) answers as every route does: JSON, security headers, request id, counted', async () => {
    const live = await app.request('GET', '/health/live', { headers: { 'x-request-id': 'live-probe-1' } });
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    expect(live.headers.get('content-type')).toMatch(/^application\/json/);
    expect(live.headers.get('x-request-id')).toBe('live-probe-1');
    expect(live.headers.get('x-content-type-options')).toBe('nosniff');
    expect(live.headers.get('x-frame-options')).toBe('DENY');
    expect((await app.request('HEAD', '/health/live')).status).toBe(200);
    expect((await app.request('POST', '/health/live')).status).toBe(404);
    const metrics = await app.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/xps_http_requests_total\{method="GET",route="\/health\/live",status="200"\} [1-9]/);
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
