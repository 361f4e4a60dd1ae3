import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { orderMetricsRepository } from '../../src/orders/order-metrics.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrder, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

/** The order counts of the metrics endpoint against a real, migrated database of their own. */
describe('orderMetricsRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    tree = await insertTree(db, 'metrics');
  });

  afterAll(async () => {
    await database?.close();
  });

  const counts = async () => (await orderMetricsRepository.countByStatus(db.manager)).sort((a, b) => a.status.localeCompare(b.status));

  it('countByStatus: nothing before the first order', async () => {
    expect(await orderMetricsRepository.countByStatus(db.manager)).toEqual([]);
  });

  it('countByStatus: every organization’s orders by status (all instances), statuses without orders absent', async () => {
    const statuses: [number, string][] = [
      [tree.customer.id, 'NOT_STARTED'],
      [tree.customer.id, 'IN_PROGRESS'],
      [tree.site.id, 'COMPLETED'],
      [tree.other.id, 'COMPLETED'],
      [tree.other.id, 'COMPLETED'],
      [tree.sibling.id, 'FAILED'],
      [tree.root.id, 'NOT_STARTED'],
    ];
    for (const [organizationId, status] of statuses) {
      const id = await insertOrder(db, organizationId, null);
      await db.query('UPDATE orders SET status = $2 WHERE id = $1', [id, status]);
    }
    expect(await counts()).toEqual([
      { status: 'COMPLETED', count: 3 },
      { status: 'FAILED', count: 1 },
      { status: 'IN_PROGRESS', count: 1 },
      { status: 'NOT_STARTED', count: 2 },
    ]);
    for (const row of await orderMetricsRepository.countByStatus(db.manager)) expect(typeof row.count).toBe('number');

    await db.query(`UPDATE orders SET status = 'FAILED' WHERE status = 'IN_PROGRESS'`);
    expect(await counts()).toEqual([
      { status: 'COMPLETED', count: 3 },
      { status: 'FAILED', count: 2 },
      { status: 'NOT_STARTED', count: 2 },
    ]);
  });

  it('countByStatus: in a transaction, sees that transaction’s own orders', async () => {
    const before = await counts();
    await db.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, configuration)
         VALUES ($1, 'IN_PROGRESS', 'https://tenant.example.com', 'in a transaction', '{}'::jsonb)`,
        [tree.reseller.id],
      );
      expect(await orderMetricsRepository.countByStatus(manager)).toContainEqual({ status: 'IN_PROGRESS', count: 1 });
      expect(await orderMetricsRepository.countByStatus(db.manager)).not.toContainEqual({ status: 'IN_PROGRESS', count: 1 });
    });
    expect(await counts()).toEqual([...before, { status: 'IN_PROGRESS', count: 1 }].sort((a, b) => a.status.localeCompare(b.status)));
  });
});
