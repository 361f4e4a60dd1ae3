import { Body, Controller, Delete, Get, HttpCode, Patch, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { CREDENTIAL_KEY_PATTERN, CredentialKeyParam } from './credential-key.pipe.js';
import { CredentialsService } from './credentials.service.js';
import { CredentialDto, CredentialListDto, PatchCredentialDto, PutCredentialDto } from './dto/credential.dto.js';

const KEY_PARAM = {
  name: 'key',
  description: '1 to 64 characters: a letter first, then letters, digits, ".", "_" or "-"',
  schema: { type: 'string', pattern: CREDENTIAL_KEY_PATTERN.source, example: 'numbers.apiKey' },
} as const;

@ApiTags('credentials')
@Controller('api/v1/organizations/:id/credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Put(':key')
  @HttpCode(204)
  @ApiOperation({ operationId: 'setCredential', summary: 'Store or replace a credential; the value can never be read back' })
  @ApiParam(KEY_PARAM)
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad key name or value' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Organization disabled, or already 100 keys' })
  async put(
    @CurrentCaller() caller: Caller,
    @IdParam('id') id: number,
    @CredentialKeyParam() key: string,
    @Body() dto: PutCredentialDto,
  ): Promise<void> {
    await this.credentials.put(caller, id, key, dto.value, dto.inherit);
  }

  @Patch(':key')
  @ApiOperation({ operationId: 'updateCredential', summary: "Share a credential with descendants' orders, or stop sharing it, without sending the value again" })
  @ApiParam(KEY_PARAM)
  @ApiOkResponse({ type: CredentialDto })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Bad key name, or inherit is not a boolean' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Organization not found, or the key is not set' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Organization disabled' })
  patch(
    @CurrentCaller() caller: Caller,
    @IdParam('id') id: number,
    @CredentialKeyParam() key: string,
    @Body() dto: PatchCredentialDto,
  ): Promise<CredentialDto> {
    return this.credentials.setInherit(caller, id, key, dto.inherit);
  }

  @Get()
  @ApiOperation({ operationId: 'listCredentials', summary: "The organization's own credential keys (not inherited ones), sorted; never the values" })
  @ApiOkResponse({ type: CredentialListDto })
  @ApiNotFoundResponse({ type: ErrorResponse })
  list(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<CredentialListDto> {
    return this.credentials.list(caller, id);
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteCredential', summary: 'Delete a credential; when its group is then gone from the organization, an ancestor’s shared group (if any) applies again' })
  @ApiParam(KEY_PARAM)
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Organization not found, or the key is not set' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Organization disabled' })
  async remove(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @CredentialKeyParam() key: string): Promise<void> {
    await this.credentials.remove(caller, id, key);
  }
}
