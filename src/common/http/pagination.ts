import { HttpStatus } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ApiError } from './error-response.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Cursors are opaque to clients: the last id seen, versioned, base64url. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`v1:${lastId}`).toString('base64url');
}

/** Ids are PostgreSQL `int`: a larger one in a cursor was never issued, and must not reach the query. */
const MAX_ID = 2 ** 31 - 1;

export function decodeCursor(cursor: string): number {
  const match = /^v1:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const id = match ? Number(match[1]) : NaN;
  if (!(id <= MAX_ID)) {
    const message = 'cursor is not valid: pass the nextCursor of a previous page';
    throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: 'cursor', message }] });
  }
  return id;
}

/**
 * Keyset pagination, newest first, on a table whose integer identity grows with time. A page starts
 * below the last id of the previous one, so rows inserted meanwhile never shift or repeat a page.
 */
export async function paginate<E extends ObjectLiteral, T>(
  query: SelectQueryBuilder<E>,
  idColumn: string,
  page: PageQuery,
  toDto: (entity: E) => T,
): Promise<Page<T>> {
  const limit = page.limit ?? DEFAULT_PAGE_SIZE;
  if (page.cursor !== undefined) {
    query.andWhere(`${idColumn} < :pageCursor`, { pageCursor: decodeCursor(page.cursor) });
  }
  const rows = await query.orderBy(idColumn, 'DESC').limit(limit + 1).getMany();
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1] as (E & { id: number }) | undefined;
  return { data: data.map(toDto), nextCursor: more && last ? encodeCursor(last.id) : null };
}
