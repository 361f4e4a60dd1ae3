import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';

/**
 * An organization's webhook signing secret, sealed with SecretBox (AAD `webhook-secret:<orgId>`).
 * After a rotation the previous one is kept (sealed, same AAD) until `previous_expires_at`, and both
 * signatures are sent meanwhile.
 */
@Entity('webhook_secrets')
export class WebhookSecret {
  @PrimaryColumn({ name: 'organization_id', type: 'int' })
  organizationId: number;

  @OneToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  @Column({ name: 'previous_secret_sealed', type: 'text', nullable: true })
  previousSecretSealed: string | null;

  @Column({ name: 'previous_expires_at', type: 'timestamptz', nullable: true })
  previousExpiresAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;
}
