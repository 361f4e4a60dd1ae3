import { SEALED_COLUMNS, type SealedColumn } from '../common/crypto/sealed-column.registry.js';
import { credentialSealedRepository as repository } from './credential-sealed.repository.js';

/**
 * The AAD a credential value is sealed with: the organization and the key name are bound in, so a
 * sealed value copied into another organization's row, or under another key, does not open.
 */
export function credentialAad(organizationId: number, key: string): string {
  return `credential:${organizationId}:${key}`;
}

/** The credentials table's sealed column, for the rewrap command (docs/credentials.md). */
export const CREDENTIAL_SEALED_COLUMN: SealedColumn = {
  table: 'credentials',
  column: 'sealed_value',
  lockStale: async (tx, afterId, currentKeyPattern, limit) =>
    (await repository.lockStale(tx, afterId, currentKeyPattern, limit)).map((row) => ({
      id: row.id,
      sealed: row.sealedValue,
      aad: credentialAad(row.organizationId, row.key),
    })),
  write: (tx, values) => repository.write(tx, values),
  anyStale: (db, currentKeyPattern) => repository.anyStale(db, currentKeyPattern),
};

SEALED_COLUMNS.register(CREDENTIAL_SEALED_COLUMN);
