import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { decodeCursor } from '../../src/common/http/pagination.js';
import { ApiKeyRepository } from '../../src/organizations/api-key.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertApiKey, insertOrganization, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

const hashOf = (key: string): Buffer => createHash('sha256').update(key).digest();

interface StoredKey {
  organization_id: number;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The api_keys table against a real, migrated database: the look-up, use, revocation, counts and pages. */
describe('ApiKeyRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: ApiKeyRepository;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    repository = new ApiKeyRepository(db);
    tree = await insertTree(db, 'keys');
  });

  afterAll(async () => {
    await database?.close();
  });

  const stored = async (id: number): Promise<StoredKey> =>
    ((await db.query('SELECT organization_id, last_used_at, revoked_at FROM api_keys WHERE id = $1', [id])) as StoredKey[])[0];

  describe('findByHash', () => {
    it('finds the key with its organization’s fields', async () => {
      const org = await insertOrganization(db, 'keys hosts', tree.customer, { allowedServerHosts: ['pbx.example.com'] });
      const id = await insertApiKey(db, org.id, hashOf('find-me'));
      await insertApiKey(db, tree.customer.id, hashOf('find-someone-else'));
      const row = await repository.findByHash(hashOf('find-me'));
      expect(row).toMatchObject({
        id,
        organization_id: org.id,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
        disabled_at: null,
        ancestor_ids: [tree.root.id, tree.reseller.id, tree.customer.id],
        name: 'keys hosts',
        parent_id: tree.customer.id,
        allowed_server_hosts: ['pbx.example.com'],
      });
      expect(row!.created_at).toBeInstanceOf(Date);
      expect(Object.keys(row!).sort()).toEqual(
        ['id', 'organization_id', 'expires_at', 'revoked_at', 'last_used_at', 'disabled_at', 'ancestor_ids', 'name', 'parent_id', 'created_at', 'allowed_server_hosts'].sort(),
      );
    });

    it('returns a revoked key, an expired key and a disabled organization’s key as such (the caller decides)', async () => {
      const revoked = await insertApiKey(db, tree.site.id, hashOf('revoked'), { revoked: true });
      const expired = await insertApiKey(db, tree.site.id, hashOf('expired'), { expiresInSeconds: -60 });
      const disabledOrg = await insertOrganization(db, 'keys disabled', tree.sibling, { disabled: true });
      const ofDisabled = await insertApiKey(db, disabledOrg.id, hashOf('of-disabled'));

      const revokedRow = await repository.findByHash(hashOf('revoked'));
      expect(revokedRow).toMatchObject({ id: revoked, organization_id: tree.site.id, expires_at: null, disabled_at: null, parent_id: tree.customer.id });
      expect(revokedRow!.revoked_at).toBeInstanceOf(Date);

      const expiredRow = await repository.findByHash(hashOf('expired'));
      expect(expiredRow).toMatchObject({ id: expired, revoked_at: null });
      expect(expiredRow!.expires_at!.getTime()).toBeLessThan(Date.now());

      const disabledRow = await repository.findByHash(hashOf('of-disabled'));
      expect(disabledRow).toMatchObject({ id: ofDisabled, organization_id: disabledOrg.id, revoked_at: null, allowed_server_hosts: null });
      expect(disabledRow!.disabled_at).toBeInstanceOf(Date);
    });

    it('finds nothing for an unknown hash, nor for a prefix of a stored one', async () => {
      await insertApiKey(db, tree.reseller.id, hashOf('known'));
      expect(await repository.findByHash(hashOf('unknown'))).toBeUndefined();
      expect(await repository.findByHash(hashOf('known').subarray(0, 16))).toBeUndefined();
      expect(await repository.findByHash(Buffer.alloc(0))).toBeUndefined();
    });

    it('reads fresh on every call: a revocation made meanwhile is seen', async () => {
      const id = await insertApiKey(db, tree.reseller.id, hashOf('fresh'));
      expect((await repository.findByHash(hashOf('fresh')))!.revoked_at).toBeNull();
      await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
      expect((await repository.findByHash(hashOf('fresh')))!.revoked_at).toBeInstanceOf(Date);
    });
  });

  it('recordUse: sets last_used_at of that key only', async () => {
    const used = await insertApiKey(db, tree.customer.id, hashOf('used'));
    const unused = await insertApiKey(db, tree.customer.id, hashOf('unused'));
    const before = Date.now();
    await repository.recordUse(used);
    const lastUsed = (await stored(used)).last_used_at;
    expect(lastUsed).toBeInstanceOf(Date);
    // The database clock and this process's may differ a little.
    expect(Math.abs(lastUsed!.getTime() - before)).toBeLessThan(60_000);
    expect((await stored(unused)).last_used_at).toBeNull();
    expect((await repository.findByHash(hashOf('used')))!.last_used_at).toEqual(lastUsed);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await repository.recordUse(used);
    expect((await stored(used)).last_used_at!.getTime()).toBeGreaterThan(lastUsed!.getTime());
  });

  it('countInSubtree: keys of the organization and every descendant, revoked and expired included; never another subtree', async () => {
    const t = await insertTree(db, 'count');
    await insertApiKey(db, t.reseller.id, hashOf('count reseller'));
    await insertApiKey(db, t.customer.id, hashOf('count customer'), { revoked: true });
    await insertApiKey(db, t.site.id, hashOf('count site 1'), { expiresInSeconds: -1 });
    await insertApiKey(db, t.site.id, hashOf('count site 2'));
    await insertApiKey(db, t.sibling.id, hashOf('count sibling'));
    await insertApiKey(db, t.other.id, hashOf('count other 1'));
    await insertApiKey(db, t.other.id, hashOf('count other 2'));
    const count = (id: number) => db.transaction((manager) => repository.countInSubtree(manager, id));
    expect(await count(t.reseller.id)).toBe(5);
    expect(await count(t.customer.id)).toBe(3);
    expect(await count(t.site.id)).toBe(2);
    expect(await count(t.sibling.id)).toBe(1);
    expect(await count(t.other.id)).toBe(2);
    expect(await count(t.root.id)).toBe(7);
    const empty = await insertOrganization(db, 'count empty', t.other);
    expect(await count(empty.id)).toBe(0);
    // In the caller's transaction: a key inserted there is counted there, and gone after a rollback.
    await expect(
      db.transaction(async (manager) => {
        await manager.query(`INSERT INTO api_keys (organization_id, name, prefix, key_hash) VALUES ($1, 'tx', 'xps_tx', $2)`, [empty.id, hashOf('count tx')]);
        expect(await repository.countInSubtree(manager, t.other.id)).toBe(3);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await count(t.other.id)).toBe(2);
  });

  it('revoke: only within the key’s own organization (not an ancestor, not another); the first revocation time stays', async () => {
    const id = await insertApiKey(db, tree.customer.id, hashOf('revoke me'));
    expect(await repository.revoke(id, tree.sibling.id)).toBe(false);
    expect(await repository.revoke(id, tree.reseller.id)).toBe(false);
    expect(await repository.revoke(id, tree.other.id)).toBe(false);
    expect(await repository.revoke(2 ** 31 - 1, tree.customer.id)).toBe(false);
    expect((await stored(id)).revoked_at).toBeNull();

    expect(await repository.revoke(id, tree.customer.id)).toBe(true);
    const first = (await stored(id)).revoked_at;
    expect(first).toBeInstanceOf(Date);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await repository.revoke(id, tree.customer.id)).toBe(true);
    expect((await stored(id)).revoked_at).toEqual(first);
  });

  it('insert (static): stores hash, prefix and expiry in the caller’s transaction, never used nor revoked', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000);
    const key = await db.transaction((manager) =>
      ApiKeyRepository.insert(manager, { organizationId: tree.site.id, name: 'inserted', prefix: 'xps_abcd', keyHash: hashOf('inserted'), expiresAt }),
    );
    expect(key).toMatchObject({ organizationId: tree.site.id, name: 'inserted', prefix: 'xps_abcd', lastUsedAt: null, revokedAt: null, expiresAt });
    expect(key.id).toBeGreaterThan(0);
    expect(key.createdAt).toBeInstanceOf(Date);
    const found = await repository.findByHash(hashOf('inserted'));
    expect(found).toMatchObject({ id: key.id, organization_id: tree.site.id, revoked_at: null, last_used_at: null });
    expect(found!.expires_at).toEqual(expiresAt);

    await expect(
      db.transaction(async (manager) => {
        await ApiKeyRepository.insert(manager, { organizationId: tree.site.id, name: 'rolled back', prefix: 'xps_efgh', keyHash: hashOf('rolled back'), expiresAt: null });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await repository.findByHash(hashOf('rolled back'))).toBeUndefined();

    // The hash is unique: a second key with the same hash is refused.
    await expect(
      db.transaction((manager) =>
        ApiKeyRepository.insert(manager, { organizationId: tree.other.id, name: 'duplicate', prefix: 'xps_dupl', keyHash: hashOf('inserted'), expiresAt: null }),
      ),
    ).rejects.toThrow();
  });

  it('page: the organization’s own keys only (revoked and expired included), newest first, page by page', async () => {
    const org = await insertOrganization(db, 'keys paged', tree.reseller);
    const child = await insertOrganization(db, 'keys paged child', org);
    const ids = [
      await insertApiKey(db, org.id, hashOf('paged 0')),
      await insertApiKey(db, org.id, hashOf('paged 1'), { revoked: true }),
      await insertApiKey(db, org.id, hashOf('paged 2'), { expiresInSeconds: -10 }),
    ];
    await insertApiKey(db, child.id, hashOf('paged child'));
    await insertApiKey(db, tree.reseller.id, hashOf('paged parent'));
    ids.push(await insertApiKey(db, org.id, hashOf('paged 3')));
    ids.push(await insertApiKey(db, org.id, hashOf('paged 4')));
    const newestFirst = [...ids].reverse();

    const first = await repository.page(org.id, { limit: 2 }, (key) => key.id);
    expect(first.data).toEqual(newestFirst.slice(0, 2));
    expect(decodeCursor(first.nextCursor!)).toBe(newestFirst[1]);
    const second = await repository.page(org.id, { limit: 2, cursor: first.nextCursor! }, (key) => key.id);
    expect(second.data).toEqual(newestFirst.slice(2, 4));
    const third = await repository.page(org.id, { limit: 2, cursor: second.nextCursor! }, (key) => key.id);
    expect(third.data).toEqual(newestFirst.slice(4));
    expect(third.nextCursor).toBeNull();

    const mapped = await repository.page(org.id, { limit: 200 }, (key) => ({ id: key.id, organizationId: key.organizationId, revoked: key.revokedAt !== null }));
    expect(mapped.data).toHaveLength(5);
    expect(mapped.nextCursor).toBeNull();
    expect(mapped.data.every((key) => key.organizationId === org.id)).toBe(true);
    expect(mapped.data.find((key) => key.id === ids[1])!.revoked).toBe(true);
    expect((await repository.page(child.id, { limit: 200 }, (key) => key.id)).data).toHaveLength(1);
    const empty = await insertOrganization(db, 'keys none', tree.reseller);
    expect(await repository.page(empty.id, {}, (key) => key.id)).toEqual({ data: [], nextCursor: null });
  });
});
