import type { EntityManager } from 'typeorm';
import { sealedColumnStatements } from '../common/crypto/sealed-column.repository.js';

export interface SealedCredentialRow {
  id: number;
  organizationId: number;
  key: string;
  sealedValue: string;
}

// The organization and the key are part of a credential's AAD.
const statements = sealedColumnStatements('credentials', 'id', 'sealed_value', ['organization_id', 'key']);

/** The rewrap command's reads and writes of `credentials.sealed_value` (credential.sealed-column.ts). */
export const credentialSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedCredentialRow[]> {
    return (await statements.lockStale(tx, afterId, currentKeyPattern, limit)).map(({ id, sealed, extra }) => ({
      id,
      organizationId: Number(extra.organization_id),
      key: String(extra.key),
      sealedValue: sealed,
    }));
  },
  write: (tx: EntityManager, values: readonly { id: number; sealed: string }[]): Promise<void> => statements.write(tx, values),
  anyStale: (db: EntityManager, currentKeyPattern: string): Promise<boolean> => statements.anyStale(db, currentKeyPattern),
};
