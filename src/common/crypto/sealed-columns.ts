import { CREDENTIAL_SEALED_COLUMN } from '../../credentials/credential.sealed-column.js';
import { ORDER_MASTER_TOKEN_SEALED_COLUMN, ORDER_TOKEN_SEALED_COLUMN } from '../../orders/order.sealed-column.js';
import { WEBHOOK_SECRET_SEALED_COLUMNS } from '../../webhooks/webhook-secret.sealed-column.js';
import type { SealedColumn } from './rewrap.js';

/**
 * Every column that holds SecretBox-sealed values, for `npm run cli -- rewrap`. A feature that stores
 * a sealed value (tenant tokens of orders, webhook secrets, ...) describes its column next to its
 * entity — table, integer id column, sealed column, the columns its AAD is made from, and the AAD
 * function (the same one it seals with) — and adds it here. A column whose table does not exist yet
 * in the database is skipped.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [CREDENTIAL_SEALED_COLUMN, ORDER_TOKEN_SEALED_COLUMN, ORDER_MASTER_TOKEN_SEALED_COLUMN, ...WEBHOOK_SECRET_SEALED_COLUMNS];
