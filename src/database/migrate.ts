import { MigrationExecutor, type DataSource, type QueryRunner } from 'typeorm';

/** One advisory lock key for schema changes and first-start set-up (any constant bigint will do). */
const SCHEMA_LOCK = 7_245_190_331;

/**
 * Runs `work` on one connection that holds a PostgreSQL advisory lock, so that several instances
 * starting at the same moment take turns: the first migrates, the others find nothing left to do.
 * Everything in `work` must use the given query runner: the lock belongs to its connection.
 */
export async function withSchemaLock<T>(dataSource: DataSource, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [SCHEMA_LOCK]);
    try {
      return await work(runner);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/** Applies pending migrations, each in its own transaction; returns the names of those it ran. */
export async function runMigrations(dataSource: DataSource, runner?: QueryRunner): Promise<string[]> {
  const executor = new MigrationExecutor(dataSource, runner);
  executor.transaction = 'each';
  const ran = await executor.executePendingMigrations();
  return ran.map((migration) => migration.name);
}
