import type { EntityManager } from 'typeorm';
import { sealedColumnStatements } from '../common/crypto/sealed-column.repository.js';

/** The two sealed columns of `webhook_secrets`: the current secret and, during a rotation, the previous one. */
export type WebhookSecretColumn = 'secret_sealed' | 'previous_secret_sealed';

export interface SealedWebhookSecretRow {
  organizationId: number;
  sealed: string;
}

// Rows are keyed by organization_id.
const statements = {
  secret_sealed: sealedColumnStatements('webhook_secrets', 'organization_id', 'secret_sealed'),
  previous_secret_sealed: sealedColumnStatements('webhook_secrets', 'organization_id', 'previous_secret_sealed'),
};

/** The rewrap command's reads and writes of `webhook_secrets` (webhook-secret.sealed-column.ts). */
export const webhookSecretSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in organization id order, locked FOR UPDATE. */
  async lockStale(tx: EntityManager, column: WebhookSecretColumn, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedWebhookSecretRow[]> {
    return (await statements[column].lockStale(tx, afterId, currentKeyPattern, limit)).map(({ id, sealed }) => ({ organizationId: id, sealed }));
  },
  write: (tx: EntityManager, column: WebhookSecretColumn, values: readonly { id: number; sealed: string }[]): Promise<void> => statements[column].write(tx, values),
  anyStale: (db: EntityManager, column: WebhookSecretColumn, currentKeyPattern: string): Promise<boolean> => statements[column].anyStale(db, currentKeyPattern),
};
