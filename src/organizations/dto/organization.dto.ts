import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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

export class UpdateOrganizationDto {
  @ApiProperty({ example: 'Fairy Tail Telecom B.V.', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;
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

  static from(organization: Organization): OrganizationDto {
    return {
      id: organization.id,
      name: organization.name,
      parentId: organization.parentId,
      createdAt: organization.createdAt,
      disabled: organization.disabledAt !== null,
    };
  }
}

export class OrganizationPageDto {
  @ApiProperty({ type: [OrganizationDto] })
  data: OrganizationDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
