import type { EntityManager } from 'typeorm';

/** Whether `table.column` exists in the current schema (a registered sealed column may predate its migration). */
export async function sealedColumnExists(db: EntityManager, table: string, column: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return rows.length > 0;
}

/** A sealed value with its row's key, and the other columns its AAD is made of. */
export interface SealedRow {
  id: number;
  sealed: string;
  extra: Record<string, string | number>;
}

/**
 * The rewrap command's three statements on one sealed column: read stale values in key order (locked FOR
 * UPDATE), write new ones, and say whether any is stale. The table and column names come from the code
 * that registers the column (never from input), so they are written into the SQL.
 */
export function sealedColumnStatements(table: string, keyColumn: string, column: string, extraColumns: readonly string[] = []) {
  const extra = extraColumns.map((name) => `, ${name}`).join('');
  return {
    async lockStale(tx: EntityManager, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedRow[]> {
      const rows: Record<string, string | number>[] = await tx.query(
        `SELECT ${keyColumn} AS id, ${column} AS sealed${extra}
           FROM ${table}
          WHERE ${keyColumn} > $1 AND ${column} IS NOT NULL AND ${column} NOT LIKE $2
          ORDER BY ${keyColumn}
          LIMIT $3
            FOR UPDATE`,
        [afterId, currentKeyPattern, limit],
      );
      return rows.map((row) => ({ id: Number(row.id), sealed: String(row.sealed), extra: Object.fromEntries(extraColumns.map((name) => [name, row[name]])) }));
    },
    async write(tx: EntityManager, values: readonly { id: number; sealed: string }[]): Promise<void> {
      await tx.query(`UPDATE ${table} AS t SET ${column} = v.sealed FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed) WHERE t.${keyColumn} = v.id`, [
        values.map((value) => value.id),
        values.map((value) => value.sealed),
      ]);
    },
    async anyStale(db: EntityManager, currentKeyPattern: string): Promise<boolean> {
      const rows: unknown[] = await db.query(`SELECT 1 FROM ${table} WHERE ${column} IS NOT NULL AND ${column} NOT LIKE $1 LIMIT 1`, [currentKeyPattern]);
      return rows.length > 0;
    },
  };
}
