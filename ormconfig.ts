/**
 * The TypeORM CLI's data source (`npm run migration:generate | migration:run | migration:revert`).
 * With DATABASE_URL it works on that server; without it on the embedded database in DATA_DIR.
 */
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/database/data-source-options.js';
import { startEmbeddedPostgres } from './src/database/embedded-postgres.js';

const serverUrl = process.env.DATABASE_URL?.trim();
const url = serverUrl || (await startEmbeddedPostgres(process.env.DATA_DIR?.trim() || './data')).url;

export default new DataSource(dataSourceOptions(url, 2));
