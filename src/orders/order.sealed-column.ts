import type { SealedColumn } from '../common/crypto/rewrap.js';

/**
 * The AAD a tenant token is sealed with: the order id is bound in, so a sealed token copied into
 * another order's row does not open there.
 */
export function tenantTokenAad(orderId: number): string {
  return `tenant-token:${orderId}`;
}

/** The orders table's sealed column, for the rewrap command (common/crypto/sealed-columns.ts). */
export const ORDER_TOKEN_SEALED_COLUMN: SealedColumn = {
  table: 'orders',
  idColumn: 'id',
  sealedColumn: 'tenant_token_sealed',
  aadColumns: ['id'],
  aad: (row) => tenantTokenAad(Number(row.id)),
};

/** The AAD a park order's master-tenant token is sealed with (bound to the order, like the tenant token). */
export function masterTokenAad(orderId: number): string {
  return `master-token:${orderId}`;
}

/** The orders table's second sealed column: park orders' master-tenant tokens. */
export const ORDER_MASTER_TOKEN_SEALED_COLUMN: SealedColumn = {
  table: 'orders',
  idColumn: 'id',
  sealedColumn: 'master_token_sealed',
  aadColumns: ['id'],
  aad: (row) => masterTokenAad(Number(row.id)),
};
