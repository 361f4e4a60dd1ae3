import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { modify } from '../common/database/affected.js';
import { queryNamed, type NamedStatement } from '../common/database/named-statement.js';
import { Credential } from './credential.entity.js';

/** A stored credential of an organization on the path of a resolution (docs/credentials.md, "Groups and inheritance"). */
export interface GroupCandidate {
  key: string;
  organizationId: number;
  sealedValue: string;
  inherit: boolean;
  /** The owner's depth: how many ancestors it has (the root is 0). */
  depth: number;
  /** The owner's own allowedServerHosts (null: no list of its own). */
  allowedServerHosts: string[] | null;
}

/** What the API shows of a credential: never its value. */
export type CredentialInfo = Pick<Credential, 'key' | 'inherit' | 'createdAt' | 'updatedAt'>;

/** How many keys an organization stores, and whether one of them is the given key. */
export interface KeyCount {
  count: number;
  present: boolean;
}

interface GroupCandidateRow {
  key: string;
  organization_id: number;
  sealed_value: string;
  inherit: boolean;
  depth: number;
  allowed_server_hosts: string[] | null;
}

/** A step's credentials are resolved just before its call (docs/credentials.md): a named statement, parsed once per connection. */
const GROUP_CANDIDATES: NamedStatement = {
  name: 'credentials-group-candidates',
  text: `SELECT c.key, c.organization_id, c.sealed_value, c.inherit, cardinality(owner.ancestor_ids) AS depth, owner.allowed_server_hosts
           FROM organizations target
           JOIN organizations owner ON owner.id = ANY(target.ancestor_ids || target.id)
           JOIN credentials c ON c.organization_id = owner.id AND c.key = ANY($2::text[])
          WHERE target.id = $1 AND owner.disabled_at IS NULL`,
};

const INFO_COLUMNS = { key: true, inherit: true, createdAt: true, updatedAt: true } as const;

/** Only the selected columns: an entity instance would also carry its other (unloaded) fields. */
function infoOf(row: CredentialInfo): CredentialInfo {
  return { key: row.key, inherit: row.inherit, createdAt: row.createdAt, updatedAt: row.updatedAt };
}

/**
 * The credentials table. Values arrive and leave sealed (the service seals and opens them). The caller's
 * scope is checked on the organization before these run (OrganizationsService.findInScope); the
 * resolution queries reach only the target organization's own path to the root, and skip disabled owners.
 * Methods that take a `manager` run in the caller's transaction.
 */
@Injectable()
export class CredentialsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every stored key of `keys` held by the organization or one of its ancestors that is not disabled, in one query. */
  async groupCandidates(organizationId: number, keys: readonly string[]): Promise<GroupCandidate[]> {
    const rows = await queryNamed<GroupCandidateRow>(this.dataSource, GROUP_CANDIDATES, [organizationId, keys]);
    return rows.map((row) => ({
      key: row.key,
      organizationId: row.organization_id,
      sealedValue: row.sealed_value,
      inherit: row.inherit,
      depth: row.depth,
      allowedServerHosts: row.allowed_server_hosts,
    }));
  }

  /** The organization's own sealed value of `key` (never an ancestor's); undefined when unset or the organization is disabled. */
  async ownSealedValue(organizationId: number, key: string): Promise<string | undefined> {
    const rows = (await this.dataSource.query(
      `SELECT c.sealed_value FROM credentials c JOIN organizations o ON o.id = c.organization_id
        WHERE c.organization_id = $1 AND c.key = $2 AND o.disabled_at IS NULL`,
      [organizationId, key],
    )) as { sealed_value: string }[];
    return rows[0]?.sealed_value;
  }

  /** For the per-organization limit: how many keys it stores and whether `key` is one. */
  async countKeys(manager: EntityManager, organizationId: number, key: string): Promise<KeyCount> {
    const [row] = (await manager.query(
      `SELECT count(*)::int AS count, coalesce(bool_or(key = $2), false) AS present FROM credentials WHERE organization_id = $1`,
      [organizationId, key],
    )) as KeyCount[];
    return row;
  }

  /**
   * Stores or replaces a sealed value. `inherit` undefined: a replaced key keeps its flag, a new one is
   * not shared. A replaced value gets a new updated_at.
   */
  async upsert(manager: EntityManager, organizationId: number, key: string, sealedValue: string, inherit?: boolean): Promise<void> {
    await manager.query(
      `INSERT INTO credentials (organization_id, key, sealed_value, inherit) VALUES ($1, $2, $3, COALESCE($4::boolean, false))
       ON CONFLICT (organization_id, key) DO UPDATE
         SET sealed_value = EXCLUDED.sealed_value, inherit = COALESCE($4::boolean, credentials.inherit), updated_at = now()`,
      [organizationId, key, sealedValue, inherit ?? null],
    );
  }

  /**
   * Sets whether descendants' orders may use the key. updated_at dates the value, so it stays (raw SQL:
   * TypeORM's update() would move it). The credential after the change, or undefined when the key is unset.
   */
  async setInherit(manager: EntityManager, organizationId: number, key: string, inherit: boolean): Promise<CredentialInfo | undefined> {
    const { affected } = await modify(manager, `UPDATE credentials SET inherit = $3 WHERE organization_id = $1 AND key = $2`, [
      organizationId,
      key,
      inherit,
    ]);
    if (affected === 0) return undefined;
    const row = await manager.findOne(Credential, { select: INFO_COLUMNS, where: { organizationId, key } });
    return row ? infoOf(row) : undefined;
  }

  /** The organization's keys, sorted by key; never the values. */
  async list(organizationId: number): Promise<CredentialInfo[]> {
    const rows = await this.dataSource.manager.find(Credential, { select: INFO_COLUMNS, where: { organizationId }, order: { key: 'ASC' } });
    return rows.map(infoOf);
  }

  /** Deletes a key; false when it was not set. */
  async delete(manager: EntityManager, organizationId: number, key: string): Promise<boolean> {
    const { affected } = await modify(manager, `DELETE FROM credentials WHERE organization_id = $1 AND key = $2`, [organizationId, key]);
    return affected > 0;
  }
}
