import { HttpStatus, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { organizationInScope, scopeParams } from '../common/auth/tree-scope.js';
import { ApiError } from '../common/http/error-response.js';
import { paginate, type Page, type PageQuery } from '../common/http/pagination.js';
import { CreateOrganizationDto, OrganizationDto } from './dto/organization.dto.js';
import { Organization } from './organization.entity.js';

export function organizationNotFound(id: number): NotFoundException {
  return new NotFoundException(`organization ${id} not found`);
}

@Injectable()
export class OrganizationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One organization, if it is the caller's or below it; otherwise 404 as if it did not exist. */
  async findInScope(caller: Caller, id: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Organization> {
    const query = manager
      .createQueryBuilder(Organization, 'org')
      .where('org.id = :id', { id })
      .andWhere(organizationInScope('org'), scopeParams(caller));
    if (lock) query.setLock('pessimistic_write');
    const organization = await query.getOne();
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
    return this.dataSource.transaction(async (manager) => {
      // The parent row is locked so that it cannot be disabled while its child is being added.
      const parent = await this.findActiveInScope(caller, dto.parentId ?? caller.organizationId, manager, true);
      return manager.save(
        manager.create(Organization, {
          name: dto.name,
          parentId: parent.id,
          ancestorIds: [...parent.ancestorIds, parent.id],
          disabledAt: null,
        }),
      );
    });
  }

  list(caller: Caller, page: PageQuery): Promise<Page<OrganizationDto>> {
    const query = this.dataSource.manager
      .createQueryBuilder(Organization, 'org')
      .where(organizationInScope('org'), scopeParams(caller));
    return paginate(query, 'org.id', page, OrganizationDto.from);
  }

  async rename(caller: Caller, id: number, name: string): Promise<Organization> {
    const organization = await this.findInScope(caller, id);
    await this.dataSource.manager.update(Organization, { id: organization.id }, { name });
    return { ...organization, name };
  }

  /** Disables the organization and its whole subtree in one statement; their data stays readable above. */
  async disable(caller: Caller, id: number): Promise<void> {
    if (id === caller.organizationId) {
      throw new ApiError(HttpStatus.CONFLICT, 'an organization cannot disable itself; ask its parent');
    }
    await this.dataSource.transaction(async (manager) => {
      await this.findInScope(caller, id, manager, true);
      await manager
        .createQueryBuilder()
        .update(Organization)
        .set({ disabledAt: () => 'now()' })
        .where('(id = :id OR ancestor_ids @> ARRAY[:id]::int[])', { id })
        .andWhere({ disabledAt: IsNull() })
        .execute();
    });
  }
}
