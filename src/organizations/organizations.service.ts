import { HttpStatus, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { ApiError } from '../common/http/error-response.js';
import type { Page, PageQuery } from '../common/http/pagination.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { CreateOrganizationDto, OrganizationDto, UpdateOrganizationDto } from './dto/organization.dto.js';
import type { Organization } from './organization.entity.js';
import { OrganizationsRepository, type OrganizationChanges } from './organizations.repository.js';
import { checkServerHostList, hostAllowedBy, serverHostOf } from './server-host.rules.js';

export function organizationNotFound(id: number): NotFoundException {
  return new NotFoundException(`organization ${id} not found`);
}

/**
 * The organization whose subtree a per-subtree quota counts for something in the organization with
 * these ancestors (root first): the child of the root on the path, whose subtree holds the subtrees
 * of every organization below it on the path, so one count covers them all. Undefined for the root
 * itself, whose subtree is everything and is not limited (docs/security.md, "Quotas per subtree").
 */
export function quotaSubtreeOf(organization: { id: number; ancestorIds: number[] }): number | undefined {
  if (organization.ancestorIds.length === 0) return undefined;
  return organization.ancestorIds[1] ?? organization.id;
}

/** A per-subtree limit reached: 409 naming the setting. */
export function subtreeQuotaExceeded(what: string, subtree: number, count: number, setting: string, max: number): ApiError {
  return new ApiError(
    HttpStatus.CONFLICT,
    `the subtree of organization ${subtree} already holds ${count} ${what}, the limit (${setting}) is ${max} per subtree below the root`,
  );
}

@Injectable()
export class OrganizationsService {
  constructor(
    // For transaction boundaries only; the SQL is in OrganizationsRepository.
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly organizations: OrganizationsRepository,
  ) {}

  /** One organization, if it is the caller's or below it; otherwise 404 as if it did not exist. */
  async findInScope(caller: Caller, id: number, manager?: EntityManager, lock = false): Promise<Organization> {
    const organization = await this.organizations.findInScope(caller.organizationId, id, manager, lock);
    if (!organization) throw organizationNotFound(id);
    return organization;
  }

  /** Like findInScope, and refuses (409) an organization that has been disabled. */
  async findActiveInScope(caller: Caller, id: number, manager?: EntityManager, lock = false): Promise<Organization> {
    const organization = await this.findInScope(caller, id, manager, lock);
    if (organization.disabledAt) {
      throw new ApiError(HttpStatus.CONFLICT, `organization ${id} is disabled`);
    }
    return organization;
  }

  async create(caller: Caller, dto: CreateOrganizationDto): Promise<Organization> {
    const max = this.settings.limits.maxOrganizationsPerSubtree;
    return this.dataSource.transaction(async (manager) => {
      const parentId = dto.parentId ?? caller.organizationId;
      const seen = await this.findActiveInScope(caller, parentId, manager);
      const subtree = max > 0 ? quotaSubtreeOf({ id: 0, ancestorIds: [...seen.ancestorIds, seen.id] }) : undefined;
      // Creators in one subtree take turns on its top row (locked before the parent, as disable locks
      // top-down), so that the count below sees every organization committed before this one.
      if (subtree !== undefined && subtree !== parentId) await this.lock(manager, subtree);
      // The parent row is locked so that it cannot be disabled while its child is being added.
      const parent = await this.findActiveInScope(caller, parentId, manager, true);
      if (subtree !== undefined) {
        const n = await this.organizations.countSubtree(manager, subtree);
        if (n >= max) throw subtreeQuotaExceeded('organizations', subtree, n, 'MAX_ORGANIZATIONS_PER_SUBTREE', max);
      }
      return this.organizations.insert(manager, { name: dto.name, parentId: parent.id, ancestorIds: [...parent.ancestorIds, parent.id] });
    });
  }

  async list(caller: Caller, page: PageQuery): Promise<Page<OrganizationDto>> {
    const found = await this.organizations.pageInScope(caller.organizationId, page);
    return { data: found.data.map(OrganizationDto.from), nextCursor: found.nextCursor };
  }

  /** Locks an organization row for the transaction (quota counts take turns on it). */
  lock(manager: EntityManager, id: number): Promise<void> {
    return this.organizations.lock(manager, id);
  }

  /** Renames and/or sets `allowedServerHosts` (null removes the list). A disabled organization is read-only (409). */
  async update(caller: Caller, id: number, dto: UpdateOrganizationDto): Promise<Organization> {
    if (dto.name === undefined && dto.allowedServerHosts === undefined) {
      const message = 'give name, allowedServerHosts or both';
      throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: 'name', message }] });
    }
    const changes: OrganizationChanges = {};
    if (dto.name !== undefined) changes.name = dto.name;
    if (dto.allowedServerHosts !== undefined) {
      if (dto.allowedServerHosts === null) changes.allowedServerHosts = null;
      else {
        const checked = checkServerHostList(dto.allowedServerHosts);
        if (!checked.ok) {
          const field = checked.index < 0 ? 'allowedServerHosts' : `allowedServerHosts[${checked.index}]`;
          throw new ApiError(HttpStatus.BAD_REQUEST, checked.message, { details: [{ field, message: checked.message }] });
        }
        changes.allowedServerHosts = checked.hosts;
      }
    }
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.findActiveInScope(caller, id, manager, true);
      await this.organizations.update(manager, organization.id, changes);
      return { ...organization, ...changes };
    });
  }

  /**
   * Why an order of `organizationId` may not target `serverUrl`, or undefined when it may: its host
   * must be in the list of the organization and of every ancestor that has one (docs/credentials.md).
   */
  async serverHostRefusal(organizationId: number, serverUrl: string, manager?: EntityManager): Promise<string | undefined> {
    const host = serverHostOf(serverUrl);
    const lists = await this.organizations.serverHostLists(organizationId, manager);
    const refusing = lists.find((list) => !hostAllowedBy(host, list.hosts));
    if (!refusing) return undefined;
    return (
      `its host ${JSON.stringify(host)} is not in the allowedServerHosts of organization ${refusing.organizationId}; ` +
      "an order's server must be allowed by the list of its organization and of every ancestor that has one"
    );
  }

  /** Whether the organization or one of its ancestors is disabled. */
  disabledOnPath(organizationId: number, manager?: EntityManager): Promise<boolean> {
    return this.organizations.disabledOnPath(organizationId, manager);
  }

  /** Disables the organization and its whole subtree in one statement; their data stays readable above. */
  async disable(caller: Caller, id: number): Promise<void> {
    if (id === caller.organizationId) {
      throw new ApiError(HttpStatus.CONFLICT, 'an organization cannot disable itself; ask its parent');
    }
    await this.dataSource.transaction(async (manager) => {
      await this.findInScope(caller, id, manager, true);
      await this.organizations.disableSubtree(manager, id);
    });
  }
}
