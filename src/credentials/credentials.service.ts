import { HttpStatus, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { logOfCaller, type Caller } from '../common/auth/caller.js';
import { withContext } from '../common/logging/request-context.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { hostAllowedBy } from '../organizations/server-host.rules.js';
import { groupKeys, type CredentialGroup } from './credential.groups.js';
import { credentialAad } from './credential.sealed-column.js';
import { CredentialsRepository, type GroupCandidate } from './credentials.repository.js';
import { CredentialDto, CredentialListDto, MAX_CREDENTIALS_PER_ORGANIZATION } from './dto/credential.dto.js';

/** What resolution throws when a group the order needs is missing or incomplete; names the first missing key. */
export class MissingCredentialError extends Error {
  constructor(
    readonly organizationId: number,
    readonly key: string,
    message = `credential "${key}" is not set for organization ${organizationId}`,
  ) {
    super(message);
    this.name = 'MissingCredentialError';
  }
}

/** Where a group is going to be used: the order's organization and its Xelion server's host (serverHostOf). */
export interface CredentialTarget {
  organizationId: number;
  serverHost: string;
}

/** A group's values and the one organization they all come from. */
export interface ResolvedGroup {
  ownerId: number;
  values: Map<string, string>;
}

/**
 * Organization credentials: write-only secrets that provisioning steps use to call services beside
 * Xelion. Values are sealed before they reach the database and opened only by `resolveGroup` (and
 * `requireGroup`, `resolveOwn`), for one use. Nothing here logs or returns a value, or keeps one in memory.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger(CredentialsService.name);

  constructor(
    // For transaction boundaries only (the organization's lock and the write go together); the SQL is in CredentialsRepository.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credentials: CredentialsRepository,
    private readonly box: SecretBox,
    private readonly organizations: OrganizationsService,
  ) {}

  /**
   * One group for an order (docs/credentials.md, "Groups and inheritance"): when the organization
   * stores any key of the group, the group must be complete there (else MissingCredentialError naming
   * the missing key); otherwise the nearest ancestor whose complete group is shared (every stored key
   * of it `inherit`) supplies it, and for server-bound groups only when the order's server is in that
   * ancestor's own `allowedServerHosts`. Keys are never combined across organizations. Disabled
   * organizations' rows are never used. Undefined when no organization supplies the group. One query;
   * only the chosen owner's values are decrypted.
   */
  async resolveGroup(target: CredentialTarget, group: CredentialGroup): Promise<ResolvedGroup | undefined> {
    const rows = await this.credentials.groupCandidates(target.organizationId, groupKeys(group));
    const owners = new Map<number, GroupCandidate[]>();
    for (const row of rows) owners.set(row.organizationId, [...(owners.get(row.organizationId) ?? []), row]);
    const complete = (owned: GroupCandidate[]) => group.required.find((key) => !owned.some((row) => row.key === key));

    const own = owners.get(target.organizationId);
    if (own) {
      const missing = complete(own);
      if (missing !== undefined) {
        throw new MissingCredentialError(
          target.organizationId,
          missing,
          `credential "${missing}" is not set for organization ${target.organizationId}, which stores other ${group.name}.* keys: ` +
            `a group is used whole from one organization, never completed with an ancestor's keys`,
        );
      }
      return this.open(target.organizationId, own);
    }
    const ancestors = [...owners.entries()].filter(([id]) => id !== target.organizationId).sort(([, a], [, b]) => b[0].depth - a[0].depth);
    for (const [ownerId, owned] of ancestors) {
      if (complete(owned) !== undefined || !owned.every((row) => row.inherit)) continue;
      const hosts = owned[0].allowedServerHosts;
      if (group.serverBound && !(hosts && hostAllowedBy(target.serverHost, hosts))) continue;
      return this.open(ownerId, owned);
    }
    return undefined;
  }

  /** Like resolveGroup, but a group no organization supplies is a MissingCredentialError naming its first key. */
  async requireGroup(target: CredentialTarget, group: CredentialGroup): Promise<ResolvedGroup> {
    const resolved = await this.resolveGroup(target, group);
    if (resolved) return resolved;
    const key = group.required[0];
    throw new MissingCredentialError(
      target.organizationId,
      key,
      `credential "${key}" is not set for organization ${target.organizationId} (nor the rest of its ${group.name}.* group), and no ancestor shares a complete ` +
        `${group.name}.* group with it${group.serverBound ? " for this order's server" : ''}`,
    );
  }

  /** A key of no group: the organization's own value only, never an ancestor's. */
  async resolveOwn(organizationId: number, key: string): Promise<string | undefined> {
    const sealed = await this.credentials.ownSealedValue(organizationId, key);
    return sealed === undefined ? undefined : this.box.open(sealed, credentialAad(organizationId, key));
  }

  private open(ownerId: number, owned: GroupCandidate[]): ResolvedGroup {
    return { ownerId, values: new Map(owned.map((row) => [row.key, this.box.open(row.sealedValue, credentialAad(ownerId, row.key))])) };
  }

  /**
   * Stores or replaces a value. `inherit` undefined: a replaced key keeps its flag, a new one is not
   * shared. The organization row is locked for the transaction, so concurrent writes to one
   * organization take turns and the 100-key limit holds.
   */
  async put(caller: Caller, organizationId: number, key: string, value: string, inherit?: boolean): Promise<void> {
    const sealed = this.box.seal(value, credentialAad(organizationId, key));
    await this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager, true);
      const { count, present } = await this.credentials.countKeys(manager, organization.id, key);
      if (!present && count >= MAX_CREDENTIALS_PER_ORGANIZATION) {
        throw new ApiError(
          HttpStatus.CONFLICT,
          `organization ${organizationId} already has ${MAX_CREDENTIALS_PER_ORGANIZATION} credentials, the most allowed; delete one first`,
        );
      }
      await this.credentials.upsert(manager, organization.id, key, sealed, inherit);
    });
    this.logger.log(withContext(`credential "${key}" stored for organization ${organizationId}${inherit === undefined ? '' : ` (inherit: ${inherit})`}`, logOfCaller(caller)));
  }

  /** Changes whether descendants' orders may use the key, without its value; updatedAt (the value's) stays. */
  async setInherit(caller: Caller, organizationId: number, key: string, inherit: boolean): Promise<CredentialDto> {
    const row = await this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager, true);
      const updated = await this.credentials.setInherit(manager, organization.id, key, inherit);
      if (!updated) throw new NotFoundException(`credential "${key}" is not set for organization ${organizationId}`);
      return updated;
    });
    this.logger.log(withContext(`credential "${key}" of organization ${organizationId}: inherit ${inherit}`, logOfCaller(caller)));
    return CredentialDto.from(row);
  }

  /** The organization's keys, sorted; never the values. */
  async list(caller: Caller, organizationId: number): Promise<CredentialListDto> {
    const organization = await this.organizations.findInScope(caller, organizationId);
    const rows = await this.credentials.list(organization.id);
    return { data: rows.map(CredentialDto.from), nextCursor: null };
  }

  async remove(caller: Caller, organizationId: number, key: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findActiveInScope(caller, organizationId, manager);
      if (!(await this.credentials.delete(manager, organization.id, key))) {
        throw new NotFoundException(`credential "${key}" is not set for organization ${organizationId}`);
      }
    });
    this.logger.log(withContext(`credential "${key}" deleted from organization ${organizationId}`, logOfCaller(caller)));
  }
}
