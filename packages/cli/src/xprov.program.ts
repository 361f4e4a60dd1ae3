import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { registerOrderCommands } from './orders.command.js';
import { registerOrganizationCommands } from './organizations.command.js';
import { registerProvisionCommands } from './provision.command.js';
import { registerWebhookCommands } from './webhooks.command.js';
import { DEFAULT_URL, type GlobalOptions } from './xprov.context.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `xprov` command line (README of this package). Errors are thrown, not printed and exited, so main decides the exit code. */
export function createProgram(): Command {
  const program = new Command('xprov')
    .description('The Xelion Provisioning Service from the command line: test and provision configurations, follow orders.')
    .version(version)
    .addOption(new Option('--url <url>', 'where the service is').env('XPROV_URL').default(DEFAULT_URL))
    .addOption(new Option('--api-key <key>', 'your API key (prefer the environment variable: it stays out of the shell history)').env('XPROV_API_KEY'))
    .option('--json', "print the API's JSON instead of tables", false)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  registerProvisionCommands(program, globals);
  registerOrderCommands(program, globals);
  registerOrganizationCommands(program, globals);
  registerWebhookCommands(program, globals);
  // Subcommands inherit exitOverride only when set before they are added: set it on all of them.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(program);
  return program;
}
