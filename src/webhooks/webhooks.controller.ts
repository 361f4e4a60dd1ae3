import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { RedeliveryAcceptedDto, WebhookMessageDto, WebhookMessageListDto } from './dto/webhook.dto.js';
import { WebhooksService } from './webhooks.service.js';

@ApiTags('webhooks')
@Controller('api/v1/orders/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOperation({ operationId: 'listOrderWebhooks', summary: "The order's webhook messages, oldest first, with every delivery attempt" })
  @ApiOkResponse({ type: WebhookMessageListDto })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such order in the caller’s scope' })
  async list(@CurrentCaller() caller: Caller, @IdParam('id') orderId: number): Promise<WebhookMessageListDto> {
    const messages = await this.webhooks.listForOrder(caller, orderId);
    return { data: messages.map(({ message, attempts }) => WebhookMessageDto.from(message, attempts)) };
  }

  @Post(':mid/redeliver')
  @HttpCode(202)
  @ApiOperation({ operationId: 'redeliverWebhook', summary: 'Send a message again now: same mid and body, signed with the current secret' })
  @ApiAcceptedResponse({ type: RedeliveryAcceptedDto })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'No such order in the caller’s scope, or no such message of it' })
  async redeliver(@CurrentCaller() caller: Caller, @IdParam('id') orderId: number, @IdParam('mid') mid: number): Promise<RedeliveryAcceptedDto> {
    const message = await this.webhooks.redeliver(caller, orderId, mid);
    return { mid: message.mid, status: message.status, nextAttemptAt: message.nextAttemptAt };
  }
}
