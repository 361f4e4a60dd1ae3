import { Body, Controller, Headers, HttpCode, Post, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentCaller } from '../common/auth/auth.decorators.js';
import type { Caller } from '../common/auth/caller.js';
import { ErrorResponse } from '../common/http/error-response.js';
import { CreatedOrderDto } from '../orders/dto/order.dto.js';
import { HEADER, parsePlanHeaders, parseProvisionHeaders, type RawHeaders } from '../orders/provision-headers.js';
import { RetryAfterInterceptor } from '../orders/retry-after.interceptor.js';
import { PlanDto } from './dto/plan.dto.js';
import { OrderIntake } from './order-intake.service.js';
import { PlanService } from './plan/plan.service.js';

const LOCATION = { description: 'The order: /api/v1/orders/{id}', schema: { type: 'string', example: '/api/v1/orders/42' } } as const;

/** POST /api/v1/provision: accepting an order (the orders API reads and steers it afterwards). */
@ApiTags('orders')
@Controller('api/v1')
export class ProvisionController {
  constructor(
    private readonly intake: OrderIntake,
    private readonly plans: PlanService,
  ) {}

  @Post('provision/plan')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'planProvisioning',
    summary: 'See what an order would change in the tenant, without changing anything',
    description:
      'Same headers (without X-Callback-Url, Idempotency-Key and If-Match), body, validation and authentication as POST /api/v1/provision. ' +
      'Reads the tenant only and answers its requirements, the changes per object (create / update with from → to / unchanged), ' +
      'the conflicts an order would fail on, and a planHash: POST /api/v1/provision with `If-Match: "<planHash>"` applies exactly this plan or fails with PLAN_STALE.',
  })
  @ApiHeader({ name: HEADER.serverUrl, required: true, example: 'https://my.server.xelion.com' })
  @ApiHeader({ name: HEADER.tenantName, required: true, example: 'pbx1' })
  @ApiHeader({ name: HEADER.tenantToken, required: true, description: 'A session token of the tenant; used for reads only, never stored' })
  @ApiBody({ description: 'A configuration, format version 1', required: true, schema: { $ref: '#/components/schemas/Configuration' } })
  @ApiOkResponse({ type: PlanDto, description: 'The plan; a requirement that failed is `ok: false` with what to do' })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'A missing or malformed header (named in `details`), or an invalid configuration (every problem in `errors`)' })
  plan(@CurrentCaller() caller: Caller, @Headers() headers: RawHeaders, @Body() body: unknown): Promise<PlanDto> {
    return this.plans.plan(caller, parsePlanHeaders(headers), body);
  }

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
  @ApiHeader({
    name: HEADER.ifMatch,
    required: false,
    example: '"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
    description: 'The planHash of POST /api/v1/provision/plan, quoted: the order fails with PLAN_STALE, changing nothing, when its plan differs',
  })
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
    const order = await this.intake.create(caller, parsed, body);
    void reply.status(order.created ? 201 : 200).header('location', `/api/v1/orders/${order.id}`);
    return { id: order.id };
  }
}
