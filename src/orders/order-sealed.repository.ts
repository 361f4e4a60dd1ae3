import type { EntityManager } from 'typeorm';

/** The sealed columns of `orders` (a fixed list: the name goes into the SQL text). */
export type OrderSealedColumn = 'tenant_token_sealed' | 'master_token_sealed';

export interface SealedOrderRow {
  id: number;
  sealed: string;
}

/** The rewrap command's reads and writes of the sealed columns of `orders` (order.sealed-column.ts). */
export const orderSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, column: OrderSealedColumn, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedOrderRow[]> {
    const rows: { id: string | number; sealed: string }[] = await tx.query(
      `SELECT id, ${column} AS sealed
         FROM orders
        WHERE id > $1 AND ${column} IS NOT NULL AND ${column} NOT LIKE $2
        ORDER BY id
        LIMIT $3
          FOR UPDATE`,
      [afterId, currentKeyPattern, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), sealed: row.sealed }));
  },

  async write(tx: EntityManager, column: OrderSealedColumn, values: readonly { id: number; sealed: string }[]): Promise<void> {
    await tx.query(`UPDATE orders AS t SET ${column} = v.sealed FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed) WHERE t.id = v.id`, [
      values.map((value) => value.id),
      values.map((value) => value.sealed),
    ]);
  },

  async anyStale(db: EntityManager, column: OrderSealedColumn, currentKeyPattern: string): Promise<boolean> {
    const rows: unknown[] = await db.query(`SELECT 1 FROM orders WHERE ${column} IS NOT NULL AND ${column} NOT LIKE $1 LIMIT 1`, [currentKeyPattern]);
    return rows.length > 0;
  },
};
