import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** bigint columns arrive from `pg` as strings; mids stay far below 2^53, so numbers are exact. */
export const bigintToNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

export type WebhookMessageStatus = 'pending' | 'delivered' | 'failed';

/**
 * The outbox: one row per order status change with a callback URL, written in the transaction that
 * changes the status. `mid` (an identity, so strictly increasing) is the message id of the Provisioning
 * Guide ("Callback / Webhook", docs/webhooks.md: "Unique, chronological message id") and the
 * Standard Webhooks `webhook-id`.
 */
@Entity('webhook_messages')
// The dispatcher's claim: pending messages by due time (a partial index; TypeORM cannot declare one).
@Index('IDX_webhook_messages_due', { synchronize: false })
// "Is an earlier message of this order still pending?" and the order's message log.
@Index('IDX_webhook_messages_order_id_mid', ['orderId', 'mid'])
export class WebhookMessage {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'BY DEFAULT', transformer: bigintToNumber })
  mid: number;

  @Column({ name: 'order_id', type: 'int' })
  orderId: number;

  @Column({ name: 'organization_id', type: 'int' })
  organizationId: number;

  @Column({ name: 'callback_url', type: 'varchar', length: 2048 })
  callbackUrl: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** The exact bytes sent on every attempt (serialized once, when the message is written). */
  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: WebhookMessageStatus;

  /** Why a message failed: `gone` (410), `exhausted` (last attempt failed), `url` (unsafe URL). */
  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason: string | null;

  /** Attempts since the message was written (or last redelivered): the step in the retry schedule. */
  @Column({ name: 'attempt_count', type: 'int', default: 0 })
  attemptCount: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt: Date | null;

  /** The claim of the dispatcher that is sending it (a lease, fenced on `locked_by`). */
  @Column({ name: 'locked_by', type: 'varchar', length: 100, nullable: true })
  lockedBy: string | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;
}
