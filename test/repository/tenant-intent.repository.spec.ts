import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { TenantIntentRepository } from '../../src/orders/tenant-intent.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertLeasedOrder, insertOrder, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

const ME = 'instance-a';

/** The park_tenant_intents table against a real, migrated database (docs/provisioning.md, "Park orders"). */
describe('TenantIntentRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: TenantIntentRepository;
  let tree: FixtureTree;
  let serverCount = 0;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    repository = new TenantIntentRepository(db);
    tree = await insertTree(db, 'intents');
  });

  afterAll(async () => {
    await database?.close();
  });

  /** Each test on servers of its own: intents are unique per server. */
  const newServer = () => `https://park${++serverCount}.example.com`;
  const orderTenant = async (orderId: number) =>
    ((await db.query('SELECT tenant_database_id FROM orders WHERE id = $1', [orderId])) as { tenant_database_id: string | null }[])[0].tenant_database_id;
  const intentCount = async (serverUrl: string) =>
    ((await db.query('SELECT count(*)::int AS n FROM park_tenant_intents WHERE server_url = $1', [serverUrl])) as { n: number }[])[0].n;

  it('record: writes the intent and the tenant on the order while the lease is held', async () => {
    const server = newServer();
    const order = await insertLeasedOrder(db, tree.customer.id, ME);
    expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: order, serverUrl: server, databaseId: 'db-1', tenantName: 'acme' })).toEqual({
      kind: 'recorded',
    });
    expect(await orderTenant(order)).toBe('db-1');
    expect(await repository.ofTenant(server, 'db-1')).toEqual({ organizationId: tree.customer.id, orderId: order, databaseId: 'db-1', tenantName: 'acme' });
  });

  it('record: false and nothing written without the lease (another holder, expired, not running)', async () => {
    const server = newServer();
    const intent = (orderId: number) => ({ organizationId: tree.customer.id, orderId, serverUrl: server, databaseId: 'db-x', tenantName: 'nobody' });
    const otherHolder = await insertLeasedOrder(db, tree.customer.id, 'instance-b');
    const expired = await insertLeasedOrder(db, tree.customer.id, ME, { leaseSeconds: -1 });
    const finished = await insertLeasedOrder(db, tree.customer.id, ME, { status: 'COMPLETED' });
    const notStarted = await insertOrder(db, tree.customer.id);
    for (const order of [otherHolder, expired, finished, notStarted]) {
      expect(await repository.record(ME, intent(order))).toBe(false);
      expect(await orderTenant(order)).toBeNull();
    }
    expect(await repository.record(ME, intent(2 ** 31 - 1))).toBe(false);
    expect(await intentCount(server)).toBe(0);
    expect(await repository.ofTenant(server, 'db-x')).toBeUndefined();
  });

  it('record: the same organization, tenant and name again is reused (a retry or a take-over), the first order stays on the intent', async () => {
    const server = newServer();
    const first = await insertLeasedOrder(db, tree.site.id, ME);
    const retry = await insertLeasedOrder(db, tree.site.id, 'instance-b');
    const intent = { organizationId: tree.site.id, serverUrl: server, databaseId: 'db-2', tenantName: 'site tenant' };
    expect(await repository.record(ME, { ...intent, orderId: first })).toEqual({ kind: 'recorded' });
    expect(await repository.record('instance-b', { ...intent, orderId: retry })).toEqual({ kind: 'recorded' });
    expect(await orderTenant(retry)).toBe('db-2');
    expect(await intentCount(server)).toBe(1);
    expect(await repository.ofTenant(server, 'db-2')).toMatchObject({ orderId: first, organizationId: tree.site.id });
  });

  it('record: a name taken by another organization (for this tenant or another) is nameTaken; the order gets no tenant', async () => {
    const server = newServer();
    const mine = await insertLeasedOrder(db, tree.reseller.id, ME);
    expect(await repository.record(ME, { organizationId: tree.reseller.id, orderId: mine, serverUrl: server, databaseId: 'db-3', tenantName: 'shared name' })).toEqual({
      kind: 'recorded',
    });
    const existing = { organizationId: tree.reseller.id, orderId: mine, databaseId: 'db-3', tenantName: 'shared name' };

    const theirs = await insertLeasedOrder(db, tree.other.id, ME);
    expect(await repository.record(ME, { organizationId: tree.other.id, orderId: theirs, serverUrl: server, databaseId: 'db-4', tenantName: 'shared name' })).toEqual({
      kind: 'nameTaken',
      intent: existing,
    });
    // Even a descendant of the organization that took the name does not get it.
    const below = await insertLeasedOrder(db, tree.customer.id, ME);
    expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: below, serverUrl: server, databaseId: 'db-3', tenantName: 'shared name' })).toEqual({
      kind: 'nameTaken',
      intent: existing,
    });
    for (const order of [theirs, below]) expect(await orderTenant(order)).toBeNull();
    expect(await intentCount(server)).toBe(1);
  });

  it('record: the same organization’s name on another tenant is nameTaken too', async () => {
    const server = newServer();
    const first = await insertLeasedOrder(db, tree.sibling.id, ME);
    const second = await insertLeasedOrder(db, tree.sibling.id, ME);
    await repository.record(ME, { organizationId: tree.sibling.id, orderId: first, serverUrl: server, databaseId: 'db-5', tenantName: 'one name' });
    expect(await repository.record(ME, { organizationId: tree.sibling.id, orderId: second, serverUrl: server, databaseId: 'db-6', tenantName: 'one name' })).toEqual({
      kind: 'nameTaken',
      intent: { organizationId: tree.sibling.id, orderId: first, databaseId: 'db-5', tenantName: 'one name' },
    });
    expect(await orderTenant(second)).toBeNull();
  });

  it('record: a tenant recorded under another name is tenantTaken; a conflict on both the name and the tenant reports the name', async () => {
    const server = newServer();
    const first = await insertLeasedOrder(db, tree.customer.id, ME);
    const other = await insertLeasedOrder(db, tree.site.id, ME);
    await repository.record(ME, { organizationId: tree.customer.id, orderId: first, serverUrl: server, databaseId: 'db-7', tenantName: 'seven' });
    await repository.record(ME, { organizationId: tree.site.id, orderId: other, serverUrl: server, databaseId: 'db-8', tenantName: 'eight' });

    const late = await insertLeasedOrder(db, tree.customer.id, ME);
    expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: late, serverUrl: server, databaseId: 'db-7', tenantName: 'renamed' })).toEqual({
      kind: 'tenantTaken',
      intent: { organizationId: tree.customer.id, orderId: first, databaseId: 'db-7', tenantName: 'seven' },
    });
    expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: late, serverUrl: server, databaseId: 'db-7', tenantName: 'eight' })).toEqual({
      kind: 'nameTaken',
      intent: { organizationId: tree.site.id, orderId: other, databaseId: 'db-8', tenantName: 'eight' },
    });
    expect(await orderTenant(late)).toBeNull();
    expect(await intentCount(server)).toBe(2);
  });

  it('record: names and tenants are per server', async () => {
    const [a, b] = [newServer(), newServer()];
    const onA = await insertLeasedOrder(db, tree.customer.id, ME);
    const onB = await insertLeasedOrder(db, tree.other.id, ME);
    expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: onA, serverUrl: a, databaseId: 'db-9', tenantName: 'same' })).toEqual({ kind: 'recorded' });
    expect(await repository.record(ME, { organizationId: tree.other.id, orderId: onB, serverUrl: b, databaseId: 'db-9', tenantName: 'same' })).toEqual({ kind: 'recorded' });
    expect((await repository.ofTenant(a, 'db-9'))!.organizationId).toBe(tree.customer.id);
    expect((await repository.ofTenant(b, 'db-9'))!.organizationId).toBe(tree.other.id);
  });

  it('record: two orders racing for one tenant under different names — one records, the other finds it taken', async () => {
    const server = newServer();
    const one = await insertLeasedOrder(db, tree.customer.id, ME);
    const two = await insertLeasedOrder(db, tree.other.id, ME);
    const results = await Promise.all([
      repository.record(ME, { organizationId: tree.customer.id, orderId: one, serverUrl: server, databaseId: 'db-race', tenantName: 'race one' }),
      repository.record(ME, { organizationId: tree.other.id, orderId: two, serverUrl: server, databaseId: 'db-race', tenantName: 'race two' }),
    ]);
    expect(results.map((result) => result && result.kind).sort()).toEqual(['recorded', 'tenantTaken']);
    expect(await intentCount(server)).toBe(1);
    const winner = results[0] && results[0].kind === 'recorded' ? one : two;
    const loser = winner === one ? two : one;
    expect(await orderTenant(winner)).toBe('db-race');
    expect(await orderTenant(loser)).toBeNull();
  });

  it('ofTenant: the intent by server and databaseId; undefined elsewhere; orderId null once the order is gone', async () => {
    const server = newServer();
    const order = await insertLeasedOrder(db, tree.reseller.id, ME);
    await repository.record(ME, { organizationId: tree.reseller.id, orderId: order, serverUrl: server, databaseId: 'db-10', tenantName: 'ten' });
    expect(await repository.ofTenant(server, 'db-10')).toEqual({ organizationId: tree.reseller.id, orderId: order, databaseId: 'db-10', tenantName: 'ten' });
    expect(await repository.ofTenant(server, 'db-11')).toBeUndefined();
    expect(await repository.ofTenant(newServer(), 'db-10')).toBeUndefined();
    await db.query('DELETE FROM orders WHERE id = $1', [order]);
    expect(await repository.ofTenant(server, 'db-10')).toEqual({ organizationId: tree.reseller.id, orderId: null, databaseId: 'db-10', tenantName: 'ten' });
  });

  it('takenOn: those of the given databaseIds with an intent on that server', async () => {
    const [server, elsewhere] = [newServer(), newServer()];
    for (const [serverUrl, databaseId] of [
      [server, 'db-a'],
      [server, 'db-b'],
      [elsewhere, 'db-c'],
    ]) {
      const order = await insertLeasedOrder(db, tree.customer.id, ME);
      expect(await repository.record(ME, { organizationId: tree.customer.id, orderId: order, serverUrl, databaseId, tenantName: `name ${databaseId}` })).toEqual({
        kind: 'recorded',
      });
    }
    expect(await repository.takenOn(server, ['db-a', 'db-b', 'db-c', 'db-d'])).toEqual(new Set(['db-a', 'db-b']));
    expect(await repository.takenOn(server, ['db-b'])).toEqual(new Set(['db-b']));
    expect(await repository.takenOn(elsewhere, ['db-a', 'db-c'])).toEqual(new Set(['db-c']));
    expect(await repository.takenOn(server, [])).toEqual(new Set());
    expect(await repository.takenOn(newServer(), ['db-a'])).toEqual(new Set());
  });
});
