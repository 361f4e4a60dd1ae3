import { createScratchDatabase } from '../../tools/support/postgres-admin.js';

/**
 * Tests run on the embedded database (PGlite, in memory) unless DATABASE_URL names a PostgreSQL
 * server; then each test application gets a fresh database of its own on that server, dropped after.
 */
export const SERVER_URL = process.env.DATABASE_URL?.trim() || undefined;

export interface TestDatabase {
  /** The URL for the application, or undefined for the embedded database. */
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!SERVER_URL) return { url: undefined, drop: async () => undefined };
  return createScratchDatabase(SERVER_URL, 'xps_test');
}
