import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/** One definition of the connection, shared by the application, the TypeORM CLI and the tests. */
export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    // Schema changes only through migrations (src/database/migrations), never synchronize.
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize,
    extra: { connectionTimeoutMillis: 10_000 },
  };
}
