import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { WebhookSecretsRepository } from '../../src/webhooks/webhook-secrets.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrganization, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

/** The webhook_secrets table against a real, migrated database. Values are opaque here (sealing is the service's). */
describe('WebhookSecretsRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: WebhookSecretsRepository;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase(6);
    db = database.dataSource;
    repository = new WebhookSecretsRepository(db);
    tree = await insertTree(db, 'secrets');
  });

  afterAll(async () => {
    await database?.close();
  });

  it('find: null before the first secret; afterwards the organization’s own row only', async () => {
    const org = await insertOrganization(db, 'find', tree.reseller);
    const neighbour = await insertOrganization(db, 'find neighbour', tree.reseller);
    expect(await repository.find(org.id)).toBeNull();
    expect(await repository.insertIfAbsent(org.id, 'sealed-of-org')).toBe(true);
    expect(await repository.insertIfAbsent(neighbour.id, 'sealed-of-neighbour')).toBe(true);
    const row = await repository.find(org.id);
    expect(row).toMatchObject({ organizationId: org.id, secretSealed: 'sealed-of-org', previousSecretSealed: null, previousExpiresAt: null, rotatedAt: null });
    expect(row!.createdAt).toBeInstanceOf(Date);
    expect((await repository.find(neighbour.id))!.secretSealed).toBe('sealed-of-neighbour');
    expect(await repository.find(tree.reseller.id)).toBeNull();
  });

  it('insertIfAbsent: the first secret wins, a later or concurrent one changes nothing', async () => {
    const org = await insertOrganization(db, 'first use', tree.customer);
    const results = await Promise.all(['one', 'two', 'three', 'four'].map((value) => repository.insertIfAbsent(org.id, value)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = ['one', 'two', 'three', 'four'][results.indexOf(true)];
    expect((await repository.find(org.id))!.secretSealed).toBe(winner);
    expect(await repository.insertIfAbsent(org.id, 'later')).toBe(false);
    expect((await repository.find(org.id))!.secretSealed).toBe(winner);
  });

  it('insertIfAbsent and find run in the caller’s transaction when given its manager', async () => {
    const org = await insertOrganization(db, 'in a transaction', tree.customer);
    await expect(
      db.transaction(async (manager) => {
        expect(await repository.insertIfAbsent(org.id, 'rolled back', manager)).toBe(true);
        expect((await repository.find(org.id, manager))!.secretSealed).toBe('rolled back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await repository.find(org.id)).toBeNull();
  });

  it('rotate: the new secret is current, the old one previous until the overlap ends; null without a secret', async () => {
    const org = await insertOrganization(db, 'rotate', tree.customer);
    const bystander = await insertOrganization(db, 'rotate bystander', tree.customer);
    await repository.insertIfAbsent(org.id, 'first');
    await repository.insertIfAbsent(bystander.id, 'bystander');
    const before = Date.now();
    const rotated = await db.transaction((manager) => repository.rotate(manager, org.id, 'second', 3600));
    expect(rotated).toMatchObject({ organizationId: org.id, secretSealed: 'second', previousSecretSealed: 'first' });
    const overlap = rotated!.previousExpiresAt!.getTime() - before;
    expect(overlap).toBeGreaterThan(3590_000);
    expect(overlap).toBeLessThan(3610_000);
    expect(rotated!.rotatedAt).toBeInstanceOf(Date);
    // A second rotation drops the first secret.
    const again = await db.transaction((manager) => repository.rotate(manager, org.id, 'third', 60));
    expect(again).toMatchObject({ secretSealed: 'third', previousSecretSealed: 'second' });
    expect((await repository.find(bystander.id))!).toMatchObject({ secretSealed: 'bystander', previousSecretSealed: null });
    expect(await db.transaction((manager) => repository.rotate(manager, tree.other.id, 'nothing to rotate', 60))).toBeNull();
    expect(await repository.find(tree.other.id)).toBeNull();
  });

  it('find with lock: a second locker waits for the first transaction (rotations take turns)', async () => {
    const org = await insertOrganization(db, 'lock', tree.customer);
    await repository.insertIfAbsent(org.id, 'locked');
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      expect((await repository.find(org.id, runner.manager, true))!.secretSealed).toBe('locked');
      let second = false;
      const waiting = db.transaction(async (manager) => {
        const row = await repository.find(org.id, manager, true);
        second = true;
        return row;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(second).toBe(false);
      // An unlocked read is not held up.
      expect((await repository.find(org.id))!.secretSealed).toBe('locked');
      await repository.rotate(runner.manager, org.id, 'rotated while locked', 60);
      await runner.commitTransaction();
      // The second locker sees the committed rotation.
      expect((await waiting)!.secretSealed).toBe('rotated while locked');
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
