import type { DataSource, EntityManager } from 'typeorm';
import { queryNamed } from '../common/database/named-statement.js';
import { paginate, type Page, type PageQuery } from '../common/http/pagination.js';
import { ApiKey } from './api-key.entity.js';

/**
 * The look-up behind every authenticated request, as a named statement: each pooled connection parses and
 * plans it once instead of on every request (docs/benchmarks.md, "The cost of a request").
 */
export const KEY_LOOKUP_SQL = `SELECT k.id, k.organization_id, k.expires_at, k.revoked_at, k.last_used_at,
                o.disabled_at, o.ancestor_ids, o.name, o.parent_id, o.created_at, o.allowed_server_hosts
           FROM api_keys k JOIN organizations o ON o.id = k.organization_id
          WHERE k.key_hash = $1`;
const KEY_LOOKUP = { name: 'api-key-lookup', text: KEY_LOOKUP_SQL };

/** A key with its organization, as the look-up reads it. */
export interface KeyRow {
  id: number;
  organization_id: number;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  disabled_at: Date | null;
  ancestor_ids: number[];
  name: string;
  parent_id: number | null;
  created_at: Date;
  allowed_server_hosts: string[] | null;
}

/** A new key's row: only its hash and display prefix, never the key. */
export interface NewApiKeyRow {
  organizationId: number;
  name: string;
  prefix: string;
  keyHash: Buffer;
  expiresAt: Date | null;
}

/** The SQL of API keys. */
export class ApiKeyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a key in the transaction of `manager`. */
  static insert(manager: EntityManager, row: NewApiKeyRow): Promise<ApiKey> {
    return manager.save(manager.create(ApiKey, { ...row, lastUsedAt: null, revokedAt: null }));
  }

  /** A page of an organization's keys, revoked and expired ones included. */
  page<T>(organizationId: number, page: PageQuery, map: (key: ApiKey) => T): Promise<Page<T>> {
    const query = this.dataSource.manager.createQueryBuilder(ApiKey, 'key').where('key.organization_id = :organizationId', { organizationId });
    return paginate(query, 'key.id', page, map);
  }

  /** The key with this hash and its organization, read fresh on every call (no cache: docs/security.md). */
  async findByHash(keyHash: Buffer): Promise<KeyRow | undefined> {
    const [row] = await queryNamed<KeyRow>(this.dataSource, KEY_LOOKUP, [keyHash]);
    return row;
  }

  async recordUse(keyId: number): Promise<void> {
    await this.dataSource.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [keyId]);
  }

  /** Keys of a subtree (its top organization and every descendant), revoked and expired ones included. */
  async countInSubtree(manager: EntityManager, subtreeId: number): Promise<number> {
    const [{ n }]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM api_keys k JOIN organizations o ON o.id = k.organization_id
        WHERE o.id = $1 OR o.ancestor_ids @> ARRAY[$1]::int[]`,
      [subtreeId],
    );
    return n;
  }

  /** Revokes the key (the first revocation's time stays); false when the organization has no such key. */
  async revoke(keyId: number, organizationId: number): Promise<boolean> {
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(ApiKey)
      .set({ revokedAt: () => 'COALESCE(revoked_at, now())' })
      .where('id = :keyId AND organization_id = :organizationId', { keyId, organizationId })
      .execute();
    return (result.affected ?? 0) > 0;
  }
}
