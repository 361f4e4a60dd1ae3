import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { CredentialsRepository } from '../../src/credentials/credentials.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrganization, insertTree, type FixtureOrganization, type FixtureTree } from '../support/repository-fixtures.js';

/**
 * The credentials table against a real, migrated database. Values are opaque strings here: sealing and
 * opening are the service's (docs/credentials.md).
 */
describe('CredentialsRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: CredentialsRepository;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase();
    db = database.dataSource;
    repository = new CredentialsRepository(db);
    tree = await insertTree(db, 'credentials');
  });

  afterAll(async () => {
    await database?.close();
  });

  const put = (org: FixtureOrganization, key: string, value: string, inherit?: boolean) =>
    db.transaction((manager) => repository.upsert(manager, org.id, key, value, inherit));

  const stored = async (org: FixtureOrganization, key: string) => {
    const [row] = (await db.query('SELECT sealed_value, inherit, created_at, updated_at FROM credentials WHERE organization_id = $1 AND key = $2', [
      org.id,
      key,
    ])) as { sealed_value: string; inherit: boolean; created_at: Date; updated_at: Date }[];
    return row;
  };

  describe('upsert', () => {
    it('stores a new key unshared by default, and replaces a value keeping its flag unless one is given', async () => {
      const org = await insertOrganization(db, 'upsert', tree.customer);
      await put(org, 'numbers.apiKey', 'v1');
      expect(await stored(org, 'numbers.apiKey')).toMatchObject({ sealed_value: 'v1', inherit: false });
      await put(org, 'numbers.url', 'u1', true);
      const first = await stored(org, 'numbers.url');
      expect(first).toMatchObject({ sealed_value: 'u1', inherit: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
      await put(org, 'numbers.url', 'u2');
      const replaced = await stored(org, 'numbers.url');
      expect(replaced).toMatchObject({ sealed_value: 'u2', inherit: true });
      expect(replaced.updated_at.getTime()).toBeGreaterThan(first.updated_at.getTime());
      expect(replaced.created_at.getTime()).toBe(first.created_at.getTime());
      await put(org, 'numbers.url', 'u3', false);
      expect(await stored(org, 'numbers.url')).toMatchObject({ sealed_value: 'u3', inherit: false });
    });

    it('keeps each organization’s keys apart', async () => {
      const a = await insertOrganization(db, 'apart a', tree.customer);
      const b = await insertOrganization(db, 'apart b', tree.customer);
      await put(a, 'sipTrunk.password', 'of a');
      await put(b, 'sipTrunk.password', 'of b');
      expect((await stored(a, 'sipTrunk.password')).sealed_value).toBe('of a');
      expect((await stored(b, 'sipTrunk.password')).sealed_value).toBe('of b');
    });
  });

  it('countKeys: how many keys the organization stores and whether the key is one', async () => {
    const org = await insertOrganization(db, 'count', tree.customer);
    const other = await insertOrganization(db, 'count other', tree.customer);
    const count = (key: string) => db.transaction((manager) => repository.countKeys(manager, org.id, key));
    expect(await count('a')).toEqual({ count: 0, present: false });
    await put(org, 'a', '1');
    await put(org, 'b', '2');
    await put(other, 'c', '3');
    expect(await count('a')).toEqual({ count: 2, present: true });
    expect(await count('c')).toEqual({ count: 2, present: false });
  });

  it('setInherit: changes the flag only (updated_at dates the value and stays); undefined for an unset key', async () => {
    const org = await insertOrganization(db, 'inherit', tree.customer);
    await put(org, 'redirection.token', 'value');
    const before = await stored(org, 'redirection.token');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const changed = await db.transaction((manager) => repository.setInherit(manager, org.id, 'redirection.token', true));
    expect(changed).toEqual({ key: 'redirection.token', inherit: true, createdAt: before.created_at, updatedAt: before.updated_at });
    expect(changed).not.toHaveProperty('sealedValue');
    expect(await stored(org, 'redirection.token')).toMatchObject({ sealed_value: 'value', inherit: true, updated_at: before.updated_at });
    expect(await db.transaction((manager) => repository.setInherit(manager, org.id, 'not.set', true))).toBeUndefined();
    expect(await db.transaction((manager) => repository.setInherit(manager, tree.other.id, 'redirection.token', true))).toBeUndefined();
  });

  it('list: the organization’s keys sorted, without values; nothing of other organizations', async () => {
    const org = await insertOrganization(db, 'list', tree.customer);
    const child = await insertOrganization(db, 'list child', org);
    await put(org, 'zeta', 'z', true);
    await put(org, 'alpha', 'a');
    await put(child, 'beta', 'b');
    const listed = await repository.list(org.id);
    expect(listed.map((c) => [c.key, c.inherit])).toEqual([
      ['alpha', false],
      ['zeta', true],
    ]);
    for (const credential of listed) {
      expect(Object.keys(credential).sort()).toEqual(['createdAt', 'inherit', 'key', 'updatedAt']);
      expect(credential.createdAt).toBeInstanceOf(Date);
    }
    expect((await repository.list(child.id)).map((c) => c.key)).toEqual(['beta']);
    expect(await repository.list(tree.other.id)).toEqual([]);
  });

  it('delete: removes the organization’s key only; false when it was not set', async () => {
    const org = await insertOrganization(db, 'delete', tree.customer);
    const other = await insertOrganization(db, 'delete other', tree.customer);
    await put(org, 'k', '1');
    await put(other, 'k', '2');
    expect(await db.transaction((manager) => repository.delete(manager, org.id, 'k'))).toBe(true);
    expect(await db.transaction((manager) => repository.delete(manager, org.id, 'k'))).toBe(false);
    expect(await stored(org, 'k')).toBeUndefined();
    expect((await stored(other, 'k')).sealed_value).toBe('2');
  });

  describe('resolution reads', () => {
    it('groupCandidates: the keys of the target and its ancestors only — never a sibling’s, a descendant’s or another subtree’s', async () => {
      const keys = ['numbers.url', 'numbers.apiKey'];
      const top = await insertOrganization(db, 'resolution top', tree.root, { allowedServerHosts: ['*.example.com'] });
      const middle = await insertOrganization(db, 'resolution middle', top);
      const target = await insertOrganization(db, 'resolution target', middle);
      const sibling = await insertOrganization(db, 'resolution sibling', middle);
      const below = await insertOrganization(db, 'resolution below', target);
      const elsewhere = await insertOrganization(db, 'resolution elsewhere', tree.root);
      await put(top, 'numbers.url', 'top url', true);
      await put(top, 'numbers.apiKey', 'top key', true);
      await put(top, 'sipTrunk.password', 'not asked for', true);
      await put(middle, 'numbers.url', 'middle url');
      await put(sibling, 'numbers.url', 'sibling url', true);
      await put(below, 'numbers.url', 'below url', true);
      await put(elsewhere, 'numbers.url', 'elsewhere url', true);

      const rows = await repository.groupCandidates(target.id, keys);
      const sorted = rows.map((r) => [r.organizationId, r.key, r.sealedValue, r.inherit, r.depth, r.allowedServerHosts]).sort((a, b) => String(a[2]).localeCompare(String(b[2])));
      expect(sorted).toEqual([
        [middle.id, 'numbers.url', 'middle url', false, 2, null],
        [top.id, 'numbers.apiKey', 'top key', true, 1, ['*.example.com']],
        [top.id, 'numbers.url', 'top url', true, 1, ['*.example.com']],
      ]);
      await put(target, 'numbers.apiKey', 'own key');
      expect((await repository.groupCandidates(target.id, keys)).find((r) => r.organizationId === target.id)).toMatchObject({ sealedValue: 'own key', depth: 3 });
      expect(await repository.groupCandidates(tree.other.id, keys)).toEqual([]);
    });

    it('groupCandidates skips the rows of a disabled owner', async () => {
      const owner = await insertOrganization(db, 'disabled owner', tree.root, { disabled: true });
      const target = await insertOrganization(db, 'below disabled', owner);
      await put(owner, 'numbers.url', 'of a disabled organization', true);
      await put(target, 'numbers.apiKey', 'own');
      expect((await repository.groupCandidates(target.id, ['numbers.url', 'numbers.apiKey'])).map((r) => r.sealedValue)).toEqual(['own']);
    });

    it('ownSealedValue: the organization’s own value only, never an ancestor’s; none for a disabled organization', async () => {
      const parent = await insertOrganization(db, 'own parent', tree.root);
      const org = await insertOrganization(db, 'own', parent);
      const disabled = await insertOrganization(db, 'own disabled', parent, { disabled: true });
      await put(parent, 'standalone', 'of the parent', true);
      await put(disabled, 'standalone', 'of a disabled organization');
      expect(await repository.ownSealedValue(org.id, 'standalone')).toBeUndefined();
      expect(await repository.ownSealedValue(parent.id, 'standalone')).toBe('of the parent');
      expect(await repository.ownSealedValue(disabled.id, 'standalone')).toBeUndefined();
      await put(org, 'standalone', 'its own');
      expect(await repository.ownSealedValue(org.id, 'standalone')).toBe('its own');
    });
  });
});
