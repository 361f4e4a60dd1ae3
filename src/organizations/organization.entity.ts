import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

@Entity('organizations')
// A GIN index answers "every organization below X" (`ancestor_ids @> ARRAY[X]`); TypeORM cannot
// declare GIN indexes, so the migration creates it and the schema sync leaves it alone.
@Index('IDX_organizations_ancestor_ids_gin', { synchronize: false })
export class Organization {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'ALWAYS' })
  id: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Index('IDX_organizations_parent_id')
  @Column({ name: 'parent_id', type: 'int', nullable: true })
  parentId: number | null;

  @ManyToOne(() => Organization, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'parent_id' })
  parent?: Organization | null;

  /**
   * Ids of every ancestor, root first, parent last. Written in the same transaction as the row, so
   * "is A an ancestor of B" is one array test, never a recursive query on the request path.
   */
  @Column({ name: 'ancestor_ids', type: 'int', array: true, default: () => "'{}'" })
  ancestorIds: number[];

  /** Set on the organization and its whole subtree at once; keys of a disabled organization stop working. */
  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /**
   * The Xelion servers this organization's subtree may target (exact hosts, IP literals, `*.suffix`);
   * null: no list of its own. Every list on the path to the root applies (docs/credentials.md).
   */
  @Column({ name: 'allowed_server_hosts', type: 'text', array: true, nullable: true })
  allowedServerHosts: string[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
