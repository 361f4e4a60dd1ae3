import { SEALED_COLUMNS, type SealedColumn } from '../common/crypto/sealed-column.registry.js';
import { webhookSecretSealedRepository as repository, type WebhookSecretColumn } from './webhook-secret-sealed.repository.js';

/** The AAD of an organization's sealed webhook secrets (current and previous). */
export function webhookSecretAad(organizationId: number): string {
  return `webhook-secret:${organizationId}`;
}

function sealedColumn(column: WebhookSecretColumn): SealedColumn {
  return {
    table: 'webhook_secrets',
    column,
    lockStale: async (tx, afterId, currentKeyPattern, limit) =>
      (await repository.lockStale(tx, column, afterId, currentKeyPattern, limit)).map((row) => ({
        id: row.organizationId,
        sealed: row.sealed,
        aad: webhookSecretAad(row.organizationId),
      })),
    write: (tx, values) => repository.write(tx, column, values),
    anyStale: (db, currentKeyPattern) => repository.anyStale(db, column, currentKeyPattern),
  };
}

/** The sealed webhook secrets (current and, during a rotation, previous), for the rewrap command (docs/credentials.md). */
export const WEBHOOK_SECRET_SEALED_COLUMNS: readonly SealedColumn[] = [sealedColumn('secret_sealed'), sealedColumn('previous_secret_sealed')];

SEALED_COLUMNS.register(...WEBHOOK_SECRET_SEALED_COLUMNS);
