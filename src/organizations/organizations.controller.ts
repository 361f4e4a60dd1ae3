import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { PageQuery } from '../common/http/pagination.js';
import { CreateOrganizationDto, OrganizationDto, OrganizationPageDto, UpdateOrganizationDto } from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@Controller('api/v1/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('me')
  @ApiOperation({ operationId: 'getCurrentOrganization', summary: "The caller's organization" })
  @ApiOkResponse({ type: OrganizationDto })
  me(@CurrentCaller() caller: Caller): OrganizationDto {
    // Read in the same query that authenticated the key; a disabled organization never gets here.
    return { ...caller.organization, disabled: false };
  }

  @Post()
  @ApiOperation({ operationId: 'createOrganization', summary: 'Create an organization below the caller (or below one of its descendants)' })
  @ApiCreatedResponse({ type: OrganizationDto })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The parent is disabled, or its subtree holds MAX_ORGANIZATIONS_PER_SUBTREE organizations' })
  async create(@CurrentCaller() caller: Caller, @Body() dto: CreateOrganizationDto): Promise<OrganizationDto> {
    return OrganizationDto.from(await this.organizations.create(caller, dto));
  }

  @Get()
  @ApiOperation({ operationId: 'listOrganizations', summary: "The caller's subtree, itself included, newest first" })
  @ApiOkResponse({ type: OrganizationPageDto })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQuery): Promise<OrganizationPageDto> {
    return this.organizations.list(caller, page);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getOrganization', summary: 'One organization of the subtree' })
  @ApiOkResponse({ type: OrganizationDto })
  async get(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<OrganizationDto> {
    return OrganizationDto.from(await this.organizations.findInScope(caller, id));
  }

  @Patch(':id')
  @ApiOperation({ operationId: 'updateOrganization', summary: "Rename an organization, and/or set the Xelion servers its subtree's orders may target (allowedServerHosts)" })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Neither field given, or a bad allowedServerHosts entry (named)' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Organization disabled' })
  async update(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @Body() dto: UpdateOrganizationDto): Promise<OrganizationDto> {
    return OrganizationDto.from(await this.organizations.update(caller, id, dto));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'disableOrganization', summary: 'Disable an organization and its whole subtree; their keys stop working at once' })
  @ApiNoContentResponse()
  @ApiConflictResponse({ type: ErrorResponse, description: "The caller's own organization" })
  disable(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<void> {
    return this.organizations.disable(caller, id);
  }
}
