import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { credentialAad } from './credential.sealed-column.js';
import { Credential } from './credential.entity.js';
import { CredentialDto, CredentialListDto, MAX_CREDENTIALS_PER_ORGANIZATION } from './dto/credential.dto.js';

/** What `require` throws when neither the organization nor any ancestor has the key. */
export class MissingCredentialError extends Error {
  constructor(
    readonly organizationId: number,
    readonly key: string,
  ) {
    super(`credential "${key}" is not set for organization ${organizationId} or its ancestors`);
    this.name = 'MissingCredentialError';
  }
}

/** `values` (from resolveMany) when every key is there; else a MissingCredentialError for the first missing one, in the order given. */
export function requireKeys(organizationId: number, keys: readonly string[], values: Map<string, string>): Map<string, string> {
  const missing = keys.find((key) => !values.has(key));
  if (missing !== undefined) throw new MissingCredentialError(organizationId, missing);
  return values;
}

interface ResolvedRow {
  key: string;
  organization_id: number;
  sealed_value: string;
}

/**
 * Organization credentials: write-only secrets that provisioning steps use to call services beside
 * Xelion (../shared/spec/xelion-api.md, "External services beside Xelion"; Provisioning Guide,
 * "Storing Third-Party Credentials": stored encrypted, never recoverable through the API).
 *
 * Values are sealed before they reach the database and opened only by `resolveMany` (and `resolve`,
 * `require`, `requireMany` on it), for one use. Nothing here logs or returns a value, or keeps one in memory.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly organizations: OrganizationsService,
  ) {}

  /**
   * The values of `keys` for `organizationId`: for each key its own, else that of the nearest ancestor
   * that has the key (absent keys are missing from the map). Rows of disabled organizations are skipped
   * (their values are not used) — including the organization's own row when it is itself disabled;
   * refusing to provision for a disabled organization at all is the caller's decision. One query along
   * `ancestor_ids`, no recursion, for all the keys one call needs; only the values returned are
   * decrypted, and nothing is cached.
   */
  async resolveMany(organizationId: number, keys: readonly string[]): Promise<Map<string, string>> {
    const rows: ResolvedRow[] = await this.dataSource.query(
      `SELECT DISTINCT ON (c.key) c.key, c.organization_id, c.sealed_value
         FROM organizations target
         JOIN credentials c ON c.organization_id = ANY(target.ancestor_ids || target.id) AND c.key = ANY($2::text[])
         JOIN organizations owner ON owner.id = c.organization_id
        WHERE target.id = $1 AND owner.disabled_at IS NULL
        ORDER BY c.key, cardinality(owner.ancestor_ids) DESC`,
      [organizationId, [...keys]],
    );
    return new Map(rows.map((row) => [row.key, this.box.open(row.sealed_value, credentialAad(row.organization_id, row.key))]));
  }

  /** The value of one key (see resolveMany), or undefined. */
  async resolve(organizationId: number, key: string): Promise<string | undefined> {
    return (await this.resolveMany(organizationId, [key])).get(key);
  }

  /** Like `resolve`, but a missing key is a MissingCredentialError that names the key and organization. */
  async require(organizationId: number, key: string): Promise<string> {
    const value = await this.resolve(organizationId, key);
    if (value === undefined) throw new MissingCredentialError(organizationId, key);
    return value;
  }

  /** Every key's value in one query; the first missing key (in the order given) is a MissingCredentialError. */
  async requireMany(organizationId: number, keys: readonly string[]): Promise<Map<string, string>> {
    return requireKeys(organizationId, keys, await this.resolveMany(organizationId, keys));
  }

  /**
   * Stores or replaces a value. The organization row is locked for the transaction, so concurrent
   * writes to one organization take turns and the 100-key limit holds.
   */
  async put(caller: Caller, organizationId: number, key: string, value: string): Promise<void> {
    const sealed = this.box.seal(value, credentialAad(organizationId, key));
    await this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager, true);
      const [{ count, present }] = await manager.query<{ count: number; present: boolean }[]>(
        `SELECT count(*)::int AS count, coalesce(bool_or(key = $2), false) AS present FROM credentials WHERE organization_id = $1`,
        [organization.id, key],
      );
      if (!present && count >= MAX_CREDENTIALS_PER_ORGANIZATION) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          `organization ${organizationId} already has ${MAX_CREDENTIALS_PER_ORGANIZATION} credentials, the most allowed; delete one first`,
        );
      }
      await manager.query(
        `INSERT INTO credentials (organization_id, key, sealed_value) VALUES ($1, $2, $3)
         ON CONFLICT (organization_id, key) DO UPDATE SET sealed_value = EXCLUDED.sealed_value, updated_at = now()`,
        [organization.id, key, sealed],
      );
    });
    this.logger.log(`credential "${key}" stored for organization ${organizationId}`);
  }

  /** The organization's keys, sorted; never the values. */
  async list(caller: Caller, organizationId: number): Promise<CredentialListDto> {
    const organization = await this.organizations.findInScope(caller, organizationId);
    const rows = await this.dataSource.manager.find(Credential, {
      select: { key: true, createdAt: true, updatedAt: true },
      where: { organizationId: organization.id },
      order: { key: 'ASC' },
    });
    return { data: rows.map(CredentialDto.from), nextCursor: null };
  }

  async remove(caller: Caller, organizationId: number, key: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager);
      const result = await manager.delete(Credential, { organizationId: organization.id, key });
      if (!result.affected) {
        throw new NotFoundException(`credential "${key}" is not set for organization ${organizationId}`);
      }
    });
    this.logger.log(`credential "${key}" deleted from organization ${organizationId}`);
  }
}
