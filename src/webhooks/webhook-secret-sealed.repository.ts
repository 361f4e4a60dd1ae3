import type { EntityManager } from 'typeorm';

/** The two sealed columns of `webhook_secrets`: the current secret and, during a rotation, the previous one. */
export type WebhookSecretColumn = 'secret_sealed' | 'previous_secret_sealed';

export interface SealedWebhookSecretRow {
  organizationId: number;
  sealed: string;
}

/**
 * The rewrap command's reads and writes of `webhook_secrets` (webhook-secret.sealed-column.ts). Rows are
 * keyed by organization_id. `column` is one of two literals (never input), so it is written into the SQL.
 */
export const webhookSecretSealedRepository = {
  /** Up to `limit` values after `afterId` not LIKE `currentKeyPattern`, in organization id order, locked FOR UPDATE. */
  async lockStale(
    tx: EntityManager,
    column: WebhookSecretColumn,
    afterId: number,
    currentKeyPattern: string,
    limit: number,
  ): Promise<SealedWebhookSecretRow[]> {
    const rows: { organization_id: string | number; sealed: string }[] = await tx.query(
      `SELECT organization_id, ${column} AS sealed
         FROM webhook_secrets
        WHERE organization_id > $1 AND ${column} IS NOT NULL AND ${column} NOT LIKE $2
        ORDER BY organization_id
        LIMIT $3
          FOR UPDATE`,
      [afterId, currentKeyPattern, limit],
    );
    return rows.map((row) => ({ organizationId: Number(row.organization_id), sealed: row.sealed }));
  },

  async write(tx: EntityManager, column: WebhookSecretColumn, values: readonly { id: number; sealed: string }[]): Promise<void> {
    await tx.query(
      `UPDATE webhook_secrets AS t SET ${column} = v.sealed
         FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed)
        WHERE t.organization_id = v.id`,
      [values.map((value) => value.id), values.map((value) => value.sealed)],
    );
  },

  async anyStale(db: EntityManager, column: WebhookSecretColumn, currentKeyPattern: string): Promise<boolean> {
    const rows: unknown[] = await db.query(`SELECT 1 FROM webhook_secrets WHERE ${column} IS NOT NULL AND ${column} NOT LIKE $1 LIMIT 1`, [
      currentKeyPattern,
    ]);
    return rows.length > 0;
  },
};
