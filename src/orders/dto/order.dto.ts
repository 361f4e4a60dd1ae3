import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { PageQuery } from '../../common/http/pagination.js';
import type { OrderStep } from '../order-step.entity.js';
import { ORDER_STATUSES, TENANT_SOURCES, type Order, type OrderStatus, type TenantLicenses, type TenantSource } from '../order.entity.js';

export class CreatedOrderDto {
  @ApiProperty({ example: 42 })
  id: number;
}

export class OrderTenantDto {
  @ApiProperty({ example: 'https://my.server.xelion.com' })
  serverUrl: string;

  @ApiProperty({ example: 'pbx1' })
  name: string;

  @ApiProperty({
    enum: TENANT_SOURCES,
    enumName: 'TenantSource',
    description: '`token`: the tenant of the Xelion-Tenant-Token sent; `park`: a tenant the order takes from the park of a multi-tenant server',
  })
  source: TenantSource;

  @ApiPropertyOptional({ nullable: true, type: String, example: '12', description: "A park order: the tenant's databaseId on the master tenant, once the order has taken it" })
  databaseId?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { user: 25, phone: 25 },
    description: 'A park order: the licence counts it sets (Xelion-Tenant-Licenses)',
  })
  licenses?: TenantLicenses | null;
}

export class OrderProgressDto {
  @ApiProperty({ example: 3 })
  done: number;

  @ApiProperty({ example: 12 })
  total: number;
}

/**
 * The codes an order (or a step) fails with (src/provisioning/error-mapping.ts, order-runner.ts,
 * orders.service.ts): listed for the OpenAPI document's enum. test/unit/order-error-codes.spec.ts fails when
 * a code is used there but missing here.
 */
export const ORDER_ERROR_CODES = [
  'CANCELLED',
  'TENANT_TOKEN_REJECTED',
  'TENANT_TOKEN_UNREADABLE',
  'XELION_ERROR',
  'XELION_UNAVAILABLE',
  'XELION_TIMEOUT',
  'XELION_LIST_TOO_LARGE',
  'MISSING_CREDENTIAL',
  'CREDENTIALS_CHANGED',
  'UNSAFE_URL',
  'ORGANIZATION_DISABLED',
  'PHONE_IN_USE',
  'EXTENSION_IN_USE',
  'USER_NAME_IN_USE',
  'PLAN_STALE',
  'NOT_TENANT_ADMINISTRATOR',
  'XELION_VERSION_UNSUPPORTED',
  'NO_TENANT_AVAILABLE',
  'TENANT_NAME_IN_USE',
  'PARK_ACCESS_REFUSED',
  'PARK_LOGIN_REJECTED',
  'LICENSE_UNKNOWN',
  'NUMBER_PROVIDER_ERROR',
  'NUMBER_PROVIDER_TIMEOUT',
  'REDIRECTION_ERROR',
  'REDIRECTION_TIMEOUT',
  'INTERNAL_ERROR',
] as const;

export class OrderErrorDto {
  @ApiProperty({
    enum: ORDER_ERROR_CODES,
    enumName: 'OrderErrorCode',
    example: 'TENANT_TOKEN_REJECTED',
    description: 'Why the order failed. TENANT_TOKEN_REJECTED and TENANT_TOKEN_UNREADABLE: retry with a new Xelion-Tenant-Token',
  })
  code: string;

  @ApiProperty({ example: 'the tenant token was rejected' })
  message: string;

  @ApiProperty({ nullable: true, type: String, example: 'preflight' })
  step: string | null;

  @ApiPropertyOptional({ description: "Xelion's errorCode, when Xelion refused a change" })
  xelionErrorCode?: number;
}

export class AllocatedNumberDto {
  @ApiProperty({ example: 'Lucy direct 1', description: 'The label of the `new: true` number in the configuration' })
  label: string;

  @ApiProperty({ example: '+31152100001' })
  number: string;

  @ApiProperty({ example: 'lucy@fairytail.example', description: 'The user or department it was given to' })
  owner: string;
}

export class OrderResultDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Objects created, per kind', example: { user: 3, phoneLine: 4 } })
  created: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Existing objects changed to match the configuration, per kind', example: { user: 1 } })
  updated: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Existing objects found already as configured, per kind', example: { department: 1 } })
  found: Record<string, number>;

  @ApiProperty({ type: [AllocatedNumberDto], description: 'Numbers reserved at the number provider for `new: true` numbers' })
  numbersAllocated: AllocatedNumberDto[];

  @ApiProperty({ type: [String] })
  warnings: string[];
}

/** Why one step failed (the order's error names the step besides). */
export class OrderStepErrorDto {
  @ApiProperty({ enum: ORDER_ERROR_CODES, enumName: 'OrderErrorCode', example: 'XELION_ERROR' })
  code: string;

  @ApiProperty({ example: 'Xelion refused the change: licence missing' })
  message: string;

  @ApiPropertyOptional({ description: "Xelion's errorCode, when Xelion refused a change", example: 10101 })
  xelionErrorCode?: number;
}

function tenantOf(order: Order): OrderTenantDto {
  const tenant: OrderTenantDto = { serverUrl: order.tenantServerUrl, name: order.tenantName, source: order.tenantSource ?? 'token' };
  if (tenant.source === 'park') {
    tenant.databaseId = order.tenantDatabaseId;
    tenant.licenses = order.tenantLicenses;
  }
  return tenant;
}

/** An order, as `GET /api/v1/orders/:id` shows it. The tenant token is never part of it. */
export class OrderDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ example: 7 })
  organizationId: number;

  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus' })
  status: OrderStatus;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ nullable: true, type: Date })
  startedAt: Date | null;

  @ApiProperty({ nullable: true, type: Date })
  finishedAt: Date | null;

  @ApiProperty({ type: OrderTenantDto })
  tenant: OrderTenantDto;

  @ApiProperty({ nullable: true, type: String })
  callbackUrl: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'The plan the order was sent to apply exactly (If-Match), or null',
  })
  planHash: string | null;

  @ApiProperty({ type: OrderProgressDto })
  progress: OrderProgressDto;

  @ApiProperty({ nullable: true, type: String, example: 'user natsu@fairytail.example' })
  currentStep: string | null;

  @ApiProperty({ nullable: true, type: OrderErrorDto })
  error: OrderErrorDto | null;

  @ApiProperty({ nullable: true, type: OrderResultDto })
  result: OrderResultDto | null;

  @ApiPropertyOptional({ description: 'The normalised configuration (not in list items)', allOf: [{ $ref: '#/components/schemas/Configuration' }] })
  configuration?: unknown;

  static from(order: Order, withConfiguration = true): OrderDto {
    const dto: OrderDto = {
      id: order.id,
      organizationId: order.organizationId,
      status: order.status,
      createdAt: order.createdAt,
      startedAt: order.startedAt,
      finishedAt: order.finishedAt,
      tenant: tenantOf(order),
      callbackUrl: order.callbackUrl,
      planHash: order.planHash,
      progress: { done: order.progressDone, total: order.progressTotal },
      currentStep: order.currentStep,
      error: order.error,
      result: order.result,
    };
    if (withConfiguration) dto.configuration = order.configuration;
    return dto;
  }
}

export class OrderPageDto {
  @ApiProperty({ type: [OrderDto], description: 'Newest first; items leave out `configuration`' })
  data: OrderDto[];

  @ApiProperty({ nullable: true, type: String })
  nextCursor: string | null;
}

export class OrderStepDto {
  @ApiProperty({ example: 3 })
  seq: number;

  @ApiProperty({ example: 'user natsu@fairytail.example' })
  name: string;

  @ApiProperty({ example: 'user' })
  kind: string;

  @ApiProperty({ enum: ['PENDING', 'RUNNING', 'DONE', 'FAILED'], enumName: 'OrderStepStatus' })
  status: string;

  @ApiProperty()
  attempts: number;

  @ApiProperty({ nullable: true, type: Date })
  startedAt: Date | null;

  @ApiProperty({ nullable: true, type: Date })
  finishedAt: Date | null;

  @ApiProperty({ nullable: true, type: OrderStepErrorDto })
  error: { code: string; message: string; xelionErrorCode?: number } | null;

  @ApiProperty({ nullable: true, type: Object, description: 'What the step found or created: Xelion oids, allocated numbers' })
  output: Record<string, unknown> | null;

  static from(step: OrderStep): OrderStepDto {
    return {
      seq: step.seq,
      name: step.name,
      kind: step.kind,
      status: step.status,
      attempts: step.attempts,
      startedAt: step.startedAt,
      finishedAt: step.finishedAt,
      error: step.error,
      output: step.output,
    };
  }
}

export class OrderStepListDto {
  @ApiProperty({ type: [OrderStepDto] })
  data: OrderStepDto[];
}

/** Filters of `GET /api/v1/orders`; all optional, combined with AND. */
export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, enumName: 'OrderStatus' })
  @IsOptional()
  @IsIn(ORDER_STATUSES, { message: `status must be one of ${ORDER_STATUSES.join(', ')}` })
  status?: OrderStatus;

  @ApiPropertyOptional({ description: 'Only this organization of the subtree (one outside it yields an empty list)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'organizationId must be a positive integer' })
  @Min(1, { message: 'organizationId must be a positive integer' })
  @Max(2_147_483_647, { message: 'organizationId must be a positive integer' })
  organizationId?: number;

  @ApiPropertyOptional({ description: 'ISO 8601 date-time; orders created at or after it', example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdAfter must be an ISO 8601 date-time' })
  createdAfter?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 date-time; orders created before it' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'createdBefore must be an ISO 8601 date-time' })
  createdBefore?: string;
}
