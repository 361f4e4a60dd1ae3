import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** Rate limits per API key and the limit of unfinished orders per organization. */
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

describe('RateLimit headers', () => {
  it('are on every answer of a limited route, 2xx included; the budget is the key id’s', async () => {
    const app = await startTestApp({ RATE_LIMIT_PER_MINUTE: '7', EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    try {
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
        expect(response.status).toBe(200);
        expect(response.headers.get('ratelimit-limit')).toBe('7');
        const reset = Number(response.headers.get('ratelimit-reset'));
        expect(reset).toBeGreaterThanOrEqual(1);
        expect(reset).toBeLessThanOrEqual(60);
        remaining.push(Number(response.headers.get('ratelimit-remaining')));
      }
      expect(remaining).toEqual([6, 5, 4]);
      // Requests with other (wrong) keys do not spend this key's budget, nor get one of their own.
      expect((await app.request('GET', '/api/v1/organizations/me', { key: `${ROOT_KEY}-not-it` })).status).toBe(401);
      expect((await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).headers.get('ratelimit-remaining')).toBe('3');
      // A public route counts per client address, with the same headers.
      const schema = await app.request('GET', '/api/v1/schema/configuration');
      expect(schema.headers.get('ratelimit-limit')).toBe('7');
      expect(schema.headers.get('ratelimit-remaining')).toBe('6');
      // Probes are not limited and carry none.
      expect((await app.request('GET', '/health/live')).headers.get('ratelimit-limit')).toBeNull();
    } finally {
      await app.close();
    }
  });
});

describe('AUTH_FAILURES_PER_MINUTE', () => {
  const FAILURES = 10;
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ AUTH_FAILURES_PER_MINUTE: String(FAILURES), RATE_LIMIT_PER_MINUTE: '30', EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
  });
  afterAll(() => app?.close());

  it('answers 429 once a client address failed authentication N times, random keys and the same wrong key alike', async () => {
    const statuses: number[] = [];
    // 40 random keys, then the same wrong key 35 times: before, neither was ever limited.
    for (let i = 0; i < 40; i++) statuses.push((await app.request('GET', '/api/v1/orders', { key: `xps_${Math.random().toString(36).slice(2)}${'q'.repeat(30)}` })).status);
    for (let i = 0; i < 35; i++) statuses.push((await app.request('GET', '/api/v1/orders', { key: `${ROOT_KEY}-wrong` })).status);
    expect(statuses.slice(0, FAILURES).every((status) => status === 401), statuses.join(',')).toBe(true);
    expect(statuses.slice(FAILURES).every((status) => status === 429), statuses.join(',')).toBe(true);
    const refused = await app.request('GET', '/api/v1/orders', { key: 'another-wrong-key' });
    expect(refused.status).toBe(429);
    expect(refused.body.message).toContain(`at most ${FAILURES} failed authentications per minute per client address (AUTH_FAILURES_PER_MINUTE)`);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit-limit')).toBe(String(FAILURES));
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    // Without a key at all, too: the address is refused before anything is looked up.
    expect((await app.request('GET', '/api/v1/orders')).status).toBe(429);
  });
});

describe('TRUST_PROXY', () => {
  const limitedBy = async (env: Record<string, string>): Promise<number[]> => {
    const app = await startTestApp({ RATE_LIMIT_PER_MINUTE: '2', EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false', ...env });
    try {
      const statuses: number[] = [];
      for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        statuses.push((await app.request('GET', '/api/v1/schema/configuration', { headers: { 'x-forwarded-for': address } })).status);
      }
      return statuses;
    } finally {
      await app.close();
    }
  };

  it('X-Forwarded-For is not believed by default: one budget for the socket’s address', async () => {
    expect(await limitedBy({})).toEqual([200, 200, 429]);
  });

  it('TRUST_PROXY=127.0.0.1 believes the proxy on loopback: one budget per forwarded address', async () => {
    expect(await limitedBy({ TRUST_PROXY: '127.0.0.1' })).toEqual([200, 200, 200]);
  });
});

describe('PROVISION_TEST_PER_MINUTE', () => {
  it('limits the public configuration test per client address on its own', async () => {
    const app = await startTestApp({ PROVISION_TEST_PER_MINUTE: '3', RATE_LIMIT_PER_MINUTE: '100', EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await app.request('POST', '/api/v1/provision/test', { body: SMALL_OFFICE })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await app.request('POST', '/api/v1/provision/test', { body: SMALL_OFFICE });
      expect(refused.body.message).toContain('at most 3 configuration tests per minute per client address (PROVISION_TEST_PER_MINUTE)');
      // Other public routes keep their own budget.
      expect((await app.request('GET', '/api/v1/schema/configuration')).status).toBe(200);
    } finally {
      await app.close();
    }
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
