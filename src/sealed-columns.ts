/**
 * Loads every feature's sealed-column file, each of which registers its columns into SEALED_COLUMNS
 * (common/crypto/sealed-column.registry.ts): for the rewrap command, which runs without the feature
 * modules. test/unit/sealed-columns.spec.ts checks that this list misses none that the service loads.
 */
import './credentials/credential.sealed-column.js';
import './orders/order.sealed-column.js';
import './webhooks/webhook-secret.sealed-column.js';

export { SEALED_COLUMNS } from './common/crypto/sealed-column.registry.js';
