import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** Where the embedded database keeps its files, or `memory` for a throw-away database (tests). */
export const IN_MEMORY = 'memory';

export interface EmbeddedPostgres {
  /** A postgres:// URL that the ordinary `pg` driver connects to. */
  url: string;
  close(): Promise<void>;
}

/**
 * PostgreSQL without a server: PGlite (PostgreSQL compiled to WebAssembly) served in-process over the
 * PostgreSQL wire protocol by pglite-socket, on a random loopback port. The application reaches it
 * through the same `pg` driver and TypeORM code as a real server.
 *
 * PGlite is one backend: pglite-socket multiplexes connections and runs one transaction at a time.
 * Code must therefore never wait, inside a transaction, on a query sent over another connection.
 */
export async function startEmbeddedPostgres(dataDir: string, template?: Blob): Promise<EmbeddedPostgres> {
  let db: PGlite;
  if (dataDir === IN_MEMORY) {
    // A template (a data directory dumped by `dumpEmbeddedTemplate`) skips initdb: tests start much faster.
    db = await PGlite.create(template ? { loadDataDir: template } : {});
  } else {
    const dir = resolve(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    db = await PGlite.create({ dataDir: dir });
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * A fresh in-memory database with the given setup applied, dumped as a data-directory tarball that
 * `startEmbeddedPostgres(IN_MEMORY, template)` starts from. Tests build one per run.
 */
export async function dumpEmbeddedTemplate(setup: (url: string) => Promise<void>): Promise<Blob> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  try {
    await setup(`postgres://postgres@${server.getServerConn()}/postgres`);
  } finally {
    await server.stop();
  }
  const dump = await db.dumpDataDir('none');
  await db.close();
  return dump;
}
