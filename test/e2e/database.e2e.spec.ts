import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadSettings } from '../../src/config/settings.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { MIGRATIONS } from '../../src/database/migrations/index.js';
import { runMigrations, withSchemaLock } from '../../src/database/migrate.js';
import { createEmptyDatabase } from '../support/database.js';
import { request, ROOT_KEY } from '../support/test-app.js';

/** An empty database of its own for each test, on the run's server. */
async function freshDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const database = await createEmptyDatabase();
  return { url: database.url, close: () => database.drop() };
}

describe('schema', () => {
  it('entities and migrations describe the same schema (no drift)', async () => {
    const database = await freshDatabase();
    const dataSource = await new DataSource(dataSourceOptions(database.url, 2)).initialize();
    try {
      const ran = await withSchemaLock(dataSource, (runner) => runMigrations(dataSource, runner));
      expect(ran).toHaveLength(MIGRATIONS.length);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      const statements = pending.upQueries.map((query) => query.query);
      expect(statements, 'run `npm run migration:generate` and commit the migration').toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.close();
    }
  });

  it('every migration reverts cleanly, newest first', async () => {
    const database = await freshDatabase();
    const dataSource = await new DataSource(dataSourceOptions(database.url, 2)).initialize();
    try {
      await runMigrations(dataSource);
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      const tables: { table_name: string }[] = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
      await database.close();
    }
  });
});

describe('several instances on one PostgreSQL', () => {
  it('start at the same moment; migrations and the root organization happen once', async () => {
    const database = await createEmptyDatabase();
    const settings = loadSettings({
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      ROOT_API_KEY: ROOT_KEY,
      LOG_LEVEL: 'silent',
      EXECUTOR_ENABLED: 'false',
    });
    const apps = await Promise.all([createApp(settings), createApp(settings), createApp(settings)]);
    try {
      const [migrations] = await apps[0].app.get(DataSource).query('SELECT count(*)::int AS n FROM migrations');
      expect(migrations.n).toBe(MIGRATIONS.length);
      const [roots] = await apps[0].app.get(DataSource).query('SELECT count(*)::int AS n FROM organizations');
      expect(roots.n).toBe(1);
      for (const running of apps) {
        await running.app.listen({ port: 0, host: '127.0.0.1' });
        const { port } = running.app.getHttpServer().address() as { port: number };
        expect((await request(`http://127.0.0.1:${port}`, 'GET', '/api/v1/organizations/me', { key: ROOT_KEY })).status).toBe(200);
      }
    } finally {
      await Promise.all(apps.map((running) => running.close()));
      await database.drop();
    }
  });
});

describe('the embedded database', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('keeps data and its generated encryption key across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xps-data-'));
    dirs.push(dir);
    const settings = loadSettings({ DATA_DIR: dir, LOG_LEVEL: 'silent', EXECUTOR_ENABLED: 'false' });

    const first = await createApp(settings);
    const keyFile = readFileSync(join(dir, 'encryption.key'), 'utf8');
    const [root] = await first.app.get(DataSource).query('SELECT id FROM organizations');
    await first.app.get(DataSource).query(`INSERT INTO organizations (name, parent_id, ancestor_ids) VALUES ('kept', $1, ARRAY[$1]::int[])`, [root.id]);
    await first.close();

    const second = await createApp(settings);
    try {
      await second.app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(second.app.getHttpServer().address() as { port: number }).port}`;
      expect((await request(base, 'GET', '/health')).status).toBe(200);
      const names = await second.app.get(DataSource).query('SELECT name FROM organizations ORDER BY id');
      expect(names.map((row: { name: string }) => row.name)).toEqual(['root', 'kept']);
      expect(readFileSync(join(dir, 'encryption.key'), 'utf8')).toBe(keyFile);
      expect(second.settings.encryptionKey.toString('base64')).toBe(keyFile.trim());
    } finally {
      await second.close();
    }
  });

  it("imports an earlier version's PGlite data directory on the first start, then keeps it aside", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xps-pglite-'));
    dirs.push(dir);
    // DATA_DIR as an earlier version left it: PGlite files in pgdata, migrated, with rows.
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create({ dataDir: join(dir, 'pgdata') });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
    await server.start();
    const old = await new DataSource(dataSourceOptions(`postgres://postgres@${server.getServerConn()}/postgres`, 1)).initialize();
    await runMigrations(old);
    await old.query(`INSERT INTO organizations (name, ancestor_ids) VALUES ('old root', '{}')`);
    await old.query(`INSERT INTO organizations (name, parent_id, ancestor_ids) VALUES ('old child', 1, '{1}')`);
    await old.destroy();
    await server.stop();
    await db.close();

    const settings = loadSettings({ DATA_DIR: dir, LOG_LEVEL: 'silent', EXECUTOR_ENABLED: 'false' });
    const app = await createApp(settings);
    try {
      const dataSource = app.app.get(DataSource);
      await dataSource.query(`INSERT INTO organizations (name, parent_id, ancestor_ids) VALUES ('new', 1, '{1}')`);
      const rows = await dataSource.query('SELECT id, name FROM organizations ORDER BY id');
      expect(rows).toEqual([{ id: 1, name: 'old root' }, { id: 2, name: 'old child' }, { id: 3, name: 'new' }]);
    } finally {
      await app.close();
    }
    expect(existsSync(join(dir, 'pgdata'))).toBe(false);
    expect(existsSync(join(dir, 'pgdata.imported', 'PG_VERSION'))).toBe(true);
  });
});
