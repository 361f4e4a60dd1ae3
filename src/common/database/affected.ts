import type { EntityManager } from 'typeorm';

/** What an UPDATE or DELETE did: the rows of its RETURNING clause (none without one) and how many rows it touched. */
export interface Modified<Row> {
  rows: Row[];
  affected: number;
}

/** Anything that runs raw SQL: an EntityManager (a transaction's, or the data source's own) or a DataSource. */
export type Queryable = Pick<EntityManager, 'query'>;

/**
 * Runs an UPDATE or DELETE (with or without RETURNING) and answers its rows and affected count.
 *
 * TypeORM's `query()` answers UPDATE and DELETE with `[rows, affected]` but every other statement with the
 * rows alone; repositories go through this one function instead of each decoding that shape. Anything
 * else (a SELECT, an INSERT, a CTE whose final statement is a SELECT) is a programming error and throws.
 */
export async function modify<Row = never>(db: Queryable, sql: string, parameters: unknown[] = []): Promise<Modified<Row>> {
  const result: unknown = await db.query(sql, parameters);
  if (!Array.isArray(result) || result.length !== 2 || !Array.isArray(result[0]) || typeof result[1] !== 'number') {
    throw new TypeError('modify() runs UPDATE and DELETE statements only (their result is [rows, affected])');
  }
  return { rows: result[0] as Row[], affected: result[1] };
}
