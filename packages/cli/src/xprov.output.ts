import { InvalidArgumentError } from 'commander';

/** How xprov prints: `--json` gives the API's JSON (for scripts), otherwise tables and short lines. */

/** A wrong invocation found after parsing (a missing file, a bad combination): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit codes (README of this package): 0 success, 1 refused request or failed order, 2 usage error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const text = (value: unknown): string => {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
};

/** A plain table: a header row, then one row per item; columns as wide as their widest cell. */
export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cells = rows.map((row) => columns.map((column) => text(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((row) => row[index].length)));
  const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index])).join('  ').trimEnd();
  process.stdout.write(`${line(columns.map((column) => column.toUpperCase()))}\n`);
  for (const row of cells) process.stdout.write(`${line(row)}\n`);
}

/** `key: value` lines, keys aligned. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((key) => key.length));
  for (const [key, value] of Object.entries(fields)) process.stdout.write(`${`${key}:`.padEnd(width + 2)}${text(value)}\n`);
}

/** A positive integer argument (ids), or a usage error naming it. */
export function positiveInteger(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d{1,10}$/.test(value) || Number(value) < 1 || Number(value) > 2_147_483_647) {
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    }
    return Number(value);
  };
}

/** Wraps a command's action: its result is the process's exit code. */
export function act<A extends unknown[]>(action: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    process.exitCode = await action(...args);
  };
}
