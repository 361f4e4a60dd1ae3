import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrate.js';
import { createTestDatabase, EMBEDDED } from './database.js';

export interface RepositoryDatabase {
  /** A data source on a fresh, migrated database of its own (embedded server or DATABASE_URL). */
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * The repository tier: each repository runs against a real, migrated database — the embedded PostgreSQL
 * server of the run, or the server DATABASE_URL names — without the application around it.
 */
export async function openRepositoryDatabase(poolSize = 4): Promise<RepositoryDatabase> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url, poolSize)).initialize();
  try {
    if (!EMBEDDED) await runMigrations(dataSource);
  } catch (error) {
    await dataSource.destroy();
    await database.drop();
    throw error;
  }
  return {
    dataSource,
    async close() {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
