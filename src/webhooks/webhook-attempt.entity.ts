import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber, WebhookMessage } from './webhook-message.entity.js';

/** One delivery attempt of a message: when, the HTTP status (if any answer came), how long, what went wrong. */
@Entity('webhook_attempts')
export class WebhookAttempt {
  @PrimaryColumn({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', transformer: bigintToNumber })
  id: number;

  @Index('IDX_webhook_attempts_mid')
  @Column({ type: 'bigint', transformer: bigintToNumber })
  mid: number;

  @ManyToOne(() => WebhookMessage, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'mid' })
  message?: WebhookMessage;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt: Date;

  @Column({ name: 'http_status', type: 'int', nullable: true })
  httpStatus: number | null;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  error: string | null;
}
