import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { databaseUrl, IN_MEMORY, startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { runMigrations } from '../src/database/migrate.js';
import { adminStatement } from '../tools/support/postgres-admin.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The embedded PostgreSQL server of this run (embedded-database runs only), database `postgres`. */
    embeddedServerUrl: string | null;
  }
}

/** The migrated database every test database on the embedded server is copied from. */
export const TEMPLATE_DATABASE = 'xps_template';

/**
 * Once per run: on the embedded database, start one throw-away PostgreSQL server for every test file and
 * build a migrated template database on it; each test application then gets `CREATE DATABASE … TEMPLATE`
 * (test/support/database.ts) instead of running the migrations itself.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.DATABASE_URL?.trim()) {
    project.provide('embeddedServerUrl', null);
    return async () => undefined;
  }
  const server = await startEmbeddedPostgres(IN_MEMORY);
  try {
    await adminStatement(server.url, `CREATE DATABASE ${TEMPLATE_DATABASE}`);
    const dataSource = await new DataSource(dataSourceOptions(databaseUrl(server.url, TEMPLATE_DATABASE), 1)).initialize();
    try {
      await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } catch (error) {
    await server.close();
    throw error;
  }
  project.provide('embeddedServerUrl', server.url);
  return () => server.close();
}
