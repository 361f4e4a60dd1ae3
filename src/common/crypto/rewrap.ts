import type { DataSource } from 'typeorm';
import { SecretBox, SecretBoxError } from './secret-box.js';

/**
 * One column that holds values sealed by SecretBox, and how to rebuild the AAD of a row. The rewrap
 * command walks every registered column (SEALED_COLUMNS in sealed-columns.ts).
 */
export interface SealedColumn {
  /** Table name, e.g. `credentials`. */
  table: string;
  /** An integer primary key that only grows; rows are walked in its order. */
  idColumn: string;
  /** The text column with the sealed value (NULLs are skipped). */
  sealedColumn: string;
  /** The other columns `aad` reads from a row (the id column is always there too), under their own names. */
  aadColumns: readonly string[];
  /** The AAD the value was sealed with, from the row's id column and `aadColumns`. */
  aad(row: Record<string, unknown>): string;
}

export interface RewrapOptions {
  /** Rows per transaction (default 100). */
  batchSize?: number;
  /** Stop after re-sealing this many values in total; running again continues. */
  limit?: number;
  /** Called after each committed batch (tests interrupt the run here by throwing). */
  afterBatch?: (progress: RewrapColumnResult) => void | Promise<void>;
}

export interface RewrapColumnResult {
  /** `table.column` */
  column: string;
  /** False when the table or column does not exist in this database (nothing to do). */
  present: boolean;
  /** Values re-sealed under the current key. */
  resealed: number;
  /** Values that could not be opened (unknown key, or failed authentication); left as they are. */
  failed: { id: number; reason: string }[];
}

export interface RewrapResult {
  columns: RewrapColumnResult[];
  resealed: number;
  failed: number;
  /** False when `limit` stopped the run before every value was under the current key. */
  complete: boolean;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function quote(identifier: string): string {
  if (!IDENTIFIER.test(identifier)) throw new Error(`not a plain SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}

async function columnExists(dataSource: DataSource, table: string, column: string): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  );
  return rows.length > 0;
}

/**
 * Re-seals, under the current key, every value of `columns` that was sealed under another one.
 *
 * Resumable: rows are walked in id order in small batches, each batch in its own transaction (rows
 * locked FOR UPDATE, so a concurrent write waits). Values already under the current key are not
 * even selected, so running it again after an interruption only does what is left. A value that
 * cannot be opened is reported and left alone; the rest goes on. Plaintext exists only in memory,
 * one value at a time, and is never logged.
 */
export async function rewrapSealedColumns(
  dataSource: DataSource,
  box: SecretBox,
  columns: readonly SealedColumn[],
  options: RewrapOptions = {},
): Promise<RewrapResult> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer');
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  const currentPrefix = `v1.${box.currentKeyId}.%`;
  const results: RewrapColumnResult[] = [];

  for (const column of columns) {
    const result: RewrapColumnResult = { column: `${column.table}.${column.sealedColumn}`, present: true, resealed: 0, failed: [] };
    results.push(result);
    if (!(await columnExists(dataSource, column.table, column.sealedColumn))) {
      result.present = false;
      continue;
    }
    const table = quote(column.table);
    const id = quote(column.idColumn);
    const sealed = quote(column.sealedColumn);
    const extra = column.aadColumns
      .filter((name) => name !== column.idColumn)
      .map((name) => `, ${quote(name)}`)
      .join('');
    let lastId = 0;
    while (remaining > 0) {
      const size = Math.min(batchSize, remaining);
      const done = await dataSource.transaction(async (manager) => {
        const rows: Record<string, unknown>[] = await manager.query(
          `SELECT ${id}, ${sealed} AS "__sealed"${extra}
             FROM ${table}
            WHERE ${id} > $1 AND ${sealed} IS NOT NULL AND ${sealed} NOT LIKE $2
            ORDER BY ${id}
            LIMIT $3
              FOR UPDATE`,
          [lastId, currentPrefix, size],
        );
        const ids: number[] = [];
        const resealed: string[] = [];
        for (const row of rows) {
          const rowId = Number(row[column.idColumn]);
          try {
            const value = String(row.__sealed);
            if (!box.needsRewrap(value)) continue;
            resealed.push(box.rewrap(value, column.aad(row)));
            ids.push(rowId);
          } catch (error) {
            if (!(error instanceof SecretBoxError)) throw error;
            result.failed.push({ id: rowId, reason: error.message });
          }
        }
        if (ids.length > 0) {
          // One statement per batch.
          await manager.query(
            `UPDATE ${table} AS t SET ${sealed} = v.sealed FROM unnest($1::bigint[], $2::text[]) AS v(id, sealed) WHERE t.${id} = v.id`,
            [ids, resealed],
          );
          result.resealed += ids.length;
          remaining -= ids.length;
        }
        if (rows.length > 0) lastId = Number(rows[rows.length - 1][column.idColumn]);
        return rows.length < size;
      });
      await options.afterBatch?.(result);
      if (done) break;
    }
  }
  const failed = results.reduce((sum, r) => sum + r.failed.length, 0);
  return {
    columns: results,
    resealed: results.reduce((sum, r) => sum + r.resealed, 0),
    failed,
    complete: remaining > 0 || (await nothingLeft(dataSource, box, columns)),
  };
}

/** Whether every present column holds only values under the current key (used when `limit` ran out). */
async function nothingLeft(dataSource: DataSource, box: SecretBox, columns: readonly SealedColumn[]): Promise<boolean> {
  for (const column of columns) {
    if (!(await columnExists(dataSource, column.table, column.sealedColumn))) continue;
    const sealed = quote(column.sealedColumn);
    const rows: unknown[] = await dataSource.query(
      `SELECT 1 FROM ${quote(column.table)} WHERE ${sealed} IS NOT NULL AND ${sealed} NOT LIKE $1 LIMIT 1`,
      [`v1.${box.currentKeyId}.%`],
    );
    if (rows.length > 0) return false;
  }
  return true;
}
