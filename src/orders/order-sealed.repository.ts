import type { EntityManager } from 'typeorm';
import { sealedColumnStatements } from '../common/crypto/sealed-column.repository.js';

/** The sealed columns of `orders` (a fixed list: the name goes into the SQL text). */
export type OrderSealedColumn = 'tenant_token_sealed' | 'master_token_sealed';

export interface SealedOrderRow {
  id: number;
  sealed: string;
}

const statements = {
  tenant_token_sealed: sealedColumnStatements('orders', 'id', 'tenant_token_sealed'),
  master_token_sealed: sealedColumnStatements('orders', 'id', 'master_token_sealed'),
};

/** The rewrap command's reads and writes of the sealed columns of `orders` (order.sealed-column.ts). */
export const orderSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, column: OrderSealedColumn, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedOrderRow[]> {
    return (await statements[column].lockStale(tx, afterId, currentKeyPattern, limit)).map(({ id, sealed }) => ({ id, sealed }));
  },
  write: (tx: EntityManager, column: OrderSealedColumn, values: readonly { id: number; sealed: string }[]): Promise<void> => statements[column].write(tx, values),
  anyStale: (db: EntityManager, column: OrderSealedColumn, currentKeyPattern: string): Promise<boolean> => statements[column].anyStale(db, currentKeyPattern),
};
