import type { Logger } from 'pino';
import type { RuntimeSettings } from '../../config/runtime-settings.js';
import { IN_MEMORY, type LogFormat } from '../../config/settings.js';

/** What happened during start-up that the banner reports: a root organization created with a generated key. */
interface StartupNotes {
  rootOrganization?: { id: number; name: string };
  /** The generated root API key, in clear: the one time the service shows it. */
  rootApiKey?: string;
}

// Keyed by the settings object of one application, so that two applications in one process (tests) never mix.
const notes = new WeakMap<RuntimeSettings, StartupNotes>();

export function noteRootOrganization(settings: RuntimeSettings, organization: { id: number; name: string }, generatedKey?: string): void {
  notes.set(settings, { rootOrganization: organization, rootApiKey: generatedKey });
}

/** Where the database is, without its password. */
export function describeDatabase(settings: Pick<RuntimeSettings, 'embedded' | 'dataDir' | 'databaseUrl'>): string {
  if (settings.embedded) {
    return settings.dataDir === IN_MEMORY ? 'embedded PostgreSQL, in memory' : `embedded PostgreSQL in ${settings.dataDir}`;
  }
  try {
    const url = new URL(settings.databaseUrl);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * One short report after start-up: where the service, its API docs and admin page are, which
 * database it uses and — on the first start only — the root API key with a command to try it. On a
 * terminal (pretty logs) it is a few plain lines; in JSON logs, one line with the same fields, so that a
 * log collector is not fed text it cannot parse. `adminPath` is where the admin page is mounted (its
 * module is a feature, which this lower layer does not import).
 */
export function announceStart(
  settings: RuntimeSettings,
  format: LogFormat,
  url: string,
  adminPath: string,
  logger: Logger,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const started = notes.get(settings);
  notes.delete(settings);
  const fields = {
    url,
    apiDocs: `${url}/api/docs`,
    adminPage: `${url}${adminPath}/`,
    database: describeDatabase(settings),
    ...(started?.rootApiKey ? { rootOrganizationId: started.rootOrganization?.id, rootApiKey: started.rootApiKey } : {}),
  };
  if (format === 'json') {
    logger.info(fields, started?.rootApiKey ? 'started; the root API key is shown only now' : 'started');
    return;
  }
  const lines = [
    '',
    '  Xelion Provisioning Service is running',
    '',
    `  Service     ${fields.url}`,
    `  API docs    ${fields.apiDocs}`,
    `  Admin page  ${fields.adminPage}`,
    `  Database    ${fields.database}`,
  ];
  if (started?.rootApiKey) {
    lines.push(
      '',
      `  Root API key (organization "${started.rootOrganization?.name}", shown only on this first start; store it now):`,
      `    ${started.rootApiKey}`,
      '',
      '  Next, try:',
      `    export XPROV_URL=${url} XPROV_API_KEY=${started.rootApiKey}`,
      '    npm run -s xprov -- test examples/small-office.json',
    );
  }
  out.write(`${lines.join('\n')}\n\n`);
}
