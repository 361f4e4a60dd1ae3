import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity.js';

/**
 * A secret an organization stores for the services beside Xelion (SIP trunk provider, number
 * provider, redirection server). Only the sealed value is stored (SecretBox, AAD
 * `credential:<organization id>:<key>`); the API never returns it.
 */
@Entity('credentials')
// Answers both "this organization's keys" and the resolution query (organization_id = ANY(...) AND key = $k).
@Index('UQ_credentials_organization_id_key', ['organizationId', 'key'], { unique: true })
export class Credential {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  @Column({ name: 'organization_id', type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ name: 'key', type: 'varchar', length: 64 })
  key: string;

  /** `v1.<kid>.<nonce>.<ciphertext+tag>` — see common/crypto/secret-box.ts. */
  @Column({ name: 'sealed_value', type: 'text' })
  sealedValue: string;

  /** Whether descendants' orders may use this key (as part of a complete group): docs/credentials.md. */
  @Column({ name: 'inherit', type: 'boolean', default: false })
  inherit: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
