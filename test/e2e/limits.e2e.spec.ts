import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** Rate limits per API key and the limit of unfinished orders per organization (issue 8). */
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));

describe('RATE_LIMIT_PER_MINUTE', () => {
  const LIMIT = 5;
  let app: TestApp;
  let first: string;
  let second: string;

  beforeAll(async () => {
    app = await startTestApp({ RATE_LIMIT_PER_MINUTE: String(LIMIT), EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    // Four requests of the root key: within its own budget.
    first = (await createOrganization(app, ROOT_KEY, 'limited one')).key;
    second = (await createOrganization(app, ROOT_KEY, 'limited two')).key;
  });
  afterAll(() => app?.close());

  it('answers the request after the limit with 429, Retry-After and the error shape; another key is unaffected', async () => {
    for (let i = 0; i < LIMIT; i++) {
      const response = await app.request('GET', '/api/v1/organizations/me', { key: first });
      expect(response.status, `request ${i + 1}`).toBe(200);
    }
    const refused = await app.request('GET', '/api/v1/organizations', { key: first });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining(`at most ${LIMIT} requests per minute per API key`),
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('x-request-id')).toBeTruthy();

    // Another key, and the root key, still have their own budgets.
    expect((await app.request('GET', '/api/v1/organizations/me', { key: second })).status).toBe(200);
    expect((await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(200);
    // The limited key stays refused within the minute.
    expect((await app.request('GET', '/api/v1/organizations/me', { key: first })).status).toBe(429);
    // The key itself never reaches the logs.
    expect(app.logs()).not.toContain(first);
  });

  it('never limits the probes and the metrics', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      expect((await app.request('GET', '/health/live')).status).toBe(200);
      expect((await app.request('GET', '/metrics')).status).toBe(200);
    }
    expect((await app.request('GET', '/health/ready')).status).toBe(200);
  });

  it('limits public API routes per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await app.request('GET', '/api/v1/schema/configuration')).status);
    expect(statuses.slice(0, LIMIT).every((status) => status === 200)).toBe(true);
    const refused = await app.request('GET', '/api/v1/schema/configuration');
    expect(refused.status).toBe(429);
    expect(refused.body.message).toContain('per client address');
  });
});

describe('RATE_LIMIT_PER_MINUTE=0', () => {
  it('turns the limit off', async () => {
    const app = await startTestApp({ RATE_LIMIT_PER_MINUTE: '0', EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    try {
      for (let i = 0; i < 30; i++) expect((await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('MAX_UNFINISHED_ORDERS', () => {
  const MAX = 3;
  let app: TestApp;
  let org: { id: number; key: string };
  let other: { id: number; key: string };

  const provision = (key: string, idempotencyKey?: string) =>
    app.request('POST', '/api/v1/provision', {
      key,
      body: SMALL_OFFICE,
      headers: {
        'Xelion-Server-Url': 'http://127.0.0.1:9',
        'Xelion-Tenant-Name': 'pbx1',
        'Xelion-Tenant-Token': 'canary-limits-token-3a9d',
        ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      },
    });

  async function organization(name: string): Promise<{ id: number; key: string }> {
    const created = await createOrganization(app, ROOT_KEY, name);
    return { id: created.id, key: created.key };
  }

  beforeAll(async () => {
    // No executor: orders stay NOT_STARTED.
    app = await startTestApp({ MAX_UNFINISHED_ORDERS: String(MAX), EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    org = await organization('busy reseller');
    other = await organization('quiet reseller');
  });
  afterAll(() => app?.close());

  it('accepts N orders and answers the next one with 429 naming the count and the limit', async () => {
    const ids: number[] = [];
    for (let i = 0; i < MAX; i++) {
      const response = await provision(org.key, i === 0 ? 'first-order' : undefined);
      expect(response.status, response.text).toBe(201);
      ids.push(response.body.id);
    }
    const refused = await provision(org.key);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining(`has ${MAX} unfinished orders (NOT_STARTED or IN_PROGRESS), the limit (MAX_UNFINISHED_ORDERS) is ${MAX}`),
    });
    expect(Number((await app.dataSource.query(`SELECT count(*)::int AS n FROM orders WHERE organization_id = $1`, [org.id]))[0].n)).toBe(MAX);

    // A repeated Idempotency-Key still answers with its order.
    const repeated = await provision(org.key, 'first-order');
    expect(repeated.status, repeated.text).toBeLessThan(300);
    expect(repeated.body.id).toBe(ids[0]);

    // Another organization has its own count.
    expect((await provision(other.key)).status).toBe(201);

    // Once one is finished (cancelled: FAILED), there is room for one more.
    expect((await app.request('POST', `/api/v1/orders/${ids[1]}/cancel`, { key: org.key })).status).toBe(200);
    expect((await provision(org.key)).status).toBe(201);
    expect((await provision(org.key)).status).toBe(429);
  });

  it('lets exactly N of many racing requests through', async () => {
    const racer = await organization('racing reseller');
    const answers = await Promise.all(Array.from({ length: 8 }, () => provision(racer.key)));
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses, answers.map((answer) => answer.text).join('\n')).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
    expect(Number((await app.dataSource.query(`SELECT count(*)::int AS n FROM orders WHERE organization_id = $1`, [racer.id]))[0].n)).toBe(MAX);
  });
});
