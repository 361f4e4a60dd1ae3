import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { IdParam } from '../common/http/id.pipe.js';
import { PageQuery } from '../common/http/pagination.js';
import { ApiKeyService } from './api-key.service.js';
import { ApiKeyPageDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto.js';

@ApiTags('api-keys')
@Controller('api/v1/organizations/:id/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key; the response is the only time the key is shown' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(caller, id, dto);
  }

  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: "The organization's keys, without their secrets" })
  @ApiOkResponse({ type: ApiKeyPageDto })
  list(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @Query() page: PageQuery): Promise<ApiKeyPageDto> {
    return this.apiKeys.list(caller, id, page);
  }

  @Delete(':keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke a key: it is refused from its next request on' })
  @ApiNoContentResponse()
  revoke(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @IdParam('keyId') keyId: number): Promise<void> {
    return this.apiKeys.revoke(caller, id, keyId);
  }
}
