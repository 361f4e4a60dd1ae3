import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * GET /api/v1/orders reads a page in one of two ways (OrdersService.list): organization by organization
 * for a subtree of at most 2,000 organizations, by walking all orders newest first for a larger one.
 * Both must give exactly the subtree's orders, newest first, with every filter and across pages.
 */
let app: TestApp;
let big: OrgWithKey;
let small: { id: number; key: string };
let leaf: number;

async function insertOrders(rows: { org: number; status: string }[]): Promise<void> {
  await app.dataSource.query(
    `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, configuration)
     SELECT o, s, 'https://tenant.example.com', 'tenant', '{}'::jsonb FROM unnest($1::int[], $2::varchar[]) AS t(o, s)`,
    [rows.map((row) => row.org), rows.map((row) => row.status)],
  );
}

/** What the page must hold, straight from the tables. */
async function expected(scope: number, where = 'TRUE', params: unknown[] = []): Promise<number[]> {
  const rows: { id: number }[] = await app.dataSource.query(
    `SELECT o.id FROM orders o JOIN organizations g ON g.id = o.organization_id
      WHERE (g.id = $1 OR g.ancestor_ids @> ARRAY[$1]::int[]) AND ${where} ORDER BY o.id DESC`,
    [scope, ...params],
  );
  return rows.map((row) => row.id);
}

async function allPages(key: string, query: string, limit: number): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | null = null;
  do {
    const response = await app.request('GET', `/api/v1/orders?limit=${limit}&${query}${cursor ? `&cursor=${cursor}` : ''}`, { key });
    expect(response.status, response.text).toBe(200);
    ids.push(...(response.body.data as { id: number }[]).map((order) => order.id));
    cursor = response.body.nextCursor as string | null;
  } while (cursor);
  return ids;
}

beforeAll(async () => {
  app = await startTestApp({ EXECUTOR_ENABLED: 'false' });
  big = await createOrganization(app, ROOT_KEY, 'big distributor');
  // 2,100 organizations below `big` (more than the organization-by-organization limit), set-based.
  await app.dataSource.query(
    `INSERT INTO organizations (name, parent_id, ancestor_ids)
     SELECT 'reseller ' || i, $1, ARRAY[1, $1]::int[] FROM generate_series(1, 2100) i`,
    [big.id],
  );
  const [{ id: smallId }]: { id: number }[] = await app.dataSource.query(
    `SELECT id FROM organizations WHERE parent_id = $1 ORDER BY id LIMIT 1`,
    [big.id],
  );
  const [{ id: leafId }]: { id: number }[] = await app.dataSource.query(
    `INSERT INTO organizations (name, parent_id, ancestor_ids) VALUES ('leaf', $1, ARRAY[1, $2, $1]::int[]) RETURNING id`,
    [smallId, big.id],
  );
  small = { id: smallId, key: await createApiKey(app, ROOT_KEY, smallId) };
  leaf = leafId;
  const [{ min, max }]: { min: number; max: number }[] = await app.dataSource.query(
    `SELECT min(id) AS min, max(id) AS max FROM organizations WHERE parent_id = $1`,
    [big.id],
  );
  const statuses = ['COMPLETED', 'FAILED', 'NOT_STARTED', 'COMPLETED', 'IN_PROGRESS'];
  const rows: { org: number; status: string }[] = [];
  for (let i = 0; i < 300; i++) {
    const org = i % 7 === 0 ? smallId : i % 11 === 0 ? leafId : i % 13 === 0 ? 1 : min + ((i * 37) % (max - min + 1));
    rows.push({ org, status: statuses[i % statuses.length] });
  }
  await insertOrders(rows);
});
afterAll(() => app?.close());

describe('GET /api/v1/orders on a large and a small subtree', () => {
  it('a subtree of more than 2,000 organizations: every order below it, newest first, across pages', async () => {
    const all = await expected(big.id);
    expect(all.length).toBeGreaterThan(250);
    expect(await allPages(big.key, '', 37)).toEqual(all);
    expect(await allPages(big.key, 'status=FAILED', 9)).toEqual(await expected(big.id, `o.status = 'FAILED'`));
    // The root's own orders are above `big`: never in its pages.
    const rootOrders = await expected(1, 'o.organization_id = 1');
    expect(rootOrders.length).toBeGreaterThan(0);
    expect(all.some((id) => rootOrders.includes(id))).toBe(false);
  });

  it('a small subtree: exactly its orders, with status, organizationId and cursor', async () => {
    const all = await expected(small.id);
    expect(all.length).toBeGreaterThan(40);
    expect(await allPages(small.key, '', 5)).toEqual(all);
    expect(await allPages(small.key, 'status=COMPLETED', 4)).toEqual(await expected(small.id, `o.status = 'COMPLETED'`));
    expect(await allPages(small.key, `organizationId=${leaf}`, 3)).toEqual(await expected(small.id, 'o.organization_id = $2', [leaf]));
    expect(await allPages(small.key, `organizationId=${leaf}&status=FAILED`, 2)).toEqual(
      await expected(small.id, `o.organization_id = $2 AND o.status = 'FAILED'`, [leaf]),
    );
    // An organization outside the subtree matches nothing.
    expect(await allPages(small.key, `organizationId=${big.id}`, 5)).toEqual([]);
  });
});
