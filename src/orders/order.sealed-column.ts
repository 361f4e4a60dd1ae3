import { SEALED_COLUMNS, type SealedColumn } from '../common/crypto/sealed-column.registry.js';
import { orderSealedRepository as repository } from './order-sealed.repository.js';

/**
 * The AAD a tenant token is sealed with: the order id is bound in, so a sealed token copied into
 * another order's row does not open there.
 */
export function tenantTokenAad(orderId: number): string {
  return `tenant-token:${orderId}`;
}

/** The orders table's sealed column, for the rewrap command (docs/credentials.md). */
export const ORDER_TOKEN_SEALED_COLUMN: SealedColumn = {
  table: 'orders',
  column: 'tenant_token_sealed',
  lockStale: async (tx, afterId, currentKeyPattern, limit) =>
    (await repository.lockStale(tx, afterId, currentKeyPattern, limit)).map((row) => ({
      id: row.id,
      sealed: row.tenantTokenSealed,
      aad: tenantTokenAad(row.id),
    })),
  write: (tx, values) => repository.write(tx, values),
  anyStale: (db, currentKeyPattern) => repository.anyStale(db, currentKeyPattern),
};

SEALED_COLUMNS.register(ORDER_TOKEN_SEALED_COLUMN);
