/**
 * Operator commands: `npm run cli -- <command> [options]`.
 *
 *   create-root --name NAME   create a top-level organization and print its first API key
 *   rewrap [--batch-size N] [--limit N]
 *                             re-encrypt every stored secret under the current ENCRYPTION_KEY; resumable
 *
 * They use the same settings as the service (DATABASE_URL, DATA_DIR, ...). On the embedded database,
 * stop the service first: its data directory belongs to one process at a time.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { loadSettings, SettingsError, type Settings } from './config/settings.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { startEmbeddedPostgres } from './database/embedded-postgres.js';
import { runMigrations, withSchemaLock } from './database/migrate.js';
import { createRootOrganization } from './organizations/root-organization.js';
import { rewrapSealedColumns } from './common/crypto/rewrap.js';
import { SEALED_COLUMNS } from './sealed-columns.js';
import { SecretBox } from './common/crypto/secret-box.js';
import { embeddedEncryptionKey } from './config/runtime-settings.js';

export interface CliContext {
  settings: Settings;
  dataSource: DataSource;
  args: string[];
  out: (line: string) => void;
}

type Command = (context: CliContext) => Promise<void>;

const commands: Record<string, { usage: string; run: Command }> = {
  'create-root': {
    usage: 'create-root --name NAME',
    run: async ({ dataSource, args, out }) => {
      const { values } = parseArgs({ args, options: { name: { type: 'string' } }, strict: true });
      const name = values.name?.trim();
      if (!name || name.length > 100) throw new UsageError('--name NAME is required (1 to 100 characters)');
      const { organization, generatedKey } = await createRootOrganization(dataSource.manager, name);
      out(`created organization "${organization.name}" (id ${organization.id})`);
      out(`API key (shown only now): ${generatedKey}`);
    },
  },
  rewrap: {
    usage: 'rewrap [--batch-size N] [--limit N]',
    // Re-seals values sealed under ENCRYPTION_KEYS_PREVIOUS under ENCRYPTION_KEY (docs/credentials.md).
    run: async ({ settings, dataSource, args, out }) => {
      const { values } = parseArgs({ args, options: { 'batch-size': { type: 'string' }, limit: { type: 'string' } }, strict: true });
      const count = (text: string | undefined, option: string): number | undefined => {
        if (text === undefined) return undefined;
        if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new UsageError(`${option} must be a positive whole number`);
        return Number(text);
      };
      const key = settings.encryptionKey ?? embeddedEncryptionKey(settings.dataDir).key;
      const box = new SecretBox(key, settings.previousEncryptionKeys);
      const result = await rewrapSealedColumns(dataSource, box, SEALED_COLUMNS.columns, {
        batchSize: count(values['batch-size'], '--batch-size'),
        limit: count(values.limit, '--limit'),
      });
      for (const column of result.columns) {
        out(column.present ? `${column.column}: ${column.resealed} re-sealed under key ${box.currentKeyId}` : `${column.column}: not in this database, skipped`);
        for (const failure of column.failed.slice(0, 20)) out(`  ${column.column} id ${failure.id}: ${failure.reason}`);
        if (column.failed.length > 20) out(`  ... and ${column.failed.length - 20} more in ${column.column}`);
      }
      if (!result.complete) out('stopped at --limit: run rewrap again to continue');
      if (result.failed > 0) throw new Error(`${result.failed} value(s) could not be opened and were left as they are (see above)`);
      if (result.complete) out('done: every stored secret is under the current key');
    },
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(`usage: npm run cli -- <command>\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}`);
    return 64;
  }
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (error instanceof SettingsError) {
      console.error(error.message);
      return 78;
    }
    throw error;
  }
  const embedded = settings.databaseUrl ? undefined : await startEmbeddedPostgres(settings.dataDir);
  const dataSource = await new DataSource(dataSourceOptions(settings.databaseUrl ?? embedded!.url, 2)).initialize();
  try {
    await withSchemaLock(dataSource, (runner) => runMigrations(dataSource, runner));
    await command.run({ settings, dataSource, args, out: (line) => console.log(line) });
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\nusage: npm run cli -- ${command.usage}`);
      return 64;
    }
    throw error;
  } finally {
    await dataSource.destroy();
    await embedded?.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
