import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { decodeCursor } from '../../src/common/http/pagination.js';
import { OrganizationsRepository } from '../../src/organizations/organizations.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrganization, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

/** The organizations table against a real, migrated database: the tree, scope, quotas' counts, disabling. */
describe('OrganizationsRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: OrganizationsRepository;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    repository = new OrganizationsRepository(db);
    tree = await insertTree(db, 'organizations');
  });

  afterAll(async () => {
    await database?.close();
  });

  const disabledAt = async (id: number) => ((await db.query('SELECT disabled_at FROM organizations WHERE id = $1', [id])) as { disabled_at: Date | null }[])[0].disabled_at;

  describe('findInScope', () => {
    it('finds the scope itself and everything below it', async () => {
      for (const scope of [tree.root, tree.reseller, tree.customer]) {
        const found = await repository.findInScope(scope.id, tree.customer.id);
        expect(found).toMatchObject({ id: tree.customer.id, name: 'organizations customer', parentId: tree.reseller.id, ancestorIds: [tree.root.id, tree.reseller.id] });
      }
    });

    it('does not find a sibling, an ancestor, another subtree or an unknown id', async () => {
      expect(await repository.findInScope(tree.sibling.id, tree.customer.id)).toBeNull();
      expect(await repository.findInScope(tree.customer.id, tree.reseller.id)).toBeNull();
      expect(await repository.findInScope(tree.other.id, tree.site.id)).toBeNull();
      expect(await repository.findInScope(tree.reseller.id, tree.other.id)).toBeNull();
      expect(await repository.findInScope(tree.root.id, 2 ** 31 - 1)).toBeNull();
    });

    it('with lock, holds the row until the transaction ends', async () => {
      const org = await insertOrganization(db, 'locked', tree.reseller);
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        expect(await repository.findInScope(tree.reseller.id, org.id, runner.manager, true)).not.toBeNull();
        let taken = false;
        const second = db.transaction(async (manager) => {
          await repository.lock(manager, org.id);
          taken = true;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(taken).toBe(false);
        await runner.commitTransaction();
        await second;
        expect(taken).toBe(true);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });

  it('pageInScope: the scope and its subtree, newest first, page by page; nothing outside it', async () => {
    const top = await insertOrganization(db, 'paged top', tree.root);
    const ids = [top.id];
    for (let i = 0; i < 4; i++) ids.push((await insertOrganization(db, `paged ${i}`, top)).id);
    await insertOrganization(db, 'paged outsider', tree.root);
    const newestFirst = [...ids].reverse();
    const first = await repository.pageInScope(top.id, { limit: 3 });
    expect(first.data.map((o) => o.id)).toEqual(newestFirst.slice(0, 3));
    expect(decodeCursor(first.nextCursor!)).toBe(first.data[2].id);
    const second = await repository.pageInScope(top.id, { limit: 3, cursor: first.nextCursor! });
    expect(second.data.map((o) => o.id)).toEqual(newestFirst.slice(3));
    expect(second.nextCursor).toBeNull();

    const reseller = (await repository.pageInScope(tree.reseller.id, { limit: 200 })).data;
    const seen = reseller.map((o) => o.id);
    expect(seen).toEqual(expect.arrayContaining([tree.reseller.id, tree.customer.id, tree.site.id, tree.sibling.id]));
    for (const outside of [tree.root.id, tree.other.id, top.id]) expect(seen).not.toContain(outside);
    expect(reseller.every((o) => o.id === tree.reseller.id || o.ancestorIds.includes(tree.reseller.id))).toBe(true);
  });

  it('insert: an enabled organization below its parent, with the given ancestors', async () => {
    const created = await db.transaction((manager) =>
      repository.insert(manager, { name: 'inserted', parentId: tree.customer.id, ancestorIds: [tree.root.id, tree.reseller.id, tree.customer.id] }),
    );
    expect(created).toMatchObject({ name: 'inserted', parentId: tree.customer.id, ancestorIds: [tree.root.id, tree.reseller.id, tree.customer.id], disabledAt: null, allowedServerHosts: null });
    expect(created.id).toBeGreaterThan(tree.site.id);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await repository.findInScope(tree.reseller.id, created.id)).toMatchObject({ id: created.id, name: 'inserted' });
    expect(await repository.findInScope(tree.sibling.id, created.id)).toBeNull();
  });

  it('countSubtree: the organization and everything below it', async () => {
    const top = await insertOrganization(db, 'count top', tree.root);
    const a = await insertOrganization(db, 'count a', top);
    await insertOrganization(db, 'count a1', a);
    await insertOrganization(db, 'count b', top);
    const count = (id: number) => db.transaction((manager) => repository.countSubtree(manager, id));
    expect(await count(top.id)).toBe(4);
    expect(await count(a.id)).toBe(2);
    expect(await count(tree.site.id)).toBe(1);
  });

  it('update: renames and sets or clears allowedServerHosts; false for an unknown organization', async () => {
    const org = await insertOrganization(db, 'before', tree.customer);
    const neighbour = await insertOrganization(db, 'neighbour', tree.customer);
    const update = (id: number, changes: Parameters<OrganizationsRepository['update']>[2]) => db.transaction((manager) => repository.update(manager, id, changes));
    expect(await update(org.id, { name: 'after' })).toBe(true);
    expect(await repository.findInScope(org.id, org.id)).toMatchObject({ name: 'after', allowedServerHosts: null });
    expect(await update(org.id, { allowedServerHosts: ['pbx.example.com', '*.example.net'] })).toBe(true);
    expect(await repository.findInScope(org.id, org.id)).toMatchObject({ name: 'after', allowedServerHosts: ['pbx.example.com', '*.example.net'] });
    expect(await update(org.id, { name: 'both', allowedServerHosts: null })).toBe(true);
    expect(await repository.findInScope(org.id, org.id)).toMatchObject({ name: 'both', allowedServerHosts: null });
    expect(await repository.findInScope(neighbour.id, neighbour.id)).toMatchObject({ name: 'neighbour' });
    expect(await update(2 ** 31 - 1, { name: 'nobody' })).toBe(false);
    await expect(update(org.id, {})).rejects.toThrow(TypeError);
  });

  it('serverHostLists: the lists on the path to the root, nearest first; never a sibling’s or a descendant’s', async () => {
    const top = await insertOrganization(db, 'hosts top', tree.root, { allowedServerHosts: ['*.example.com'] });
    const middle = await insertOrganization(db, 'hosts middle', top);
    const target = await insertOrganization(db, 'hosts target', middle, { allowedServerHosts: ['pbx.example.com'] });
    await insertOrganization(db, 'hosts sibling', middle, { allowedServerHosts: ['sibling.example.org'] });
    await insertOrganization(db, 'hosts below', target, { allowedServerHosts: ['below.example.org'] });
    expect(await repository.serverHostLists(target.id)).toEqual([
      { organizationId: target.id, hosts: ['pbx.example.com'] },
      { organizationId: top.id, hosts: ['*.example.com'] },
    ]);
    expect(await repository.serverHostLists(middle.id)).toEqual([{ organizationId: top.id, hosts: ['*.example.com'] }]);
    expect(await repository.serverHostLists(tree.site.id)).toEqual([]);
    expect(await db.transaction((manager) => repository.serverHostLists(target.id, manager))).toHaveLength(2);
  });

  it('disabledOnPath: true when the organization or an ancestor is disabled, and for an unknown id', async () => {
    const top = await insertOrganization(db, 'path top', tree.root);
    const middle = await insertOrganization(db, 'path middle', top, { disabled: true });
    const below = await insertOrganization(db, 'path below', middle);
    const beside = await insertOrganization(db, 'path beside', top);
    expect(await repository.disabledOnPath(below.id)).toBe(true);
    expect(await repository.disabledOnPath(middle.id)).toBe(true);
    expect(await repository.disabledOnPath(top.id)).toBe(false);
    expect(await repository.disabledOnPath(beside.id)).toBe(false);
    expect(await repository.disabledOnPath(2 ** 31 - 1)).toBe(true);
    expect(await db.transaction((manager) => repository.disabledOnPath(beside.id, manager))).toBe(false);
  });

  it('disableSubtree: the organization and its whole subtree, nothing beside it; earlier dates stay', async () => {
    const top = await insertOrganization(db, 'disable top', tree.root);
    const target = await insertOrganization(db, 'disable target', top);
    const child = await insertOrganization(db, 'disable child', target);
    const grandchild = await insertOrganization(db, 'disable grandchild', child);
    const already = await insertOrganization(db, 'disable already', target, { disabled: true });
    const sibling = await insertOrganization(db, 'disable sibling', top);
    const earlier = await disabledAt(already.id);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await db.transaction((manager) => repository.disableSubtree(manager, target.id))).toBe(3);
    for (const id of [target.id, child.id, grandchild.id]) expect(await disabledAt(id)).toBeInstanceOf(Date);
    expect(await disabledAt(already.id)).toEqual(earlier);
    expect(await disabledAt(sibling.id)).toBeNull();
    expect(await disabledAt(top.id)).toBeNull();
    expect(await db.transaction((manager) => repository.disableSubtree(manager, target.id))).toBe(0);
  });

  it('lock: a second transaction locking the same organization waits; another organization does not', async () => {
    const org = await insertOrganization(db, 'lock me', tree.customer);
    const free = await insertOrganization(db, 'lock free', tree.customer);
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await repository.lock(runner.manager, org.id);
      let locked = false;
      const waiting = db.transaction(async (manager) => {
        await repository.lock(manager, org.id);
        locked = true;
      });
      await db.transaction((manager) => repository.lock(manager, free.id));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(locked).toBe(false);
      await runner.commitTransaction();
      await waiting;
      expect(locked).toBe(true);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
