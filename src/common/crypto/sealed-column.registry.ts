import type { EntityManager } from 'typeorm';

/** One sealed value as the feature that owns its table reads it: the row's id and the AAD it was sealed with. */
export interface SealedValue {
  id: number;
  sealed: string;
  aad: string;
}

/**
 * A column that holds SecretBox-sealed values, described by the feature that owns the table: the
 * feature reads and writes its own rows (its SQL stays in its repository); the rewrap command
 * (rewrap.ts) only decides what to re-seal. docs/credentials.md, "Registering other sealed columns".
 */
export interface SealedColumn {
  /** The table and the text column with the sealed value: for reports, and to skip a column this database does not have. */
  readonly table: string;
  readonly column: string;
  /**
   * Up to `limit` non-NULL values with an id above `afterId` whose sealed text is NOT LIKE
   * `currentKeyPattern` (values under the current key are not even selected), in id order, locked
   * FOR UPDATE: called inside the transaction that writes them back. Ids only grow.
   */
  lockStale(tx: EntityManager, afterId: number, currentKeyPattern: string, limit: number): Promise<SealedValue[]>;
  /** Writes re-sealed values back into the rows with these ids (one statement). */
  write(tx: EntityManager, values: readonly { id: number; sealed: string }[]): Promise<void>;
  /** Whether any non-NULL value is NOT LIKE `currentKeyPattern`. */
  anyStale(db: EntityManager, currentKeyPattern: string): Promise<boolean>;
}

/**
 * Every sealed column of the service. Each feature registers its own when its `<feature>.sealed-column.ts`
 * is loaded (by the feature's service, and by the rewrap command in src/cli.ts); this layer knows none
 * of them. Listed by `table.column`, so that the order does not depend on the order of imports.
 */
export class SealedColumnRegistry {
  private readonly byName = new Map<string, SealedColumn>();

  register(...columns: SealedColumn[]): void {
    for (const column of columns) {
      const name = `${column.table}.${column.column}`;
      const known = this.byName.get(name);
      if (known && known !== column) throw new Error(`sealed column ${name} is registered twice`);
      this.byName.set(name, column);
    }
  }

  get columns(): readonly SealedColumn[] {
    return [...this.byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, column]) => column);
  }
}

/** The process's registry, which the features register into. */
export const SEALED_COLUMNS = new SealedColumnRegistry();
