import { HttpStatus, Inject, Injectable, Logger, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { withContext } from '../common/logging/request-context.js';
import { ApiError } from '../common/http/error-response.js';
import type { Page, PageQuery } from '../common/http/pagination.js';
import type { ApiKey } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { displayPrefix, generateApiKey, hashApiKey, hasValidChecksum } from './api-key.token.js';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { OrganizationsService, quotaSubtreeOf, subtreeQuotaExceeded } from './organizations.service.js';

/** last_used_at is written at most this often per key, so that reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Stores a key for an organization; the returned `key` is the only place it is ever in clear. */
export async function saveApiKey(
  manager: EntityManager,
  organizationId: number,
  name: string,
  expiresAt: Date | null,
  key: string = generateApiKey(),
): Promise<{ entity: ApiKey; key: string }> {
  const entity = await ApiKeyRepository.insert(manager, { organizationId, name, prefix: displayPrefix(key), keyHash: hashApiKey(key), expiresAt });
  return { entity, key };
}

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  private readonly keys: ApiKeyRepository;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsService,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
  ) {
    this.keys = new ApiKeyRepository(dataSource);
  }

  /**
   * Resolves an `X-Auth-Key` to its caller, or says why not. Nothing is cached: a revoked or expired
   * key, or a disabled organization, is refused on its very next request on every instance.
   */
  async authenticate(key: string): Promise<Caller> {
    if (key.length > 512 || !hasValidChecksum(key)) throw new UnauthorizedException('Unknown API key');
    const row = await this.keys.findByHash(hashApiKey(key));
    if (!row) throw new UnauthorizedException('Unknown API key');
    if (row.revoked_at) throw new UnauthorizedException('API key has been revoked');
    const now = Date.now();
    if (row.expires_at && row.expires_at.getTime() <= now) throw new UnauthorizedException('API key has expired');
    if (row.disabled_at) throw new UnauthorizedException("API key's organization has been disabled");
    if (!row.last_used_at || now - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
      // Not awaited: bookkeeping must not slow down or fail the request.
      this.keys
        .recordUse(row.id)
        .catch((error: Error) => this.logger.warn(withContext(`could not record last use of API key ${row.id}: ${error.message}`, { organizationId: row.organization_id })));
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
        const n = await this.keys.countInSubtree(manager, subtree);
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
    return this.keys.page(organization.id, page, ApiKeyDto.from);
  }

  async revoke(caller: Caller, organizationId: number, keyId: number): Promise<void> {
    const organization = await this.organizations.findInScope(caller, organizationId);
    if (!(await this.keys.revoke(keyId, organization.id))) throw new NotFoundException(`API key ${keyId} not found in organization ${organizationId}`);
  }
}
