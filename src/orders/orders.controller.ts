import { Controller, Get, Headers, HttpCode, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { ListOrdersQuery, OrderDto, OrderPageDto, OrderStepListDto } from './dto/order.dto.js';
import { OrdersService } from './orders.service.js';
import { HEADER, parseMasterToken, parseTenantToken, type RawHeaders } from './provision-headers.js';
import { RetryAfterInterceptor } from './retry-after.interceptor.js';

@ApiTags('orders')
@Controller('api/v1')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Get('orders')
  @ApiOperation({ operationId: 'listOrders', summary: "Orders of the caller's subtree, newest first" })
  @ApiOkResponse({ type: OrderPageDto })
  list(@CurrentCaller() caller: Caller, @Query() query: ListOrdersQuery): Promise<OrderPageDto> {
    return this.orders.list(caller, query);
  }

  @Get('orders/:id')
  @ApiOperation({ operationId: 'getOrder', summary: 'One order of the subtree, with progress, error and result' })
  @ApiOkResponse({ type: OrderDto })
  get(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<OrderDto> {
    return this.orders.get(caller, id);
  }

  @Get('orders/:id/steps')
  @ApiOperation({ operationId: 'listOrderSteps', summary: "The order's step journal" })
  @ApiOkResponse({ type: OrderStepListDto })
  @ApiNotFoundResponse({ type: ErrorResponse })
  async steps(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<OrderStepListDto> {
    return { data: await this.orders.steps(caller, id) };
  }

  @Post('orders/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ operationId: 'cancelOrder', summary: 'Cancel a NOT_STARTED order: it becomes FAILED with error code CANCELLED' })
  @ApiOkResponse({ type: OrderDto })
  @ApiConflictResponse({ type: ErrorResponse, description: 'The order is not NOT_STARTED' })
  cancel(@CurrentCaller() caller: Caller, @IdParam('id') id: number): Promise<OrderDto> {
    return this.orders.cancel(caller, id);
  }

  @Post('orders/:id/retry')
  @HttpCode(200)
  @ApiOperation({ operationId: 'retryOrder', summary: 'Retry a FAILED order from its first unfinished step' })
  @ApiHeader({ name: HEADER.tenantToken, required: false, description: "Replaces the order's tenant token; required when it was erased (not for park orders)" })
  @ApiHeader({ name: HEADER.masterToken, required: false, description: "A park order: replaces its master token; required when it was erased and no stored park.* credentials apply" })
  @ApiOkResponse({ type: OrderDto })
  @ApiConflictResponse({ type: ErrorResponse, description: "The order is not FAILED, or its organization (or an ancestor) is disabled" })
  @ApiBadRequestResponse({ type: ErrorResponse, description: "The order's Xelion-Server-Url is no longer allowed (allowedServerHosts), or a token is needed" })
  @UseInterceptors(RetryAfterInterceptor)
  retry(@CurrentCaller() caller: Caller, @IdParam('id') id: number, @Headers() headers: RawHeaders): Promise<OrderDto> {
    return this.orders.retry(caller, id, parseTenantToken(headers, false), parseMasterToken(headers));
  }
}
