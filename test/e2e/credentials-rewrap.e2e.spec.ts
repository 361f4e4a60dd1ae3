import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewrapSealedColumns } from '../../src/common/crypto/rewrap.js';
import { SEALED_COLUMNS, type SealedColumn } from '../../src/common/crypto/sealed-column.registry.js';
import { keyId, SecretBox } from '../../src/common/crypto/secret-box.js';
import { CredentialsRepository } from '../../src/credentials/credentials.repository.js';
import { CredentialsService } from '../../src/credentials/credentials.service.js';
import { OrganizationsService } from '../../src/organizations/organizations.service.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** A sealed column `<table>.secret` keyed by `id`, with AAD `probe:<id>`, as a feature would register it. */
function probeColumn(table: string): SealedColumn {
  return {
    table,
    column: 'secret',
    lockStale: async (tx, afterId, currentKeyPattern, limit) =>
      (
        await tx.query<{ id: number; secret: string }[]>(
          `SELECT id, secret FROM ${table} WHERE id > $1 AND secret IS NOT NULL AND secret NOT LIKE $2 ORDER BY id LIMIT $3 FOR UPDATE`,
          [afterId, currentKeyPattern, limit],
        )
      ).map((row) => ({ id: row.id, sealed: row.secret, aad: `probe:${row.id}` })),
    write: async (tx, values) => {
      for (const value of values) await tx.query(`UPDATE ${table} SET secret = $2 WHERE id = $1`, [value.id, value.sealed]);
    },
    anyStale: async (db, currentKeyPattern) =>
      (await db.query(`SELECT 1 FROM ${table} WHERE secret IS NOT NULL AND secret NOT LIKE $1 LIMIT 1`, [currentKeyPattern])).length > 0,
  };
}

/**
 * Key rotation: the app runs on KEY_A; the operator then sets ENCRYPTION_KEY=KEY_B with
 * ENCRYPTION_KEYS_PREVIOUS=KEY_A and runs `npm run cli -- rewrap` (rewrapSealedColumns over SEALED_COLUMNS).
 */
describe('credential key rotation and rewrap', () => {
  const KEY_A = randomBytes(32);
  const KEY_B = randomBytes(32);
  let app: TestApp;
  let orgs: OrgWithKey[];
  const values = new Map<string, string>(); // `${orgId}/${key}` → value
  const kids = async () =>
    (await app.dataSource.query<{ sealed_value: string }[]>('SELECT sealed_value FROM credentials ORDER BY id')).map(
      (row) => row.sealed_value.split('.')[1],
    );
  const serviceWith = (box: SecretBox) => new CredentialsService(app.dataSource, app.app.get(CredentialsRepository), box, app.app.get(OrganizationsService));

  beforeAll(async () => {
    app = await startTestApp({ ENCRYPTION_KEY: KEY_A.toString('base64') });
    orgs = [
      await createOrganization(app, ROOT_KEY, 'rotation one'),
      await createOrganization(app, ROOT_KEY, 'rotation two'),
      await createOrganization(app, ROOT_KEY, 'rotation three'),
    ];
    // Interleaved, so that every batch spans several organizations (several AADs).
    for (let i = 0; i < 4; i++) {
      for (const org of orgs) {
        const value = `rotation-${org.id}-${i}-${randomBytes(4).toString('hex')}`;
        values.set(`${org.id}/k${i}`, value);
        const response = await app.request('PUT', `/api/v1/organizations/${org.id}/credentials/k${i}`, { key: org.key, body: { value } });
        expect(response.status).toBe(204);
      }
    }
  });
  afterAll(() => app?.close());

  it('previous keys still decrypt; an interrupted rewrap continues where it stopped when run again', async () => {
    expect(await kids()).toEqual(Array(12).fill(keyId(KEY_A)));
    const rotated = new SecretBox(KEY_B, [KEY_A]);
    const afterRotation = serviceWith(rotated);
    for (const [where, value] of values) {
      const [orgId, key] = where.split('/');
      expect(await afterRotation.resolveOwn(Number(orgId), key)).toBe(value);
    }

    // Interrupted after the first committed batch of 5: those 5 stay done.
    let batches = 0;
    await expect(
      rewrapSealedColumns(app.dataSource, rotated, SEALED_COLUMNS.columns, {
        batchSize: 5,
        afterBatch: () => {
          batches += 1;
          if (batches === 1) throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(await kids()).toEqual([...Array(5).fill(keyId(KEY_B)), ...Array(7).fill(keyId(KEY_A))]);
    // Meanwhile both keys' values open.
    expect(await afterRotation.resolveOwn(orgs[0].id, 'k0')).toBe(values.get(`${orgs[0].id}/k0`));
    expect(await afterRotation.resolveOwn(orgs[2].id, 'k3')).toBe(values.get(`${orgs[2].id}/k3`));

    // Stopped by --limit: reports that it is not complete.
    const limited = await rewrapSealedColumns(app.dataSource, rotated, SEALED_COLUMNS.columns, { batchSize: 5, limit: 3 });
    expect(limited).toMatchObject({ resealed: 3, failed: 0, complete: false });
    expect((await kids()).filter((kid) => kid === keyId(KEY_B))).toHaveLength(8);

    // Run again: only the 4 left are re-sealed, and then there is nothing to do.
    const second = await rewrapSealedColumns(app.dataSource, rotated, SEALED_COLUMNS.columns, { batchSize: 5 });
    expect(second).toMatchObject({ resealed: 4, failed: 0, complete: true });
    expect(second.columns[0]).toEqual({ column: 'credentials.sealed_value', present: true, resealed: 4, failed: [] });
    // This app holds no orders or webhook secrets: their columns (tenant and master tokens, webhook secrets) have nothing to do.
    expect(second.columns.slice(1).map((column) => column.resealed)).toEqual([0, 0, 0, 0]);
    expect(await kids()).toEqual(Array(12).fill(keyId(KEY_B)));
    expect(await rewrapSealedColumns(app.dataSource, rotated, SEALED_COLUMNS.columns)).toMatchObject({ resealed: 0, complete: true });

    // The old key can now be dropped: the new one alone opens everything, each with its own AAD.
    const onlyB = serviceWith(new SecretBox(KEY_B, []));
    for (const [where, value] of values) {
      const [orgId, key] = where.split('/');
      expect(await onlyB.resolveOwn(Number(orgId), key)).toBe(value);
    }
    // The running app, still on KEY_A alone, cannot: it names the unknown key id.
    await expect(app.app.get(CredentialsService).resolveOwn(orgs[0].id, 'k0')).rejects.toThrow(keyId(KEY_B));
  });

  it('rewraps any registered sealed column: AAD from the row, NULLs skipped', async () => {
    await app.dataSource.query('CREATE TABLE rewrap_probe (id int PRIMARY KEY, secret text)');
    try {
      const old = new SecretBox(KEY_A, []);
      for (let id = 1; id <= 5; id++) {
        await app.dataSource.query('INSERT INTO rewrap_probe (id, secret) VALUES ($1, $2)', [id, id === 3 ? null : old.seal(`probe-${id}`, `probe:${id}`)]);
      }
      const box = new SecretBox(KEY_B, [KEY_A]);
      const result = await rewrapSealedColumns(app.dataSource, box, [probeColumn('rewrap_probe')], { batchSize: 2 });
      expect(result).toMatchObject({ resealed: 4, failed: 0, complete: true });
      const rows = await app.dataSource.query<{ id: number; secret: string | null }[]>('SELECT id, secret FROM rewrap_probe ORDER BY id');
      expect(rows[2].secret).toBeNull();
      for (const row of rows.filter((r) => r.secret !== null)) {
        expect(new SecretBox(KEY_B, []).open(row.secret!, `probe:${row.id}`)).toBe(`probe-${row.id}`);
      }
    } finally {
      await app.dataSource.query('DROP TABLE rewrap_probe');
    }
  });

  it('reports values it cannot open, re-seals the rest, and skips sealed columns whose table is absent', async () => {
    const org = orgs[1];
    const victim = (
      await app.dataSource.query<{ id: number }[]>('SELECT id FROM credentials WHERE organization_id = $1 AND key = $2', [org.id, 'k2'])
    )[0];
    await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE id = $2', [
      new SecretBox(randomBytes(32), []).seal('x', 'y'),
      victim.id,
    ]);
    const KEY_C = randomBytes(32);
    const result = await rewrapSealedColumns(app.dataSource, new SecretBox(KEY_C, [KEY_B]), [
      ...SEALED_COLUMNS.columns,
      probeColumn('no_such_table'),
    ], { batchSize: 4 });
    expect(result).toMatchObject({ resealed: 11, failed: 1, complete: true });
    expect(result.columns[0].failed).toEqual([{ id: victim.id, reason: expect.stringMatching(/key id/) }]);
    expect(result.columns.at(-1)).toEqual({ column: 'no_such_table.secret', present: false, resealed: 0, failed: [] });
    expect((await kids()).filter((kid) => kid === keyId(KEY_C))).toHaveLength(11);
    expect(await serviceWith(new SecretBox(KEY_C, [])).resolveOwn(org.id, 'k3')).toBe(values.get(`${org.id}/k3`));
  });
});
