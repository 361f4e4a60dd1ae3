import { Body, Controller, Get, Headers, HttpCode, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { IdParam } from '../common/http/id.pipe.js';
import { CreatedOrderDto, ListOrdersQuery, OrderDto, OrderPageDto, OrderStepListDto } from './dto/order.dto.js';
import { OrdersService } from './orders.service.js';
import { HEADER, parseMasterToken, parseProvisionHeaders, parseTenantToken } from './provision-headers.js';
import { RetryAfterInterceptor } from './retry-after.interceptor.js';

type RawHeaders = Record<string, string | string[] | undefined>;

const LOCATION = { description: 'The order: /api/v1/orders/{id}', schema: { type: 'string', example: '/api/v1/orders/42' } } as const;

@ApiTags('orders')
@Controller('api/v1')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post('provision')
  @ApiOperation({ operationId: 'provisionTenant',
    summary: 'Create a provisioning order',
    description:
      'Validates the headers (first) and the configuration (exactly as POST /api/v1/provision/test), stores the order for the ' +
      "caller's organization and schedules it. With an Idempotency-Key seen in the last 24 hours for the same request, " +
      'answers 200 with the earlier order instead.',
  })
  @ApiHeader({ name: HEADER.serverUrl, required: true, example: 'https://my.server.xelion.com' })
  @ApiHeader({ name: HEADER.tenantName, required: true, example: 'pbx1' })
  @ApiHeader({ name: HEADER.tenantToken, required: false, description: 'A session token of the tenant; stored encrypted, erased when the order ends, never returned. Required unless the order is a park order' })
  @ApiHeader({
    name: HEADER.masterToken,
    required: false,
    description:
      'A park order: a master-tenant session of a master administrator, instead of Xelion-Tenant-Token; the order takes a tenant from the park and names it ' +
      'Xelion-Tenant-Name. Without either token, stored park.* credentials are used when they apply. Stored encrypted, erased when the order ends, never returned',
  })
  @ApiHeader({ name: HEADER.tenantLicenses, required: false, description: 'A park order: the licence counts the tenant gets', example: 'user=25, phone=25' })
  @ApiHeader({ name: HEADER.callbackUrl, required: false, description: 'Where status changes are POSTed' })
  @ApiHeader({ name: HEADER.idempotencyKey, required: false, description: 'The same key and request within 24 hours returns the same order (200)' })
  @ApiBody({ description: 'A configuration, format version 1', required: true, schema: { $ref: '#/components/schemas/Configuration' } })
  @ApiCreatedResponse({ type: CreatedOrderDto, description: 'The order is stored and scheduled', headers: { Location: LOCATION } })
  @ApiOkResponse({ type: CreatedOrderDto, description: 'The order created earlier with the same Idempotency-Key', headers: { Location: LOCATION } })
  @ApiBadRequestResponse({
    type: ErrorResponse,
    description:
      'A missing or malformed header (named in `details`; Xelion-Server-Url also when allowedServerHosts refuses it; tenant headers that do not go together), or an invalid configuration (every problem in `errors`)',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'The Idempotency-Key was used for another request' })
  @UseInterceptors(RetryAfterInterceptor)
  async provision(
    @CurrentCaller() caller: Caller,
    @Headers() headers: RawHeaders,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedOrderDto> {
    const parsed = parseProvisionHeaders(headers);
    const order = await this.orders.create(caller, parsed, body);
    void reply.status(order.created ? 201 : 200).header('location', `/api/v1/orders/${order.id}`);
    return { id: order.id };
  }

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
