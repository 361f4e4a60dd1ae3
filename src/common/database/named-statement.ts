import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';

/** A statement that each pooled connection parses and plans once, then only binds and runs. */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Runs a named (prepared) statement on TypeORM's pg pool, outside any transaction: TypeORM's `query()`
 * cannot name one. For the hot statements only (docs/benchmarks.md, "The cost of a request" and "The
 * executor's CPU per call"), each a transaction of its own.
 */
export async function queryNamed<Row extends QueryResultRow>(dataSource: DataSource, statement: NamedStatement, values: unknown[]): Promise<Row[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const { rows } = await pool.query<Row>({ name: statement.name, text: statement.text, values });
  return rows;
}
