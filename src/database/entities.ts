import { Credential } from '../credentials/credential.entity.js';
import { ApiKey } from '../organizations/api-key.entity.js';
import { OrderStep } from '../orders/order-step.entity.js';
import { Order } from '../orders/order.entity.js';
import { Organization } from '../organizations/organization.entity.js';
import { TenantIntent } from '../orders/tenant-intent.entity.js';
import { WebhookAttempt } from '../webhooks/webhook-attempt.entity.js';
import { WebhookMessage } from '../webhooks/webhook-message.entity.js';
import { WebhookSecret } from '../webhooks/webhook-secret.entity.js';

/** Every entity of the service. TypeORM 1.x takes classes, not globs; add new entities here. */
export const ENTITIES = [Organization, ApiKey, Order, OrderStep, Credential, WebhookMessage, WebhookAttempt, WebhookSecret, TenantIntent];
