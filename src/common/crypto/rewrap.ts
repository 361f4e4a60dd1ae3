import type { DataSource } from 'typeorm';
import type { SealedColumn } from './sealed-column.registry.js';
import { sealedColumnExists } from './sealed-column.repository.js';
import { SecretBox, SecretBoxError } from './secret-box.js';

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
  const currentKeyPattern = sealedUnderPattern(box);
  const results: RewrapColumnResult[] = [];

  for (const column of columns) {
    const result: RewrapColumnResult = { column: `${column.table}.${column.column}`, present: true, resealed: 0, failed: [] };
    results.push(result);
    if (!(await sealedColumnExists(dataSource.manager, column.table, column.column))) {
      result.present = false;
      continue;
    }
    let lastId = 0;
    while (remaining > 0) {
      const size = Math.min(batchSize, remaining);
      const done = await dataSource.transaction(async (manager) => {
        const values = await column.lockStale(manager, lastId, currentKeyPattern, size);
        const resealed: { id: number; sealed: string }[] = [];
        for (const value of values) {
          try {
            if (!box.needsRewrap(value.sealed)) continue;
            resealed.push({ id: value.id, sealed: box.rewrap(value.sealed, value.aad) });
          } catch (error) {
            if (!(error instanceof SecretBoxError)) throw error;
            result.failed.push({ id: value.id, reason: error.message });
          }
        }
        if (resealed.length > 0) {
          await column.write(manager, resealed);
          result.resealed += resealed.length;
          remaining -= resealed.length;
        }
        if (values.length > 0) lastId = values[values.length - 1].id;
        return values.length < size;
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
    complete: remaining > 0 || (await nothingLeft(dataSource, currentKeyPattern, columns)),
  };
}

/** Whether every present column holds only values under the current key (used when `limit` ran out). */
async function nothingLeft(dataSource: DataSource, currentKeyPattern: string, columns: readonly SealedColumn[]): Promise<boolean> {
  for (const column of columns) {
    if (!(await sealedColumnExists(dataSource.manager, column.table, column.column))) continue;
    if (await column.anyStale(dataSource.manager, currentKeyPattern)) return false;
  }
  return true;
}

/** A LIKE pattern that matches the values sealed under the box's current key (secret-box.ts: `v1.<kid>.…`). */
function sealedUnderPattern(box: SecretBox): string {
  return `v1.${box.currentKeyId}.%`;
}
