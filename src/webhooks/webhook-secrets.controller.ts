import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { WebhookSecretDto } from './dto/webhook.dto.js';
import { WebhookSecretsService } from './webhook-secrets.service.js';

/**
 * The signing secret is shown to the organization and its ancestors — the one secret the API returns after
 * creation, because receivers need it to verify (docs/webhooks.md, "Signing secrets"). It is never logged.
 */
@ApiTags('webhooks')
@Controller('api/v1/organizations/:id/webhook-secret')
export class WebhookSecretsController {
  constructor(private readonly secrets: WebhookSecretsService) {}

  @Get()
  @ApiOperation({ operationId: 'getWebhookSecret', summary: "The organization's webhook signing secret (created on first use)" })
  @ApiOkResponse({ type: WebhookSecretDto })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async get(@CurrentCaller() caller: Caller, @IdParam('id') organizationId: number): Promise<WebhookSecretDto> {
    return WebhookSecretDto.from(await this.secrets.getForCaller(caller, organizationId));
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'rotateWebhookSecret', summary: 'A new signing secret; for 24 hours messages carry signatures with both the new and the old one' })
  @ApiOkResponse({ type: WebhookSecretDto })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The organization is disabled' })
  async rotate(@CurrentCaller() caller: Caller, @IdParam('id') organizationId: number): Promise<WebhookSecretDto> {
    return WebhookSecretDto.from(await this.secrets.rotate(caller, organizationId));
  }
}
