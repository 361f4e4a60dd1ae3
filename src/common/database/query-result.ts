/**
 * The rows of a raw query. TypeORM answers an UPDATE or DELETE with `[rows, affected]` and every other
 * statement with the rows alone; repositories read both through this one function.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** How many rows an UPDATE or DELETE touched (TypeORM's `[rows, affected]`); 0 when it cannot tell. */
export function affectedOf(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  return 0;
}
