import { HttpStatus, Inject, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { ApiError } from '../common/http/error-response.js';
import { paginate, type Page, type PageQuery } from '../common/http/pagination.js';
import { ApiKey } from './api-key.entity.js';
import { displayPrefix, generateApiKey, hashApiKey, hasValidChecksum } from './api-key.token.js';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { OrganizationsService, quotaSubtreeOf, subtreeQuotaExceeded } from './organizations.service.js';

/**
 * The look-up behind every authenticated request, as a named statement: each pooled connection parses and
 * plans it once instead of on every request (docs/benchmarks.md, "The cost of a request").
 */
export const KEY_LOOKUP_SQL = `SELECT k.id, k.organization_id, k.expires_at, k.revoked_at, k.last_used_at,
                o.disabled_at, o.ancestor_ids, o.name, o.parent_id, o.created_at, o.allowed_server_hosts
           FROM api_keys k JOIN organizations o ON o.id = k.organization_id
          WHERE k.key_hash = $1`;
const KEY_LOOKUP = { name: 'api-key-lookup', text: KEY_LOOKUP_SQL };

/** last_used_at is written at most this often per key, so that reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
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

/** Stores a key for an organization; the returned `key` is the only place it is ever in clear. */
export async function saveApiKey(
  manager: EntityManager,
  organizationId: number,
  name: string,
  expiresAt: Date | null,
  key: string = generateApiKey(),
): Promise<{ entity: ApiKey; key: string }> {
  const entity = await manager.save(
    manager.create(ApiKey, {
      organizationId,
      name,
      prefix: displayPrefix(key),
      keyHash: hashApiKey(key),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    }),
  );
  return { entity, key };
}

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsService,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
  ) {}

  /**
   * Resolves an `X-Auth-Key` to its caller, or says why not. Nothing is cached: a revoked or expired
   * key, or a disabled organization, is refused on its very next request on every instance.
   */
  async authenticate(key: string): Promise<Caller> {
    if (key.length > 512 || !hasValidChecksum(key)) throw new UnauthorizedException('Unknown API key');
    // Straight to TypeORM's pg pool: TypeORM's query() cannot name a statement.
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    const { rows } = await pool.query<KeyRow>({ ...KEY_LOOKUP, values: [hashApiKey(key)] });
    const row = rows[0];
    if (!row) throw new UnauthorizedException('Unknown API key');
    if (row.revoked_at) throw new UnauthorizedException('API key has been revoked');
    const now = Date.now();
    if (row.expires_at && row.expires_at.getTime() <= now) throw new UnauthorizedException('API key has expired');
    if (row.disabled_at) throw new UnauthorizedException("API key's organization has been disabled");
    if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // Not awaited: bookkeeping must not slow down or fail the request.
      this.dataSource
        .query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [row.id])
        .catch((error: Error) => this.logger.warn(`could not record last use of API key ${row.id}: ${error.message}`));
    }
    return {
      organizationId: row.organization_id,
      ancestorIds: row.ancestor_ids,
      apiKeyId: row.id,
      organization: {
        id: row.organization_id,
        name: row.name,
        parentId: row.parent_id,
        createdAt: row.created_at,
        allowedServerHosts: row.allowed_server_hosts,
      },
    };
  }

  async create(caller: Caller, organizationId: number, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const expiresAt = dto.expiresAt === undefined ? null : new Date(dto.expiresAt);
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'expiresAt must be in the future', {
        details: [{ field: 'expiresAt', message: 'expiresAt must be in the future' }],
      });
    }
    const max = this.settings.limits.maxApiKeysPerSubtree;
    const { entity, key } = await this.dataSource.transaction(async (manager) => {
      const seen = await this.organizations.findActiveInScope(caller, organizationId, manager);
      const subtree = max > 0 ? quotaSubtreeOf(seen) : undefined;
      // The subtree's top row first (as disable locks top-down): creators in one subtree take turns, so the count holds.
      if (subtree !== undefined && subtree !== seen.id) await this.organizations.lock(manager, subtree);
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager, true);
      if (subtree !== undefined) {
        // Revoked and expired keys count too: their rows stay (docs/security.md, "Quotas per subtree").
        const [{ n }]: { n: number }[] = await manager.query(
          `SELECT count(*)::int AS n FROM api_keys k JOIN organizations o ON o.id = k.organization_id
            WHERE o.id = $1 OR o.ancestor_ids @> ARRAY[$1]::int[]`,
          [subtree],
        );
        if (n >= max) throw subtreeQuotaExceeded('API keys', subtree, n, 'MAX_API_KEYS_PER_SUBTREE', max);
      }
      return saveApiKey(manager, organization.id, dto.name ?? 'default', expiresAt);
    });
    return {
      id: entity.id,
      name: entity.name,
      key,
      prefix: entity.prefix,
      createdAt: entity.createdAt,
      expiresAt: entity.expiresAt,
    };
  }

  async list(caller: Caller, organizationId: number, page: PageQuery): Promise<Page<ApiKeyDto>> {
    const organization = await this.organizations.findInScope(caller, organizationId);
    const query = this.dataSource.manager
      .createQueryBuilder(ApiKey, 'key')
      .where('key.organization_id = :organizationId', { organizationId: organization.id });
    return paginate(query, 'key.id', page, ApiKeyDto.from);
  }

  async revoke(caller: Caller, organizationId: number, keyId: number): Promise<void> {
    const organization = await this.organizations.findInScope(caller, organizationId);
    const result = await this.dataSource.manager
      .createQueryBuilder()
      .update(ApiKey)
      .set({ revokedAt: () => 'COALESCE(revoked_at, now())' })
      .where('id = :keyId AND organization_id = :organizationId', { keyId, organizationId: organization.id })
      .execute();
    if (!result.affected) throw new NotFoundException(`API key ${keyId} not found in organization ${organizationId}`);
  }
}
