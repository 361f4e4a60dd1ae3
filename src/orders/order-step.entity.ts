import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Order } from './order.entity.js';

export const STEP_STATUSES = ['PENDING', 'RUNNING', 'DONE', 'FAILED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface StepError {
  code: string;
  message: string;
  xelionErrorCode?: number;
}

/**
 * One entry of an order's journal. The rows are derived from the configuration when the order is
 * created; `output` keeps what the step found or created (Xelion oids, allocated numbers), written
 * in the same transaction as the order's progress.
 */
@Entity('order_steps')
export class OrderStep {
  @PrimaryColumn({ name: 'order_id', type: 'int' })
  orderId: number;

  @ManyToOne(() => Order, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: Order;

  /** Position in the journal; steps of one stage may run in parallel. */
  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'int' })
  stage: number;

  /** What the step does (`user`, `department`, …) and on what (a user's e-mail, a department's name). */
  @Column({ type: 'varchar', length: 40 })
  kind: string;

  @Column({ type: 'varchar', length: 300, nullable: true })
  subject: string | null;

  @Column({ type: 'varchar', length: 300 })
  name: string;

  @Column({ type: 'varchar', length: 16, default: 'PENDING' })
  status: StepStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  error: StepError | null;

  @Column({ type: 'jsonb', nullable: true })
  output: Record<string, unknown> | null;
}
