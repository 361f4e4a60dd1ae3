import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';
import { Order } from './order.entity.js';

/**
 * A park tenant this service took, or is about to take, for an organization (docs/provisioning.md,
 * "Park orders"): written before the renaming PATCH, so that a tenant that already carries a name is
 * reused only by the organization that took it, and a crash in between never takes a second tenant.
 * One row per tenant of a server, and one per name of a server.
 */
@Entity('park_tenant_intents')
@Index('UQ_park_tenant_intents_tenant', ['serverUrl', 'databaseId'], { unique: true })
@Index('UQ_park_tenant_intents_name', ['serverUrl', 'tenantName'], { unique: true })
export class TenantIntent {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  @Column({ name: 'organization_id', type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** The order that recorded it (later orders of the organization may reuse the tenant). */
  @Column({ name: 'order_id', type: 'int', nullable: true })
  orderId: number | null;

  @ManyToOne(() => Order, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'order_id' })
  order?: Order;

  /** The order's Xelion-Server-Url (trailing slashes removed). */
  @Column({ name: 'server_url', type: 'varchar', length: 2048 })
  serverUrl: string;

  @Column({ name: 'database_id', type: 'varchar', length: 64 })
  databaseId: string;

  @Column({ name: 'tenant_name', type: 'varchar', length: 200 })
  tenantName: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
