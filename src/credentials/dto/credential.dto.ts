import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import type { Credential } from '../credential.entity.js';

export const MAX_CREDENTIAL_VALUE_LENGTH = 4096;
export const MAX_CREDENTIALS_PER_ORGANIZATION = 100;

/**
 * The messages are fixed text: a validation message must never quote the value it rejects
 * (no `$value` in any template, and the pipe runs with `validationError.value: false`).
 */
export class PutCredentialDto {
  @ApiProperty({
    description: 'The secret. Stored encrypted; it is never returned by any endpoint.',
    minLength: 1,
    maxLength: MAX_CREDENTIAL_VALUE_LENGTH,
    writeOnly: true,
    example: 's3cr3t',
  })
  @IsString({ message: 'value must be a string' })
  @Length(1, MAX_CREDENTIAL_VALUE_LENGTH, { message: `value must be 1 to ${MAX_CREDENTIAL_VALUE_LENGTH} characters` })
  value: string;

  @ApiPropertyOptional({
    description:
      "Whether descendants' orders may use this key, as part of a complete group whose every key is shared (docs/credentials.md). " +
      'Absent: a replaced key keeps its flag, a new key is not shared (false).',
    example: true,
  })
  @IsOptional()
  @IsBoolean({ message: 'inherit must be true or false' })
  inherit?: boolean;
}

export class PatchCredentialDto {
  @ApiProperty({ description: "Whether descendants' orders may use this key (docs/credentials.md)", example: true })
  @IsBoolean({ message: 'inherit must be true or false' })
  inherit: boolean;
}

export class CredentialDto {
  @ApiProperty({ example: 'numbers.apiKey' })
  key: string;

  @ApiProperty({ description: "Whether descendants' orders may use this key (as part of a complete, wholly shared group)" })
  inherit: boolean;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ description: 'When the value was last replaced' })
  updatedAt: Date;

  static from(credential: Pick<Credential, 'key' | 'inherit' | 'createdAt' | 'updatedAt'>): CredentialDto {
    return { key: credential.key, inherit: credential.inherit, createdAt: credential.createdAt, updatedAt: credential.updatedAt };
  }
}

/** The service-wide list shape; at most 100 keys exist per organization, so there is only ever one page. */
export class CredentialListDto {
  @ApiProperty({ type: [CredentialDto], description: 'Sorted by key; never the values' })
  data: CredentialDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Always null: all keys fit in one page' })
  nextCursor: null;
}
