import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';

/** The order API without an executor (EXECUTOR_ENABLED=false): orders stay where the API puts them. */
const CANARY_TOKEN = 'canary-tenant-token-7c1f0e5a9b3d';
const CONFIG = {
  version: 1,
  organization: { name: 'Fairy Tail', email: 'info@fairytail.example' },
  users: [
    { email: 'natsu@fairytail.example', firstName: 'Natsu', lastName: 'Dragneel', internalNumber: '201', phones: [{ macAddress: '805ec0123456', model: 'Yealink T54W' }] },
  ],
  departments: [{ name: 'Sales', users: ['natsu@fairytail.example'], internalNumbers: ['200'], fallback: { type: 'voicemail' } }],
};

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Xelion-Server-Url': 'http://127.0.0.1:9',
    'Xelion-Tenant-Name': 'pbx1',
    'Xelion-Tenant-Token': CANARY_TOKEN,
    ...extra,
  };
}

let app: TestApp;
let org: OrgWithKey;

beforeAll(async () => {
  app = await startTestApp({ EXECUTOR_ENABLED: 'false' });
  org = await createOrganization(app, ROOT_KEY, 'orders api');
});
afterAll(() => app?.close());

describe('POST /api/v1/provision', () => {
  it('creates an order: 201 { id } with Location, NOT_STARTED, steps derived from the configuration', async () => {
    const response = await app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: headers() });
    expect(response.status, response.text).toBe(201);
    expect(response.body).toEqual({ id: expect.any(Number) });
    expect(response.headers.get('location')).toBe(`/api/v1/orders/${response.body.id}`);

    const order = await app.request('GET', `/api/v1/orders/${response.body.id}`, { key: org.key });
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({
      id: response.body.id,
      organizationId: org.id,
      status: 'NOT_STARTED',
      startedAt: null,
      finishedAt: null,
      tenant: { serverUrl: 'http://127.0.0.1:9', name: 'pbx1' },
      callbackUrl: null,
      progress: { done: 0, total: 6 },
      currentStep: null,
      error: null,
      result: null,
    });
    // The stored configuration is the validator's normalised one (upper-case MAC with colons).
    expect(order.body.configuration.users[0].phones[0].macAddress).toBe('80:5E:C0:12:34:56');

    const steps = await app.request('GET', `/api/v1/orders/${response.body.id}/steps`, { key: org.key });
    expect(steps.body.data.map((s: { name: string }) => s.name)).toEqual([
      'preflight',
      'organization',
      'user natsu@fairytail.example',
      'department Sales',
      'phones natsu@fairytail.example',
      'fallbacks',
    ]);
    expect(steps.body.data.every((s: { status: string; attempts: number }) => s.status === 'PENDING' && s.attempts === 0)).toBe(true);

    // The token is stored sealed (AES-256-GCM, bound to the order id), never in clear.
    const [row] = await app.dataSource.query('SELECT tenant_token_sealed FROM orders WHERE id = $1', [response.body.id]);
    expect(row.tenant_token_sealed).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(row.tenant_token_sealed).not.toContain(CANARY_TOKEN);
  });

  it.each([
    ['Xelion-Server-Url', { 'Xelion-Server-Url': '' }, 'Xelion-Server-Url header is required'],
    ['Xelion-Server-Url', { 'Xelion-Server-Url': 'ftp://x.example' }, 'Xelion-Server-Url header is not acceptable'],
    ['Xelion-Server-Url', { 'Xelion-Server-Url': 'https://user:pw@x.example' }, 'credentials'],
    ['Xelion-Tenant-Name', { 'Xelion-Tenant-Name': '' }, 'Xelion-Tenant-Name header is required'],
    ['Xelion-Tenant-Name', { 'Xelion-Tenant-Name': 'a/b' }, 'Xelion-Tenant-Name header must be'],
    ['Xelion-Tenant-Token', { 'Xelion-Tenant-Token': '' }, 'Xelion-Tenant-Token header is required'],
    ['X-Callback-Url', { 'X-Callback-Url': 'not a url' }, 'X-Callback-Url header is not acceptable'],
    ['Idempotency-Key', { 'Idempotency-Key': 'has space' }, 'Idempotency-Key header must be'],
  ])('a missing or malformed %s is a 400 naming it', async (header, override, message) => {
    const all = { ...headers(), ...override };
    for (const [name, value] of Object.entries(all)) if (value === '') delete all[name as keyof typeof all];
    const response = await app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: all });
    expect(response.status, response.text).toBe(400);
    expect(response.body.message).toContain(message);
    expect(response.body.details[0].field).toBe(header);
  });

  it('checks headers before the body, and validates the body exactly as /provision/test', async () => {
    const bad = { version: 2, organization: {} };
    const noHeader = await app.request('POST', '/api/v1/provision', { key: org.key, body: bad, headers: { 'Xelion-Tenant-Name': 'pbx1' } });
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.message).toContain('Xelion-Server-Url');

    const response = await app.request('POST', '/api/v1/provision', { key: org.key, body: bad, headers: headers() });
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('Configuration is invalid');
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/version' })]));
  });

  it('Idempotency-Key: the same request gives the same order (200), another request a 422', async () => {
    const key = { 'Idempotency-Key': 'order-key-1' };
    const first = await app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: headers(key) });
    expect(first.status).toBe(201);
    const again = await app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: headers({ ...key, 'Xelion-Tenant-Token': 'a-refreshed-token' }) });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: first.body.id });
    expect(again.headers.get('location')).toBe(`/api/v1/orders/${first.body.id}`);

    const other = await app.request('POST', '/api/v1/provision', {
      key: org.key,
      body: { ...CONFIG, organization: { name: 'Other' } },
      headers: headers(key),
    });
    expect(other.status).toBe(422);
    expect(other.body.message).toContain('Idempotency-Key');

    // Keys are per organization: another organization's same key is a new order.
    const root = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: CONFIG, headers: headers(key) });
    expect(root.status).toBe(201);
    expect(root.body.id).not.toBe(first.body.id);

    // After 24 hours the key starts a new order.
    await app.dataSource.query(`UPDATE orders SET created_at = now() - interval '25 hours' WHERE id = $1`, [first.body.id]);
    const later = await app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: headers(key) });
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('Idempotency-Key: concurrent identical requests create one order', async () => {
    const key = { 'Idempotency-Key': 'concurrent-key' };
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => app.request('POST', '/api/v1/provision', { key: org.key, body: CONFIG, headers: headers(key) })),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
  });
});

describe('reading and steering orders', () => {
  async function newOrder(key = org.key): Promise<number> {
    const response = await app.request('POST', '/api/v1/provision', { key, body: CONFIG, headers: headers() });
    expect(response.status, response.text).toBe(201);
    return response.body.id;
  }

  it('lists the subtree with filters, newest first, without configurations', async () => {
    const child = await createOrganization(app, org.key, 'orders child');
    const mine = await newOrder();
    const childs = await newOrder(child.key);
    const all = await app.request('GET', '/api/v1/orders?limit=200', { key: org.key });
    expect(all.status).toBe(200);
    const ids = all.body.data.map((o: { id: number }) => o.id);
    expect(ids).toEqual(expect.arrayContaining([mine, childs]));
    expect(ids).toEqual([...ids].sort((a: number, b: number) => b - a));
    expect(all.body.data[0].configuration).toBeUndefined();

    const onlyChild = await app.request('GET', `/api/v1/orders?organizationId=${child.id}`, { key: org.key });
    expect(onlyChild.body.data.map((o: { id: number }) => o.id)).toEqual([childs]);
    const childSees = await app.request('GET', '/api/v1/orders', { key: child.key });
    expect(childSees.body.data.map((o: { id: number }) => o.id)).toEqual([childs]);
    // An organization outside the subtree just matches nothing.
    const outside = await app.request('GET', `/api/v1/orders?organizationId=${org.id}`, { key: child.key });
    expect(outside.status).toBe(200);
    expect(outside.body.data).toEqual([]);

    const future = await app.request('GET', `/api/v1/orders?createdAfter=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { key: org.key });
    expect(future.body.data).toEqual([]);
    const past = await app.request('GET', `/api/v1/orders?createdBefore=2000-01-01T00:00:00Z&status=NOT_STARTED`, { key: org.key });
    expect(past.body.data).toEqual([]);
    const failed = await app.request('GET', '/api/v1/orders?status=FAILED', { key: org.key });
    expect(failed.body.data.every((o: { status: string }) => o.status === 'FAILED')).toBe(true);
  });

  it.each([
    ['status=DONE', 'status must be one of'],
    ['organizationId=abc', 'organizationId must be a positive integer'],
    ['createdAfter=yesterday', 'createdAfter must be an ISO 8601 date-time'],
    ['createdBefore=2026-13-01', 'createdBefore must be an ISO 8601 date-time'],
  ])('a bad filter %s is a 400 that says so', async (query, message) => {
    const response = await app.request('GET', `/api/v1/orders?${query}`, { key: org.key });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).toContain(message);
  });

  it('cancel: only NOT_STARTED, which becomes FAILED with CANCELLED and loses its token', async () => {
    const id = await newOrder();
    const cancelled = await app.request('POST', `/api/v1/orders/${id}/cancel`, { key: org.key });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'FAILED', error: { code: 'CANCELLED', step: null } });
    expect(cancelled.body.finishedAt).not.toBeNull();
    const [row] = await app.dataSource.query('SELECT tenant_token_sealed FROM orders WHERE id = $1', [id]);
    expect(row.tenant_token_sealed).toBeNull();
    const again = await app.request('POST', `/api/v1/orders/${id}/cancel`, { key: org.key });
    expect(again.status).toBe(409);
  });

  it('retry: only FAILED; back to NOT_STARTED; needs a token when the stored one was erased', async () => {
    const id = await newOrder();
    expect((await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key })).status).toBe(409);
    await app.request('POST', `/api/v1/orders/${id}/cancel`, { key: org.key });
    const noToken = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key });
    expect(noToken.status).toBe(400);
    expect(noToken.body.message).toContain('Xelion-Tenant-Token header is required');
    const retried = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key, headers: { 'Xelion-Tenant-Token': 'a-new-token' } });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ status: 'NOT_STARTED', error: null, finishedAt: null });
    const [row] = await app.dataSource.query('SELECT tenant_token_sealed FROM orders WHERE id = $1', [id]);
    expect(row.tenant_token_sealed).toMatch(/^v1\./);
  });

  it('other organizations get 404 for every order endpoint; a bad id is a 400', async () => {
    const id = await newOrder();
    const stranger = await createOrganization(app, ROOT_KEY, 'stranger');
    for (const [method, path] of [
      ['GET', `/api/v1/orders/${id}`],
      ['GET', `/api/v1/orders/${id}/steps`],
      ['POST', `/api/v1/orders/${id}/cancel`],
      ['POST', `/api/v1/orders/${id}/retry`],
    ]) {
      const response = await app.request(method, path, { key: stranger.key });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.message).toBe(`order ${id} not found`);
    }
    expect((await app.request('GET', '/api/v1/orders/abc', { key: org.key })).status).toBe(400);
  });

  it('never returns or logs the tenant token', async () => {
    const all = await app.request('GET', '/api/v1/orders?limit=200', { key: ROOT_KEY });
    expect(all.text).not.toContain(CANARY_TOKEN);
    for (const order of all.body.data) {
      const one = await app.request('GET', `/api/v1/orders/${order.id}`, { key: ROOT_KEY });
      expect(one.text).not.toContain(CANARY_TOKEN);
      const steps = await app.request('GET', `/api/v1/orders/${order.id}/steps`, { key: ROOT_KEY });
      expect(steps.text).not.toContain(CANARY_TOKEN);
    }
    expect(app.logs()).not.toContain(CANARY_TOKEN);
  });
});
