import type { SealedColumn } from '../common/crypto/rewrap.js';

/**
 * The AAD a credential value is sealed with: the organization and the key name are bound in, so a
 * sealed value copied into another organization's row, or under another key, does not open.
 */
export function credentialAad(organizationId: number, key: string): string {
  return `credential:${organizationId}:${key}`;
}

/** The credentials table's sealed column, for the rewrap command (common/crypto/sealed-columns.ts). */
export const CREDENTIAL_SEALED_COLUMN: SealedColumn = {
  table: 'credentials',
  idColumn: 'id',
  sealedColumn: 'sealed_value',
  aadColumns: ['organization_id', 'key'],
  aad: (row) => credentialAad(Number(row.organization_id), String(row.key)),
};
