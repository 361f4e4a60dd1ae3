import type { EntityManager } from 'typeorm';

/** Whether `table.column` exists in the current schema (a registered sealed column may predate its migration). */
export async function sealedColumnExists(db: EntityManager, table: string, column: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return rows.length > 0;
}
