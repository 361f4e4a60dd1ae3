import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations } from './migrate.js';

/** Where earlier versions kept the embedded database (PGlite) inside DATA_DIR, and where it goes once imported. */
export const PGLITE_DIR = 'pgdata';
export const PGLITE_IMPORTED_DIR = 'pgdata.imported';

/** True when DATA_DIR holds a PGlite data directory that has not been imported yet. */
export function hasPgliteData(base: string): boolean {
  return existsSync(join(base, PGLITE_DIR, 'PG_VERSION'));
}

/** Rows moved per INSERT (as one JSON document). */
const BATCH = 500;

/**
 * Copies every row of an earlier version's PGlite database (DATA_DIR/pgdata) into the new, empty embedded
 * server, then renames the old directory to `pgdata.imported` (README "Embedded database"). Both sides are
 * first migrated to this version's schema, so the tables match; the rows go as JSON, table by table, with
 * foreign keys and triggers off, identities kept and sequences set where they were.
 */
export async function importPgliteData(base: string, targetUrl: string, log: (line: string) => void): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  log(`importing the earlier embedded database (PGlite) from ${join(base, PGLITE_DIR)}`);
  const db = await PGlite.create({ dataDir: join(base, PGLITE_DIR) });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  try {
    const sourceUrl = `postgres://postgres@${server.getServerConn()}/postgres`;
    for (const url of [sourceUrl, targetUrl]) {
      const dataSource = await new DataSource(dataSourceOptions(url, 1)).initialize();
      try {
        await runMigrations(dataSource);
      } finally {
        await dataSource.destroy();
      }
    }
    const source = new pg.Client({ connectionString: sourceUrl });
    const target = new pg.Client({ connectionString: targetUrl });
    await source.connect();
    await target.connect();
    try {
      await copyRows(source, target, log);
    } finally {
      await source.end();
      await target.end();
    }
  } finally {
    await server.stop();
    await db.close();
  }
  renameSync(join(base, PGLITE_DIR), join(base, PGLITE_IMPORTED_DIR));
  log(`imported; the old files are kept in ${join(base, PGLITE_IMPORTED_DIR)} (delete it once the data is checked)`);
}

async function copyRows(source: pg.Client, target: pg.Client, log: (line: string) => void): Promise<void> {
  const tables = (
    await source.query<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY tablename`,
    )
  ).rows.map((row) => row.name);
  await target.query('BEGIN');
  try {
    // Replica mode: no foreign-key or trigger checks while tables arrive in any order.
    await target.query(`SET LOCAL session_replication_role = replica`);
    for (const table of tables) {
      const name = pg.escapeIdentifier(table);
      const rows = (await source.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM ${name} t`)).rows;
      for (let i = 0; i < rows.length; i += BATCH) {
        const batch = `[${rows.slice(i, i + BATCH).map((row) => row.row).join(',')}]`;
        await target.query(`INSERT INTO ${name} OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::${name}, $1::json)`, [batch]);
      }
      if (rows.length > 0) log(`  ${table}: ${rows.length} rows`);
    }
    const sequences = await source.query<{ name: string; last: string | null }>(
      `SELECT sequencename AS name, last_value::text AS last FROM pg_sequences WHERE schemaname = 'public'`,
    );
    for (const sequence of sequences.rows) {
      if (sequence.last !== null) await target.query(`SELECT setval($1, $2::bigint, true)`, [`public.${pg.escapeIdentifier(sequence.name)}`, sequence.last]);
    }
    await target.query('COMMIT');
  } catch (error) {
    await target.query('ROLLBACK');
    throw error;
  }
}
