import type { EntityManager } from 'typeorm';

export interface SealedCredentialRow {
  id: number;
  organizationId: number;
  key: string;
  sealedValue: string;
}

/** The rewrap command's reads and writes of `credentials.sealed_value` (credential.sealed-column.ts). */
export const credentialSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedCredentialRow[]> {
    const rows: { id: string | number; organization_id: string | number; key: string; sealed_value: string }[] = await tx.query(
      `SELECT id, organization_id, key, sealed_value
         FROM credentials
        WHERE id > $1 AND sealed_value IS NOT NULL AND sealed_value NOT LIKE $2
        ORDER BY id
        LIMIT $3
          FOR UPDATE`,
      [afterId, currentKeyPattern, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), organizationId: Number(row.organization_id), key: row.key, sealedValue: row.sealed_value }));
  },

  async write(tx: EntityManager, values: readonly { id: number; sealed: string }[]): Promise<void> {
    await tx.query(
      `UPDATE credentials AS t SET sealed_value = v.sealed FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed) WHERE t.id = v.id`,
      [values.map((value) => value.id), values.map((value) => value.sealed)],
    );
  },

  async anyStale(db: EntityManager, currentKeyPattern: string): Promise<boolean> {
    const rows: unknown[] = await db.query(`SELECT 1 FROM credentials WHERE sealed_value IS NOT NULL AND sealed_value NOT LIKE $1 LIMIT 1`, [
      currentKeyPattern,
    ]);
    return rows.length > 0;
  },
};
