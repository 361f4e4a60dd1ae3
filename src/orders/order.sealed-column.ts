import { SEALED_COLUMNS, type SealedColumn } from '../common/crypto/sealed-column.registry.js';
import { orderSealedRepository as repository, type OrderSealedColumn } from './order-sealed.repository.js';

/**
 * The AAD a tenant token is sealed with: the order id is bound in, so a sealed token copied into
 * another order's row does not open there.
 */
export function tenantTokenAad(orderId: number): string {
  return `tenant-token:${orderId}`;
}

/** The AAD a park order's master-tenant token is sealed with (bound to the order, like the tenant token). */
export function masterTokenAad(orderId: number): string {
  return `master-token:${orderId}`;
}

/** A sealed column of `orders`, for the rewrap command (docs/credentials.md). */
function orderColumn(column: OrderSealedColumn, aad: (orderId: number) => string): SealedColumn {
  return {
    table: 'orders',
    column,
    lockStale: async (tx, afterId, currentKeyPattern, limit) =>
      (await repository.lockStale(tx, column, afterId, currentKeyPattern, limit)).map((row) => ({ id: row.id, sealed: row.sealed, aad: aad(row.id) })),
    write: (tx, values) => repository.write(tx, column, values),
    anyStale: (db, currentKeyPattern) => repository.anyStale(db, column, currentKeyPattern),
  };
}

export const ORDER_TOKEN_SEALED_COLUMN = orderColumn('tenant_token_sealed', tenantTokenAad);
/** Park orders' master-tenant tokens. */
export const ORDER_MASTER_TOKEN_SEALED_COLUMN = orderColumn('master_token_sealed', masterTokenAad);

SEALED_COLUMNS.register(ORDER_TOKEN_SEALED_COLUMN);
SEALED_COLUMNS.register(ORDER_MASTER_TOKEN_SEALED_COLUMN);
