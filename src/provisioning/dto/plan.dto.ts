import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PLAN_CONFLICT_CODES, type PlanAction, type PlanKind } from '../plan/plan.js';
import { REQUIREMENT_NAMES } from '../plan/tenant-inspection.js';

const KINDS: PlanKind[] = ['organisation', 'person', 'user', 'phoneLine', 'phone', 'trunk', 'number'];
const ACTIONS: PlanAction[] = ['create', 'update', 'unchanged'];

export class PlanTenantDto {
  @ApiProperty({ example: 'https://my.server.xelion.com' })
  serverUrl: string;

  @ApiProperty({ example: 'pbx1' })
  name: string;

  @ApiProperty({ nullable: true, type: String, example: '1.4', description: "The server's API version; null when it did not answer" })
  version: string | null;
}

export class PlanRequirementDto {
  @ApiProperty({ enum: REQUIREMENT_NAMES, example: 'token' })
  name: string;

  @ApiProperty({ example: true })
  ok: boolean;

  @ApiProperty({ enum: ['error', 'warning'], description: 'A failed `error` requirement fails an order in preflight; a `warning` does not' })
  severity: 'error' | 'warning';

  @ApiProperty({ example: 'the token is valid (user admin@pbx1)', description: 'What was found, and when not ok, what to do' })
  message: string;

  @ApiPropertyOptional({ example: 'MISSING_CREDENTIAL', description: 'When not ok: the error code an order fails with' })
  code?: string;
}

export class PlanSummaryDto {
  @ApiProperty({ example: 31 })
  create: number;

  @ApiProperty({ example: 2 })
  update: number;

  @ApiProperty({ example: 5 })
  unchanged: number;
}

/** One field of an update: its current value in the tenant and the value the order writes (any JSON). */
export interface PlanFieldChange {
  from: unknown;
  to: unknown;
}

export class PlanChangeDto {
  @ApiProperty({ enum: ACTIONS, example: 'update' })
  action: PlanAction;

  @ApiProperty({ enum: KINDS, example: 'phoneLine' })
  kind: PlanKind;

  @ApiProperty({ example: 'Support', description: 'The natural key the engine finds the object by' })
  key: string;

  @ApiProperty({ example: '/departments/0', description: 'A JSON Pointer into the configuration' })
  path: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['from', 'to'],
      properties: { from: { description: 'The current value in the tenant (any JSON)' }, to: { description: 'The value the order writes (any JSON)' } },
    },
    example: { recordCalls: { from: false, to: true } },
    description: 'update: each field that changes',
  })
  fields?: Record<string, PlanFieldChange>;
}

export class PlanConflictDto {
  @ApiProperty({ enum: PLAN_CONFLICT_CODES, example: 'EXTENSION_IN_USE' })
  code: string;

  @ApiProperty({ example: '/departments/0/internalNumbers/1', description: 'A JSON Pointer into the configuration' })
  path: string;

  @ApiProperty({ example: '201 belongs to line "Sales" (oid 1044)' })
  message: string;
}

export class PlanDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'A hash of the changes and conflicts: send it as `If-Match: "<planHash>"` with POST /api/v1/provision to apply exactly this plan. Null when the tenant could not be read.',
  })
  planHash: string | null;

  @ApiProperty({ type: PlanTenantDto })
  tenant: PlanTenantDto;

  @ApiProperty({ type: [PlanRequirementDto] })
  requirements: PlanRequirementDto[];

  @ApiProperty({ type: PlanSummaryDto })
  summary: PlanSummaryDto;

  @ApiProperty({ type: [PlanChangeDto] })
  changes: PlanChangeDto[];

  @ApiProperty({ type: [PlanConflictDto], description: 'What an order would refuse to do: each fails it in preflight' })
  conflicts: PlanConflictDto[];
}
