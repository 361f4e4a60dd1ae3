import { randomBytes } from 'node:crypto';
import pg from 'pg';

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

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!SERVER_URL) return { url: undefined, drop: async () => undefined };
  const name = `xps_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
