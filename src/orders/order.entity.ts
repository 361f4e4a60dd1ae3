import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';

import type { OrderStatus } from '../webhooks/webhook.types.js';

export { ORDER_STATUSES, type OrderStatus } from '../webhooks/webhook.types.js';

/**
 * Where an order's tenant comes from (docs/provisioning.md, "Park orders"): `token` — the caller sent
 * the tenant's session token; `park` — the order takes a tenant from the park of a multi-tenant server.
 */
export const TENANT_SOURCES = ['token', 'park'] as const;
export type TenantSource = (typeof TENANT_SOURCES)[number];

/** Licence counts a park order sets on its tenant, by licence name (`{ user: 25, phone: 25 }`). */
export type TenantLicenses = Record<string, number>;

/** Why an order failed, as shown in `GET /orders/:id` (`error { code, message, step }`). */
export interface OrderError {
  code: string;
  message: string;
  step: string | null;
  /** Xelion's own errorCode when the cause was a permanent Xelion error. */
  xelionErrorCode?: number;
}

/** What an order did, per kind of object, plus the numbers it allocated and any warnings. */
export interface OrderResult {
  created: Record<string, number>;
  updated: Record<string, number>;
  found: Record<string, number>;
  numbersAllocated: { label: string; number: string; owner: string }[];
  warnings: string[];
}

@Entity('orders')
// A subtree's newest orders, organization by organization (the orders list, docs/benchmarks.md "Scale"): (organization_id, id)
// INCLUDE (status), index-only; it also serves everything the former (organization_id) index did.
// Raw SQL in the migration: TypeORM cannot declare INCLUDE.
@Index('IDX_orders_organization_id_id', { synchronize: false })
// The executor's claim query: due orders by status (partial index, raw SQL in the migration).
@Index('IDX_orders_due', { synchronize: false })
// One Idempotency-Key per organization (partial unique index, raw SQL in the migration).
@Index('UQ_orders_idempotency_key', { synchronize: false })
export class Order {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  @Column({ name: 'organization_id', type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 16 })
  status: OrderStatus;

  @Column({ name: 'tenant_server_url', type: 'varchar', length: 2048 })
  tenantServerUrl: string;

  @Column({ name: 'tenant_name', type: 'varchar', length: 200 })
  tenantName: string;

  /** SecretBox-sealed tenant token; NULL once erased (see docs/provisioning.md, "The tenant token"). */
  @Column({ name: 'tenant_token_sealed', type: 'text', nullable: true, select: false })
  tenantTokenSealed: string | null;

  @Column({ name: 'callback_url', type: 'varchar', length: 2048, nullable: true })
  callbackUrl: string | null;

  @Column({ name: 'tenant_source', type: 'varchar', length: 8, default: 'token' })
  tenantSource: TenantSource;

  /** A park order's tenant (its databaseId on the master tenant), once the order has chosen it. */
  @Column({ name: 'tenant_database_id', type: 'varchar', length: 64, nullable: true })
  tenantDatabaseId: string | null;

  /** The licence counts a park order sets; null for other orders, or when none were asked for. */
  @Column({ name: 'tenant_licenses', type: 'jsonb', nullable: true })
  tenantLicenses: TenantLicenses | null;

  /**
   * A park order's SecretBox-sealed master-tenant session token (Xelion-Master-Token); NULL when the
   * order uses stored park.* credentials, and once erased, like the tenant token.
   */
  @Column({ name: 'master_token_sealed', type: 'text', nullable: true, select: false })
  masterTokenSealed: string | null;

  /** The normalised configuration (the validator's output). */
  @Column({ type: 'jsonb' })
  configuration: unknown;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey: string | null;

  /** SHA-256 (hex) of the request the key was first used with. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64, nullable: true })
  requestHash: string | null;

  /** The plan the order must apply exactly (If-Match), or null: compared before its first write. */
  @Column({ name: 'plan_hash', type: 'varchar', length: 71, nullable: true })
  planHash: string | null;

  @Column({ name: 'progress_done', type: 'int', default: 0 })
  progressDone: number;

  @Column({ name: 'progress_total', type: 'int', default: 0 })
  progressTotal: number;

  @Column({ name: 'current_step', type: 'varchar', length: 300, nullable: true })
  currentStep: string | null;

  @Column({ type: 'jsonb', nullable: true })
  error: OrderError | null;

  @Column({ type: 'jsonb', nullable: true })
  result: OrderResult | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The executor instance holding the lease, and until when (fencing: every journal write checks it). */
  @Column({ name: 'locked_by', type: 'varchar', length: 200, nullable: true })
  lockedBy: string | null;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  /** How many times an executor has claimed the order (a take-over counts as one more). */
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt: Date | null;
}
