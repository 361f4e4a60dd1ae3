import type { EntityManager } from 'typeorm';

export interface SealedTenantTokenRow {
  id: number;
  tenantTokenSealed: string;
}

/** The rewrap command's reads and writes of `orders.tenant_token_sealed` (order.sealed-column.ts). */
export const orderSealedRepository = {
  /** Up to `limit` tokens after `afterId` not LIKE `currentKeyPattern`, in id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedTenantTokenRow[]> {
    const rows: { id: string | number; tenant_token_sealed: string }[] = await tx.query(
      `SELECT id, tenant_token_sealed
         FROM orders
        WHERE id > $1 AND tenant_token_sealed IS NOT NULL AND tenant_token_sealed NOT LIKE $2
        ORDER BY id
        LIMIT $3
          FOR UPDATE`,
      [afterId, currentKeyPattern, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), tenantTokenSealed: row.tenant_token_sealed }));
  },

  async write(tx: EntityManager, values: readonly { id: number; sealed: string }[]): Promise<void> {
    await tx.query(
      `UPDATE orders AS t SET tenant_token_sealed = v.sealed FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed) WHERE t.id = v.id`,
      [values.map((value) => value.id), values.map((value) => value.sealed)],
    );
  },

  async anyStale(db: EntityManager, currentKeyPattern: string): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `SELECT 1 FROM orders WHERE tenant_token_sealed IS NOT NULL AND tenant_token_sealed NOT LIKE $1 LIMIT 1`,
      [currentKeyPattern],
    );
    return rows.length > 0;
  },
};
