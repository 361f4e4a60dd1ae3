import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { ParkOrderRepository } from '../../src/orders/park-order.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertLeasedOrder, insertOrder, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

const ME = 'instance-a';

/** The park-order columns of `orders` against a real, migrated database (docs/provisioning.md, "Park orders"). */
describe('ParkOrderRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: ParkOrderRepository;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    repository = new ParkOrderRepository(db);
    tree = await insertTree(db, 'park');
  });

  afterAll(async () => {
    await database?.close();
  });

  const tenantToken = async (orderId: number) =>
    ((await db.query('SELECT tenant_token_sealed FROM orders WHERE id = $1', [orderId])) as { tenant_token_sealed: string | null }[])[0].tenant_token_sealed;

  it('read: a new order uses a token and has no park columns; undefined for an unknown order', async () => {
    const order = await insertOrder(db, tree.customer.id);
    expect(await repository.read(order)).toEqual({ tenantSource: 'token', tenantDatabaseId: null, tenantLicenses: null, masterTokenSealed: null });
    expect(await repository.read(2 ** 31 - 1)).toBeUndefined();
  });

  it('markPark: the order becomes a park order with its licences and master token; other orders are untouched', async () => {
    const order = await insertOrder(db, tree.customer.id);
    const neighbour = await insertOrder(db, tree.customer.id);
    await db.transaction((manager) => repository.markPark(manager, order, { XCC: 5, 'Xelion Premium': 2 }, 'v1.aaaa1111.master'));
    expect(await repository.read(order)).toEqual({ tenantSource: 'park', tenantDatabaseId: null, tenantLicenses: { XCC: 5, 'Xelion Premium': 2 }, masterTokenSealed: 'v1.aaaa1111.master' });
    expect((await repository.read(neighbour))!.tenantSource).toBe('token');

    const bare = await insertOrder(db, tree.site.id);
    await db.transaction((manager) => repository.markPark(manager, bare, null, null));
    expect(await repository.read(bare)).toEqual({ tenantSource: 'park', tenantDatabaseId: null, tenantLicenses: null, masterTokenSealed: null });
  });

  it('markPark: in the creating transaction — rolled back with it', async () => {
    const order = await insertOrder(db, tree.customer.id);
    await expect(
      db.transaction(async (manager) => {
        await repository.markPark(manager, order, { XCC: 1 }, 'v1.aaaa1111.x');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await repository.read(order))!.tenantSource).toBe('token');
  });

  it('hasMasterToken and replaceMasterToken: per order; false for an unknown order', async () => {
    const order = await insertOrder(db, tree.reseller.id);
    const neighbour = await insertOrder(db, tree.reseller.id);
    const has = (id: number) => repository.hasMasterToken(db.manager, id);
    expect(await has(order)).toBe(false);
    await repository.replaceMasterToken(db.manager, order, 'v1.aaaa1111.first');
    expect(await has(order)).toBe(true);
    expect(await has(neighbour)).toBe(false);
    await repository.replaceMasterToken(db.manager, order, 'v1.bbbb2222.second');
    expect((await repository.read(order))!.masterTokenSealed).toBe('v1.bbbb2222.second');
    expect((await repository.read(neighbour))!.masterTokenSealed).toBeNull();
    expect(await has(2 ** 31 - 1)).toBe(false);
    await db.query('UPDATE orders SET master_token_sealed = NULL WHERE id = $1', [order]);
    expect(await has(order)).toBe(false);
  });

  it('reopenTenantStep: only that order’s tenant step becomes PENDING again, its error cleared', async () => {
    const order = await insertOrder(db, tree.customer.id);
    const neighbour = await insertOrder(db, tree.customer.id);
    for (const id of [order, neighbour]) {
      await db.query(
        `INSERT INTO order_steps (order_id, seq, stage, kind, subject, name, status, error) VALUES
           ($1, 0, 0, 'tenant', NULL, 'tenant', 'FAILED', '{"code":"XELION_ERROR"}'::jsonb),
           ($1, 1, 1, 'user', 'a@example.com', 'user a@example.com', 'FAILED', '{"code":"XELION_ERROR"}'::jsonb),
           ($1, 2, 1, 'user', 'b@example.com', 'user b@example.com', 'DONE', NULL)`,
        [id],
      );
    }
    await db.transaction((manager) => repository.reopenTenantStep(manager, order));
    const steps = async (id: number) =>
      (await db.query('SELECT seq, status, error FROM order_steps WHERE order_id = $1 ORDER BY seq', [id])) as { seq: number; status: string; error: unknown }[];
    expect(await steps(order)).toEqual([
      { seq: 0, status: 'PENDING', error: null },
      { seq: 1, status: 'FAILED', error: { code: 'XELION_ERROR' } },
      { seq: 2, status: 'DONE', error: null },
    ]);
    expect((await steps(neighbour))[0]).toEqual({ seq: 0, status: 'FAILED', error: { code: 'XELION_ERROR' } });
  });

  it('keepTenantToken: stored only while this instance holds an unexpired lease on a running order', async () => {
    const held = await insertLeasedOrder(db, tree.site.id, ME);
    expect(await repository.keepTenantToken(ME, held, 'v1.aaaa1111.tenant')).toBe(true);
    expect(await tenantToken(held)).toBe('v1.aaaa1111.tenant');

    const otherHolder = await insertLeasedOrder(db, tree.site.id, 'instance-b');
    const expired = await insertLeasedOrder(db, tree.site.id, ME, { leaseSeconds: -1 });
    const finished = await insertLeasedOrder(db, tree.site.id, ME, { status: 'FAILED' });
    for (const order of [otherHolder, expired, finished]) {
      expect(await repository.keepTenantToken(ME, order, 'v1.aaaa1111.stolen')).toBe(false);
      expect(await tenantToken(order)).toBeNull();
    }
    expect(await repository.keepTenantToken(ME, 2 ** 31 - 1, 'v1.aaaa1111.nobody')).toBe(false);
    // The lease holder may replace it; the old holder of a lost lease may not.
    expect(await repository.keepTenantToken(ME, held, 'v1.aaaa1111.again')).toBe(true);
    await db.query(`UPDATE orders SET locked_by = 'instance-b' WHERE id = $1`, [held]);
    expect(await repository.keepTenantToken(ME, held, 'v1.aaaa1111.late')).toBe(false);
    expect(await tenantToken(held)).toBe('v1.aaaa1111.again');
  });
});
