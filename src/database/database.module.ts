import { DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { RuntimeSettings } from '../config/runtime-settings.js';
import { noteRootOrganization } from '../common/logging/startup-banner.js';
import { ensureRootOrganization } from '../organizations/root-organization.js';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations, withSchemaLock } from './migrate.js';

const logger = new Logger('Database');

/**
 * Connects, then — under one advisory lock, so that instances starting together take turns —
 * applies pending migrations and, on a database without organizations, creates the root one.
 */
async function prepare(dataSource: DataSource, settings: RuntimeSettings): Promise<void> {
  await withSchemaLock(dataSource, async (runner) => {
    const ran = await runMigrations(dataSource, runner);
    if (ran.length > 0) logger.log(`applied migrations: ${ran.join(', ')}`);
    const root = await ensureRootOrganization(runner.manager, settings.rootOrganizationName, settings.rootApiKey);
    if (!root) return;
    noteRootOrganization(settings, root.organization, root.generatedKey);
    if (root.generatedKey) {
      // The key itself is shown once, by the start-up banner (common/logging/startup-banner.ts), at the end of start-up.
      logger.warn(`created root organization "${root.organization.name}" (id ${root.organization.id}) with a generated API key, shown once below`);
    } else {
      logger.log(`created root organization "${root.organization.name}" (id ${root.organization.id}) with ROOT_API_KEY as its key`);
    }
  });
}

@Module({})
export class DatabaseModule {
  static forRoot(settings: RuntimeSettings): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(settings.databaseUrl),
          dataSourceFactory: async (options) => {
            const dataSource = await new DataSource(options!).initialize();
            await prepare(dataSource, settings);
            return dataSource;
          },
        }),
      ],
    };
  }
}
