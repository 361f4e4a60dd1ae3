import type { SealedColumn } from '../common/crypto/rewrap.js';
import { webhookSecretAad } from './webhook-secrets.service.js';

/** The sealed webhook secrets (current and, during a rotation, previous), for `npm run cli -- rewrap`. */
export const WEBHOOK_SECRET_SEALED_COLUMNS: readonly SealedColumn[] = ['secret_sealed', 'previous_secret_sealed'].map((sealedColumn) => ({
  table: 'webhook_secrets',
  idColumn: 'organization_id',
  sealedColumn,
  aadColumns: ['organization_id'],
  aad: (row: Record<string, unknown>) => webhookSecretAad(Number(row.organization_id)),
}));
