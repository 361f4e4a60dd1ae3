import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource, EntityManager } from 'typeorm';
import { sealedColumnExists } from '../../src/common/crypto/sealed-column.repository.js';
import { credentialSealedRepository } from '../../src/credentials/credential-sealed.repository.js';
import { orderSealedRepository } from '../../src/orders/order-sealed.repository.js';
import { webhookSecretSealedRepository } from '../../src/webhooks/webhook-secret-sealed.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrder, insertOrganization, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

/** Values sealed under the current key match this, as the rewrap command builds it: `v1.<key id>.%`. */
const CURRENT = 'v1.cccc0000.%';
const stale = (label: string) => `v1.aaaa1111.${label}`;
const current = (label: string) => `v1.cccc0000.${label}`;

/**
 * The rewrap command's reads and writes of every sealed column, against a real, migrated database.
 * Values are opaque here: which rows are read, locked and written is what is tested.
 */
describe('sealed-column repositories', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let tree: FixtureTree;

  beforeAll(async () => {
    database = await openRepositoryDatabase(6);
    db = database.dataSource;
    tree = await insertTree(db, 'sealed');
  });

  afterAll(async () => {
    await database?.close();
  });

  /** Whether another transaction finds the row locked (FOR UPDATE NOWAIT fails with lock_not_available). */
  async function lockedElsewhere(table: string, keyColumn: string, id: number): Promise<boolean> {
    try {
      await db.transaction((manager) => manager.query(`SELECT 1 FROM ${table} WHERE ${keyColumn} = $1 FOR UPDATE NOWAIT`, [id]));
      return false;
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code === '55P03') return true;
      throw error;
    }
  }

  /** Runs `work` in a transaction that is rolled back afterwards, whatever it did. */
  async function inRolledBackTransaction(work: (manager: EntityManager) => Promise<void>): Promise<void> {
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await work(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  describe('orders (tenant_token_sealed, master_token_sealed)', () => {
    const ids: number[] = [];
    const read = async (id: number) =>
      ((await db.query('SELECT tenant_token_sealed, master_token_sealed FROM orders WHERE id = $1', [id])) as { tenant_token_sealed: string | null; master_token_sealed: string | null }[])[0];

    beforeAll(async () => {
      // [tenant token, master token] per order, in id order.
      const values: [string | null, string | null][] = [
        [stale('t0'), null],
        [current('t1'), stale('m1')],
        [null, current('m2')],
        [stale('t3'), null],
        [stale('t4'), null],
      ];
      for (const [index, [tenant, master]] of values.entries()) {
        const id = await insertOrder(db, index % 2 === 0 ? tree.customer.id : tree.other.id, null);
        await db.query('UPDATE orders SET tenant_token_sealed = $2, master_token_sealed = $3 WHERE id = $1', [id, tenant, master]);
        ids.push(id);
      }
    });

    it('lockStale: the stale, non-NULL values of one column after an id, in id order, up to the limit', async () => {
      await inRolledBackTransaction(async (tx) => {
        const first = await orderSealedRepository.lockStale(tx, 'tenant_token_sealed', 0, CURRENT, 2);
        expect(first).toEqual([
          { id: ids[0], sealed: stale('t0') },
          { id: ids[3], sealed: stale('t3') },
        ]);
        expect(await orderSealedRepository.lockStale(tx, 'tenant_token_sealed', ids[3], CURRENT, 2)).toEqual([{ id: ids[4], sealed: stale('t4') }]);
        expect(await orderSealedRepository.lockStale(tx, 'tenant_token_sealed', ids[4], CURRENT, 2)).toEqual([]);
        expect(await orderSealedRepository.lockStale(tx, 'master_token_sealed', 0, CURRENT, 100)).toEqual([{ id: ids[1], sealed: stale('m1') }]);
      });
    });

    it('lockStale: the rows read stay locked until the transaction ends; the others are free', async () => {
      await inRolledBackTransaction(async (tx) => {
        await orderSealedRepository.lockStale(tx, 'tenant_token_sealed', 0, CURRENT, 2);
        expect(await lockedElsewhere('orders', 'id', ids[0])).toBe(true);
        expect(await lockedElsewhere('orders', 'id', ids[3])).toBe(true);
        // Beyond the limit, under the current key, NULL: not locked.
        for (const id of [ids[4], ids[1], ids[2]]) expect(await lockedElsewhere('orders', 'id', id)).toBe(false);
      });
      expect(await lockedElsewhere('orders', 'id', ids[0])).toBe(false);
    });

    it('anyStale and write: per column; only the listed rows change; rolled back with the transaction', async () => {
      expect(await orderSealedRepository.anyStale(db.manager, 'tenant_token_sealed', CURRENT)).toBe(true);
      expect(await orderSealedRepository.anyStale(db.manager, 'master_token_sealed', CURRENT)).toBe(true);

      await inRolledBackTransaction((tx) => orderSealedRepository.write(tx, 'tenant_token_sealed', [{ id: ids[0], sealed: current('rolled back') }]));
      expect((await read(ids[0])).tenant_token_sealed).toBe(stale('t0'));

      await db.transaction((tx) =>
        orderSealedRepository.write(tx, 'tenant_token_sealed', [
          { id: ids[0], sealed: current('t0') },
          { id: ids[3], sealed: current('t3') },
        ]),
      );
      expect(await read(ids[0])).toEqual({ tenant_token_sealed: current('t0'), master_token_sealed: null });
      expect(await read(ids[3])).toEqual({ tenant_token_sealed: current('t3'), master_token_sealed: null });
      expect(await read(ids[4])).toEqual({ tenant_token_sealed: stale('t4'), master_token_sealed: null });
      expect(await read(ids[1])).toEqual({ tenant_token_sealed: current('t1'), master_token_sealed: stale('m1') });
      expect(await orderSealedRepository.anyStale(db.manager, 'tenant_token_sealed', CURRENT)).toBe(true);

      await db.transaction((tx) => orderSealedRepository.write(tx, 'tenant_token_sealed', [{ id: ids[4], sealed: current('t4') }]));
      expect(await orderSealedRepository.anyStale(db.manager, 'tenant_token_sealed', CURRENT)).toBe(false);
      expect(await orderSealedRepository.anyStale(db.manager, 'master_token_sealed', CURRENT)).toBe(true);

      await db.transaction((tx) => orderSealedRepository.write(tx, 'master_token_sealed', [{ id: ids[1], sealed: current('m1') }]));
      expect(await read(ids[1])).toEqual({ tenant_token_sealed: current('t1'), master_token_sealed: current('m1') });
      expect(await orderSealedRepository.anyStale(db.manager, 'master_token_sealed', CURRENT)).toBe(false);
      // An empty batch changes nothing.
      await db.transaction((tx) => orderSealedRepository.write(tx, 'master_token_sealed', []));
      expect(await read(ids[2])).toEqual({ tenant_token_sealed: null, master_token_sealed: current('m2') });
    });
  });

  describe('credentials (sealed_value)', () => {
    const ids: number[] = [];
    const valueOf = async (id: number) => ((await db.query('SELECT sealed_value FROM credentials WHERE id = $1', [id])) as { sealed_value: string }[])[0].sealed_value;

    beforeAll(async () => {
      const rows: [number, string, string][] = [
        [tree.reseller.id, 'xelion.user', stale('c0')],
        [tree.customer.id, 'park.token', current('c1')],
        [tree.other.id, 'xelion.user', stale('c2')],
        [tree.site.id, 'xelion.password', stale('c3')],
      ];
      for (const [organizationId, key, sealed] of rows) {
        const [row] = (await db.query('INSERT INTO credentials (organization_id, key, sealed_value) VALUES ($1, $2, $3) RETURNING id', [
          organizationId,
          key,
          sealed,
        ])) as { id: number }[];
        ids.push(row.id);
      }
    });

    it('lockStale: stale values after an id with their organization and key, in id order, up to the limit, locked', async () => {
      await inRolledBackTransaction(async (tx) => {
        expect(await credentialSealedRepository.lockStale(tx, 0, CURRENT, 2)).toEqual([
          { id: ids[0], organizationId: tree.reseller.id, key: 'xelion.user', sealedValue: stale('c0') },
          { id: ids[2], organizationId: tree.other.id, key: 'xelion.user', sealedValue: stale('c2') },
        ]);
        expect(await lockedElsewhere('credentials', 'id', ids[0])).toBe(true);
        expect(await lockedElsewhere('credentials', 'id', ids[2])).toBe(true);
        expect(await lockedElsewhere('credentials', 'id', ids[1])).toBe(false);
        expect(await lockedElsewhere('credentials', 'id', ids[3])).toBe(false);
        expect(await credentialSealedRepository.lockStale(tx, ids[2], CURRENT, 2)).toEqual([
          { id: ids[3], organizationId: tree.site.id, key: 'xelion.password', sealedValue: stale('c3') },
        ]);
        expect(await credentialSealedRepository.lockStale(tx, ids[3], CURRENT, 2)).toEqual([]);
      });
    });

    it('anyStale and write: only the listed rows change', async () => {
      expect(await credentialSealedRepository.anyStale(db.manager, CURRENT)).toBe(true);
      await db.transaction((tx) =>
        credentialSealedRepository.write(tx, [
          { id: ids[0], sealed: current('c0') },
          { id: ids[2], sealed: current('c2') },
        ]),
      );
      expect(await Promise.all(ids.map(valueOf))).toEqual([current('c0'), current('c1'), current('c2'), stale('c3')]);
      expect(await credentialSealedRepository.anyStale(db.manager, CURRENT)).toBe(true);
      await db.transaction((tx) => credentialSealedRepository.write(tx, [{ id: ids[3], sealed: current('c3') }]));
      expect(await credentialSealedRepository.anyStale(db.manager, CURRENT)).toBe(false);
      // Under another current key, every value is stale again.
      expect(await credentialSealedRepository.anyStale(db.manager, 'v1.dddd0000.%')).toBe(true);
    });
  });

  describe('webhook_secrets (secret_sealed, previous_secret_sealed)', () => {
    const orgs: number[] = [];
    const read = async (organizationId: number) =>
      ((await db.query('SELECT secret_sealed, previous_secret_sealed FROM webhook_secrets WHERE organization_id = $1', [organizationId])) as {
        secret_sealed: string;
        previous_secret_sealed: string | null;
      }[])[0];

    beforeAll(async () => {
      // [secret, previous secret] per organization, in organization id order.
      const values: [string, string | null][] = [
        [stale('s0'), null],
        [current('s1'), stale('p1')],
        [stale('s2'), current('p2')],
        [current('s3'), null],
      ];
      for (const [index, [secret, previous]] of values.entries()) {
        const org = await insertOrganization(db, `sealed webhook ${index}`, index < 2 ? tree.customer : tree.other);
        await db.query('INSERT INTO webhook_secrets (organization_id, secret_sealed, previous_secret_sealed) VALUES ($1, $2, $3)', [org.id, secret, previous]);
        orgs.push(org.id);
      }
    });

    it('lockStale: per column, by organization id, up to the limit, locked', async () => {
      await inRolledBackTransaction(async (tx) => {
        expect(await webhookSecretSealedRepository.lockStale(tx, 'secret_sealed', 0, CURRENT, 1)).toEqual([{ organizationId: orgs[0], sealed: stale('s0') }]);
        expect(await webhookSecretSealedRepository.lockStale(tx, 'secret_sealed', orgs[0], CURRENT, 10)).toEqual([{ organizationId: orgs[2], sealed: stale('s2') }]);
        expect(await webhookSecretSealedRepository.lockStale(tx, 'secret_sealed', orgs[2], CURRENT, 10)).toEqual([]);
        expect(await webhookSecretSealedRepository.lockStale(tx, 'previous_secret_sealed', 0, CURRENT, 10)).toEqual([{ organizationId: orgs[1], sealed: stale('p1') }]);
        for (const [org, locked] of [
          [orgs[0], true],
          [orgs[1], true],
          [orgs[2], true],
          [orgs[3], false],
        ] as const) {
          expect(await lockedElsewhere('webhook_secrets', 'organization_id', org)).toBe(locked);
        }
      });
    });

    it('anyStale and write: per column; rows keyed by organization id', async () => {
      expect(await webhookSecretSealedRepository.anyStale(db.manager, 'secret_sealed', CURRENT)).toBe(true);
      expect(await webhookSecretSealedRepository.anyStale(db.manager, 'previous_secret_sealed', CURRENT)).toBe(true);
      await db.transaction((tx) =>
        webhookSecretSealedRepository.write(tx, 'secret_sealed', [
          { id: orgs[0], sealed: current('s0') },
          { id: orgs[2], sealed: current('s2') },
        ]),
      );
      expect(await Promise.all(orgs.map(read))).toEqual([
        { secret_sealed: current('s0'), previous_secret_sealed: null },
        { secret_sealed: current('s1'), previous_secret_sealed: stale('p1') },
        { secret_sealed: current('s2'), previous_secret_sealed: current('p2') },
        { secret_sealed: current('s3'), previous_secret_sealed: null },
      ]);
      expect(await webhookSecretSealedRepository.anyStale(db.manager, 'secret_sealed', CURRENT)).toBe(false);
      expect(await webhookSecretSealedRepository.anyStale(db.manager, 'previous_secret_sealed', CURRENT)).toBe(true);
      await db.transaction((tx) => webhookSecretSealedRepository.write(tx, 'previous_secret_sealed', [{ id: orgs[1], sealed: current('p1') }]));
      expect(await read(orgs[1])).toEqual({ secret_sealed: current('s1'), previous_secret_sealed: current('p1') });
      expect(await webhookSecretSealedRepository.anyStale(db.manager, 'previous_secret_sealed', CURRENT)).toBe(false);
    });
  });

  describe('sealedColumnExists', () => {
    it('true for the registered sealed columns, false for a missing column or table', async () => {
      for (const [table, column] of [
        ['orders', 'tenant_token_sealed'],
        ['orders', 'master_token_sealed'],
        ['credentials', 'sealed_value'],
        ['webhook_secrets', 'secret_sealed'],
        ['webhook_secrets', 'previous_secret_sealed'],
      ]) {
        expect(await sealedColumnExists(db.manager, table, column)).toBe(true);
      }
      expect(await sealedColumnExists(db.manager, 'orders', 'no_such_column')).toBe(false);
      expect(await sealedColumnExists(db.manager, 'no_such_table', 'sealed_value')).toBe(false);
    });

    it('only in the current schema: a table of that name in another schema does not count', async () => {
      await db.query('CREATE SCHEMA sealed_elsewhere');
      try {
        await db.query('CREATE TABLE sealed_elsewhere.vault (sealed_value text)');
        expect(await sealedColumnExists(db.manager, 'vault', 'sealed_value')).toBe(false);
        await db.transaction(async (manager) => {
          await manager.query('SET LOCAL search_path TO sealed_elsewhere');
          expect(await sealedColumnExists(manager, 'vault', 'sealed_value')).toBe(true);
          expect(await sealedColumnExists(manager, 'orders', 'tenant_token_sealed')).toBe(false);
        });
      } finally {
        await db.query('DROP SCHEMA sealed_elsewhere CASCADE');
      }
    });
  });
});
