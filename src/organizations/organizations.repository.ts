import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { organizationInScope, SCOPE_PARAM } from '../common/auth/tree-scope.js';
import { modify } from '../common/database/affected.js';
import { queryNamed, type NamedStatement } from '../common/database/named-statement.js';
import { paginate, type Page, type PageQuery } from '../common/http/pagination.js';
import { Organization } from './organization.entity.js';

/** A new organization below `parentId`; `ancestorIds` is the parent's ancestors and the parent (root first). */
export interface NewOrganization {
  name: string;
  /** Null for a top-level (root) organization. */
  parentId: number | null;
  ancestorIds: number[];
}

const DISABLED_ON_PATH: NamedStatement = {
  name: 'organizations-disabled-on-path',
  text: `SELECT bool_or(o.disabled_at IS NOT NULL) AS disabled
           FROM organizations target JOIN organizations o ON o.id = ANY(target.ancestor_ids || target.id)
          WHERE target.id = $1`,
};

/** One allowedServerHosts list on an organization's path to the root. */
export interface ServerHostList {
  organizationId: number;
  hosts: string[];
}

export type OrganizationChanges = Partial<Pick<Organization, 'name' | 'allowedServerHosts'>>;

/**
 * The organizations table: the tree (ancestor_ids, root first), disabling, and the per-path rules. Every
 * read on behalf of a caller takes the caller's organization as `scope` and filters on the tree in its
 * WHERE (common/auth/tree-scope.ts), so rows outside the scope are simply not found. Methods that take a
 * `manager` run in the caller's transaction (default: none).
 */
@Injectable()
export class OrganizationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The organization if it is `scope` or below it; with `lock`, locked FOR UPDATE for the transaction of `manager`. */
  findInScope(scope: number, id: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Organization | null> {
    const query = manager
      .createQueryBuilder(Organization, 'org')
      .where('org.id = :id', { id })
      .andWhere(organizationInScope('org'), { [SCOPE_PARAM]: scope });
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /** `scope` and every organization below it, newest first, a keyset page at a time (common/http/pagination.ts). */
  pageInScope(scope: number, page: PageQuery): Promise<Page<Organization>> {
    const query = this.dataSource.manager.createQueryBuilder(Organization, 'org').where(organizationInScope('org'), { [SCOPE_PARAM]: scope });
    return paginate(query, 'org.id', page, (organization) => organization);
  }

  /** Adds an organization (enabled, no server list of its own). */
  insert(manager: EntityManager, organization: NewOrganization): Promise<Organization> {
    return manager.save(
      manager.create(Organization, { name: organization.name, parentId: organization.parentId, ancestorIds: organization.ancestorIds, disabledAt: null }),
    );
  }

  /** Whether the database holds any organization (a new database holds none until the root is made). */
  async anyExists(manager: EntityManager): Promise<boolean> {
    const [{ exists }] = (await manager.query('SELECT EXISTS (SELECT 1 FROM organizations) AS exists')) as { exists: boolean }[];
    return exists;
  }

  /** How many organizations the subtree of `id` holds, `id` included. */
  async countSubtree(manager: EntityManager, id: number): Promise<number> {
    const [{ n }] = (await manager.query(`SELECT count(*)::int AS n FROM organizations WHERE id = $1 OR ancestor_ids @> ARRAY[$1]::int[]`, [
      id,
    ])) as { n: number }[];
    return n;
  }

  /** Locks an organization row for the transaction of `manager` (quota counts take turns on it). */
  async lock(manager: EntityManager, id: number): Promise<void> {
    await manager.query(`SELECT id FROM organizations WHERE id = $1 FOR UPDATE`, [id]);
  }

  /** Renames and/or sets allowedServerHosts; false when there is no such organization. */
  async update(manager: EntityManager, id: number, changes: OrganizationChanges): Promise<boolean> {
    const sets: string[] = [];
    const parameters: unknown[] = [id];
    if (changes.name !== undefined) sets.push(`name = $${parameters.push(changes.name)}`);
    if (changes.allowedServerHosts !== undefined) sets.push(`allowed_server_hosts = $${parameters.push(changes.allowedServerHosts)}`);
    if (sets.length === 0) throw new TypeError('OrganizationsRepository.update needs a name or allowedServerHosts');
    const { affected } = await modify(manager, `UPDATE organizations SET ${sets.join(', ')} WHERE id = $1`, parameters);
    return affected === 1;
  }

  /** The allowedServerHosts lists on the organization's path to the root (itself included), nearest first. */
  async serverHostLists(organizationId: number, manager: EntityManager = this.dataSource.manager): Promise<ServerHostList[]> {
    const rows = (await manager.query(
      `SELECT o.id, o.allowed_server_hosts AS hosts
         FROM organizations target JOIN organizations o ON o.id = ANY(target.ancestor_ids || target.id)
        WHERE target.id = $1 AND o.allowed_server_hosts IS NOT NULL
        ORDER BY cardinality(o.ancestor_ids) DESC`,
      [organizationId],
    )) as { id: number; hosts: string[] }[];
    return rows.map((row) => ({ organizationId: row.id, hosts: row.hosts }));
  }

  /** Whether the organization or one of its ancestors is disabled; true for an organization that does not exist. */
  async disabledOnPath(organizationId: number, manager?: EntityManager): Promise<boolean> {
    // Outside a transaction (the executor, before each step) as a named statement, parsed once per connection.
    const [row] = manager
      ? ((await manager.query(DISABLED_ON_PATH.text, [organizationId])) as { disabled: boolean | null }[])
      : await queryNamed<{ disabled: boolean | null }>(this.dataSource, DISABLED_ON_PATH, [organizationId]);
    return row?.disabled !== false;
  }

  /** Disables the organization and its whole subtree in one statement (those already disabled keep their date); how many it disabled. */
  async disableSubtree(manager: EntityManager, id: number): Promise<number> {
    const { affected } = await modify(
      manager,
      `UPDATE organizations SET disabled_at = now() WHERE (id = $1 OR ancestor_ids @> ARRAY[$1]::int[]) AND disabled_at IS NULL`,
      [id],
    );
    return affected;
  }
}
