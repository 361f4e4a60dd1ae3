import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import type { ApiKey } from '../api-key.entity.js';

export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'billing integration', maxLength: 100 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ description: 'ISO 8601 date-time in the future; the key stops working then', example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ example: 3 })
  id: number;

  @ApiProperty({ example: 'billing integration' })
  name: string;

  @ApiProperty({ example: 'xpk_3fA9kQ', description: 'The first characters of the key' })
  prefix: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ type: Date, nullable: true })
  lastUsedAt: Date | null;

  @ApiProperty({ type: Date, nullable: true })
  expiresAt: Date | null;

  @ApiProperty({ type: Date, nullable: true })
  revokedAt: Date | null;

  static from(key: ApiKey): ApiKeyDto {
    return {
      id: key.id,
      name: key.name,
      prefix: key.prefix,
      createdAt: key.createdAt,
      lastUsedAt: key.lastUsedAt,
      expiresAt: key.expiresAt,
      revokedAt: key.revokedAt,
    };
  }
}

export class CreatedApiKeyDto {
  @ApiProperty({ example: 3 })
  id: number;

  @ApiProperty({ example: 'billing integration' })
  name: string;

  @ApiProperty({ description: 'The key itself. Shown only in this response: store it now.' })
  key: string;

  @ApiProperty({ example: 'xpk_3fA9kQ' })
  prefix: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ type: Date, nullable: true })
  expiresAt: Date | null;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] })
  data: ApiKeyDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}
