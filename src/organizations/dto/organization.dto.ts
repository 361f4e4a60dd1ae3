import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_ALLOWED_SERVER_HOSTS, SERVER_HOST_RULE } from '../server-host.rules.js';
import type { Organization } from '../organization.entity.js';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Fairy Tail Telecom', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiPropertyOptional({ description: 'The parent: the caller (default) or one of its descendants', example: 7 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  parentId?: number;
}

/** At least one of the fields (the service says so when both are absent). */
export class UpdateOrganizationDto {
  @ApiPropertyOptional({ example: 'Fairy Tail Telecom B.V.', maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    maxItems: MAX_ALLOWED_SERVER_HOSTS,
    description:
      `The Xelion servers the orders of this organization's subtree may target; each entry is ${SERVER_HOST_RULE}. ` +
      'Every list on the path to the root applies (a descendant can narrow, never widen). null: no list of its own. ' +
      'Inherited sipTrunk.* and park.* credentials are only sent to servers in their owner\'s list (docs/credentials.md).',
    example: ['pbx.example.com', '*.example.net', '127.0.0.1'],
  })
  // null is a value here (it removes the list); IsOptional would let it through unvalidated, so absent is tested apart.
  @ValidateIf((dto: UpdateOrganizationDto) => dto.allowedServerHosts !== undefined && dto.allowedServerHosts !== null)
  @IsArray({ message: 'allowedServerHosts must be an array of strings or null' })
  @ArrayMaxSize(MAX_ALLOWED_SERVER_HOSTS, { message: `allowedServerHosts must have at most ${MAX_ALLOWED_SERVER_HOSTS} entries` })
  @IsString({ each: true, message: 'each entry of allowedServerHosts must be a string' })
  allowedServerHosts?: string[] | null;
}

export class OrganizationDto {
  @ApiProperty({ example: 7 })
  id: number;

  @ApiProperty({ example: 'Fairy Tail Telecom' })
  name: string;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  parentId: number | null;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ description: 'A disabled organization and its subtree cannot authenticate' })
  disabled: boolean;

  @ApiProperty({
    type: [String],
    nullable: true,
    description: "This organization's own list of allowed Xelion server hosts (ancestors' lists apply too); null: none of its own",
    example: ['pbx.example.com', '*.example.net'],
  })
  allowedServerHosts: string[] | null;

  static from(organization: Organization): OrganizationDto {
    return {
      id: organization.id,
      name: organization.name,
      parentId: organization.parentId,
      createdAt: organization.createdAt,
      disabled: organization.disabledAt !== null,
      allowedServerHosts: organization.allowedServerHosts ?? null,
    };
  }
}

export class OrganizationPageDto {
  @ApiProperty({ type: [OrganizationDto] })
  data: OrganizationDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
