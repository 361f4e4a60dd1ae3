import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * docs/security.md, "Quotas per subtree": the limits hold for the subtree of the acting organization
 * and of every ancestor below the root, so an organization cannot escape them by creating children.
 * No executor: orders stay NOT_STARTED where the test puts them.
 */
const MAX_ORDERS = 3;
const MAX_ORGANIZATIONS = 4;
const MAX_KEYS = 6;
const MINIMAL = { version: 1, organization: { name: 'Quota Tenant' } };

let app: TestApp;

const provision = (key: string) =>
  app.request('POST', '/api/v1/provision', {
    key,
    body: MINIMAL,
    headers: { 'Xelion-Server-Url': 'http://127.0.0.1:9', 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': 'canary-quota-token-77b1' },
  });

async function order(org: OrgWithKey): Promise<number> {
  const response = await provision(org.key);
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

const newOrganization = (callerKey: string, parentId: number) => app.request('POST', '/api/v1/organizations', { key: callerKey, body: { name: 'quota org', parentId } });
const newKey = (callerKey: string, organizationId: number) => app.request('POST', `/api/v1/organizations/${organizationId}/api-keys`, { key: callerKey, body: {} });

beforeAll(async () => {
  app = await startTestApp({
    MAX_UNFINISHED_ORDERS: String(MAX_ORDERS),
    MAX_ORGANIZATIONS_PER_SUBTREE: String(MAX_ORGANIZATIONS),
    MAX_API_KEYS_PER_SUBTREE: String(MAX_KEYS),
    EXECUTOR_ENABLED: 'false',
    WEBHOOK_DISPATCHER_ENABLED: 'false',
  });
});
afterAll(() => app?.close());

describe('MAX_UNFINISHED_ORDERS per subtree', () => {
  it('counts the whole subtree below the root: children do not add room; other subtrees and the root are apart', async () => {
    const distributor = await createOrganization(app, ROOT_KEY, 'orders distributor');
    const reseller = await createOrganization(app, distributor.key, 'orders reseller', distributor.id);
    const customer = await createOrganization(app, reseller.key, 'orders customer', reseller.id);
    const first = await order(customer);
    await order(customer);
    await order(reseller);

    for (const org of [customer, reseller, distributor]) {
      const refused = await provision(org.key);
      expect(refused.status, org.name).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(refused.body.message).toBe(
        `the subtree of organization ${distributor.id} has ${MAX_ORDERS} unfinished orders (NOT_STARTED or IN_PROGRESS), the limit (MAX_UNFINISHED_ORDERS) is ${MAX_ORDERS} per subtree below the root; wait until some finish, or cancel NOT_STARTED ones`,
      );
    }
    // A new child brings no room of its own.
    const escape = await createOrganization(app, customer.key, 'escape attempt', customer.id);
    expect((await provision(escape.key)).status).toBe(429);

    // Another subtree, and the root's own orders, are counted apart.
    const other = await createOrganization(app, ROOT_KEY, 'orders other');
    expect((await provision(other.key)).status).toBe(201);
    expect((await provision(ROOT_KEY)).status).toBe(201);

    // A cancelled order makes room for one; its retry is refused while the subtree is full again.
    expect((await app.request('POST', `/api/v1/orders/${first}/cancel`, { key: customer.key })).status).toBe(200);
    await order(escape);
    const retry = await app.request('POST', `/api/v1/orders/${first}/retry`, { key: distributor.key, headers: { 'Xelion-Tenant-Token': 'a-new-token' } });
    expect(retry.status, retry.text).toBe(429);
    expect(retry.headers.get('retry-after')).toBe('30');
    expect(retry.body.message).toContain('the limit (MAX_UNFINISHED_ORDERS) is 3');
    expect((await app.request('GET', `/api/v1/orders/${first}`, { key: customer.key })).body.status).toBe('FAILED');
  });

  it('lets exactly N of many racing requests from different organizations of one subtree through', async () => {
    const distributor = await createOrganization(app, ROOT_KEY, 'racing distributor');
    const a = await createOrganization(app, distributor.key, 'racing a', distributor.id);
    const b = await createOrganization(app, distributor.key, 'racing b', distributor.id);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => provision([a, b][i % 2].key)));
    expect(answers.map((answer) => answer.status).sort(), answers.map((answer) => answer.text).join('\n')).toEqual([201, 201, 201, 429, 429, 429, 429, 429]);
  });
});

describe('MAX_ORGANIZATIONS_PER_SUBTREE and MAX_API_KEYS_PER_SUBTREE', () => {
  it('refuse new organizations beyond the limit anywhere in the subtree (disabled ones count); the root is not limited', async () => {
    const distributor = await createOrganization(app, ROOT_KEY, 'orgs distributor');
    const reseller = await createOrganization(app, distributor.key, 'orgs reseller', distributor.id);
    expect((await newOrganization(reseller.key, reseller.id)).status).toBe(201);
    const disabled = await newOrganization(distributor.key, distributor.id);
    expect(disabled.status).toBe(201);
    expect((await app.request('DELETE', `/api/v1/organizations/${disabled.body.id}`, { key: distributor.key })).status).toBe(204);
    // The distributor, the reseller, its child and the disabled one: 4.
    for (const [caller, parentId] of [
      [reseller.key, reseller.id],
      [distributor.key, distributor.id],
      [ROOT_KEY, reseller.id],
    ] as const) {
      const refused = await newOrganization(caller, parentId);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe(
        `the subtree of organization ${distributor.id} already holds ${MAX_ORGANIZATIONS} organizations, the limit (MAX_ORGANIZATIONS_PER_SUBTREE) is ${MAX_ORGANIZATIONS} per subtree below the root`,
      );
    }
    const [{ n }] = await app.dataSource.query(`SELECT count(*)::int AS n FROM organizations WHERE id = $1 OR ancestor_ids @> ARRAY[$1]::int[]`, [distributor.id]);
    expect(n).toBe(MAX_ORGANIZATIONS);
    // Top-level organizations (the root's children) are not limited by the root's subtree.
    for (let i = 0; i < MAX_ORGANIZATIONS + 1; i++) expect((await newOrganization(ROOT_KEY, (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id)).status).toBe(201);
  });

  it('holds under racing creators', async () => {
    const distributor = await createOrganization(app, ROOT_KEY, 'racing orgs');
    const answers = await Promise.all(Array.from({ length: 8 }, () => newOrganization(distributor.key, distributor.id)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 201, 201, 409, 409, 409, 409, 409]);
  });

  it('refuse new API keys beyond the limit anywhere in the subtree (revoked ones count)', async () => {
    const distributor = await createOrganization(app, ROOT_KEY, 'keys distributor'); // key 1
    const reseller = await createOrganization(app, distributor.key, 'keys reseller', distributor.id); // key 2
    await createApiKey(app, reseller.key, reseller.id); // 3
    await createApiKey(app, distributor.key, distributor.id); // 4
    const revoked = await newKey(distributor.key, reseller.id); // 5
    expect(revoked.status).toBe(201);
    expect((await app.request('DELETE', `/api/v1/organizations/${reseller.id}/api-keys/${revoked.body.id}`, { key: distributor.key })).status).toBe(204);
    const racing = await Promise.all([newKey(reseller.key, reseller.id), newKey(distributor.key, distributor.id), newKey(reseller.key, reseller.id)]);
    expect(racing.map((answer) => answer.status).sort()).toEqual([201, 409, 409]);
    const refused = racing.find((answer) => answer.status === 409)!;
    expect(refused.body.message).toBe(
      `the subtree of organization ${distributor.id} already holds ${MAX_KEYS} API keys, the limit (MAX_API_KEYS_PER_SUBTREE) is ${MAX_KEYS} per subtree below the root`,
    );
    expect((await newKey(ROOT_KEY, reseller.id)).status).toBe(409);
    // The root's own keys are not limited.
    const root = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id;
    for (let i = 0; i < MAX_KEYS + 1; i++) expect((await newKey(ROOT_KEY, root)).status).toBe(201);
  });
});
