import { inject } from 'vitest';
import { createScratchDatabase } from '../../tools/support/postgres-admin.js';

/** The template test/global-setup.ts migrates on the embedded server (its name, repeated to keep that file out of the workers). */
const TEMPLATE_DATABASE = 'xps_template';

/**
 * Tests run on the embedded PostgreSQL server that test/global-setup.ts starts for the run, unless
 * DATABASE_URL names a PostgreSQL server; either way each test application gets a fresh database of its
 * own on that server, dropped after. On the embedded server it is a copy of a migrated template.
 */
export const EMBEDDED = !process.env.DATABASE_URL?.trim();
export const SERVER_URL: string = process.env.DATABASE_URL?.trim() || inject('embeddedServerUrl')!;

export interface TestDatabase {
  /** The new database's URL. */
  url: string;
  drop(): Promise<void>;
}

/** A fresh database; on the embedded server already migrated, else empty (the application migrates it). */
export async function createTestDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(SERVER_URL, 'xps_test', EMBEDDED ? TEMPLATE_DATABASE : undefined);
}

/** A fresh, empty database (schema tests). */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  return createScratchDatabase(SERVER_URL, 'xps_test');
}
