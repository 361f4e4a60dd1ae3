import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { dumpEmbeddedTemplate } from '../src/database/embedded-postgres.js';
import { runMigrations } from '../src/database/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A dumped PGlite data directory with every migration applied (embedded-database runs only). */
    pgliteTemplatePath: string | null;
  }
}

/**
 * Once per run: on the embedded database, build one migrated PGlite data directory that every test
 * application starts from, instead of running initdb and the migrations in each test file.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.DATABASE_URL?.trim()) {
    project.provide('pgliteTemplatePath', null);
    return () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'xps-template-'));
  const path = join(dir, 'template.tar');
  const dump = await dumpEmbeddedTemplate(async (url) => {
    const dataSource = await new DataSource(dataSourceOptions(url, 1)).initialize();
    try {
      await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
  });
  writeFileSync(path, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplatePath', path);
  return () => rmSync(dir, { recursive: true, force: true });
}
