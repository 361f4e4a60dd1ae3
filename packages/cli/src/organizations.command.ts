import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { unwrap } from '@xelion-provisioning/client';
import { clientFor, type GlobalOptions } from './xprov.context.js';
import { act, EXIT, positiveInteger, printJson, printTable, UsageError } from './xprov.output.js';

export function registerOrganizationCommands(program: Command, globals: () => GlobalOptions): void {
  const orgs = program.command('orgs').description('your organization and the ones below it');
  orgs
    .command('list')
    .description("your organization's subtree, itself included")
    .action(
      act(async () => {
        const options = globals();
        const page = unwrap(await clientFor(options).GET('/api/v1/organizations', { params: { query: { limit: 100 } } }));
        if (options.json) printJson(page);
        else printTable(page.data, ['id', 'parentId', 'name', 'disabled', 'createdAt']);
        return EXIT.ok;
      }),
    );
  orgs
    .command('create')
    .description('create an organization below yours (or below --parent)')
    .argument('<name>', 'its name (1–100 characters)')
    .option('--parent <id>', 'the parent: your organization (default) or one below it', positiveInteger('parent id'))
    .action(
      act(async (name: string, flags: { parent?: number }) => {
        const options = globals();
        const created = unwrap(await clientFor(options).POST('/api/v1/organizations', { body: { name, parentId: flags.parent } }));
        if (options.json) printJson(created);
        else process.stdout.write(`organization ${created.id} "${created.name}" created below ${created.parentId}\n`);
        return EXIT.ok;
      }),
    );

  orgs
    .command('update')
    .description("rename an organization and/or set the Xelion servers its subtree's orders may target")
    .argument('<id>', 'the organization', positiveInteger('organization id'))
    .option('--name <name>', 'a new name')
    .option('--allowed-server-hosts <hosts>', 'comma-separated host names (or "none" to remove the list)')
    .action(
      act(async (organizationId: number, flags: { name?: string; allowedServerHosts?: string }) => {
        const options = globals();
        if (flags.name === undefined && flags.allowedServerHosts === undefined) throw new UsageError('give --name and/or --allowed-server-hosts');
        const hosts =
          flags.allowedServerHosts === undefined
            ? undefined
            : flags.allowedServerHosts === 'none'
              ? null
              : flags.allowedServerHosts.split(',').map((host) => host.trim()).filter((host) => host !== '');
        const updated = unwrap(
          await clientFor(options).PATCH('/api/v1/organizations/{id}', {
            params: { path: { id: organizationId } },
            body: { ...(flags.name !== undefined ? { name: flags.name } : {}), ...(hosts !== undefined ? { allowedServerHosts: hosts } : {}) },
          }),
        );
        if (options.json) printJson(updated);
        else {
          const allowed = updated.allowedServerHosts ? updated.allowedServerHosts.join(', ') : 'any';
          process.stdout.write(`organization ${updated.id} "${updated.name}"; Xelion servers allowed: ${allowed}\n`);
        }
        return EXIT.ok;
      }),
    );

  program
    .command('keys')
    .description("an organization's API keys")
    .command('create')
    .description('create an API key; it is printed once, store it now')
    .argument('<orgId>', 'the organization', positiveInteger('organization id'))
    .option('--name <name>', 'what the key is for')
    .action(
      act(async (organizationId: number, flags: { name?: string }) => {
        const options = globals();
        const created = unwrap(
          await clientFor(options).POST('/api/v1/organizations/{id}/api-keys', {
            params: { path: { id: organizationId } },
            body: flags.name ? { name: flags.name } : {},
          }),
        );
        // The one place xprov prints a secret: the answer that creates it is the only time it exists in clear.
        if (options.json) printJson(created);
        else {
          process.stderr.write(`API key ${created.id} "${created.name}" of organization ${organizationId}; store it now, it is not shown again:\n`);
          process.stdout.write(`${created.key}\n`);
        }
        return EXIT.ok;
      }),
    );

  const credentials = program
    .command('credentials')
    .description("an organization's credentials for external services (write-only)");
  credentials
    .command('list')
    .description('the keys an organization stores, whether each is shared, and when it changed (never a value)')
    .argument('<orgId>', 'the organization', positiveInteger('organization id'))
    .action(
      act(async (organizationId: number) => {
        const options = globals();
        const list = unwrap(await clientFor(options).GET('/api/v1/organizations/{id}/credentials', { params: { path: { id: organizationId } } }));
        if (options.json) printJson(list);
        else printTable(list.data, ['key', 'inherit', 'updatedAt']);
        return EXIT.ok;
      }),
    );
  for (const [name, inherit] of [
    ['share', true],
    ['unshare', false],
  ] as const) {
    credentials
      .command(name)
      .description(inherit ? "let descendants' orders use a stored credential (its group must be complete and shared)" : "stop descendants' orders from using a stored credential")
      .argument('<orgId>', 'the organization', positiveInteger('organization id'))
      .argument('<key>', 'the credential key, e.g. sipTrunk.password')
      .action(
        act(async (organizationId: number, key: string) => {
          const options = globals();
          const updated = unwrap(
            await clientFor(options).PATCH('/api/v1/organizations/{id}/credentials/{key}', { params: { path: { id: organizationId, key } }, body: { inherit } }),
          );
          if (options.json) printJson(updated);
          else process.stdout.write(`credential ${key} of organization ${organizationId} ${inherit ? 'shared with descendants' : 'no longer shared'}\n`);
          return EXIT.ok;
        }),
      );
  }
  credentials
    .command('set')
    .description('store or replace a credential; the value is read from stdin (never from the command line)')
    .argument('<orgId>', 'the organization', positiveInteger('organization id'))
    .argument('<key>', 'the credential key, e.g. numbers.apiKey')
    .option('--value-stdin', 'read the value from stdin (the default; kept for scripts that say so)')
    .option('--inherit', "share it with descendants' orders (the service's inherit flag; default: not shared)")
    .action(
      act(async (organizationId: number, key: string, flags: { inherit?: boolean }) => {
        const options = globals();
        const value = await readSecret(`value of ${key} (not echoed): `);
        if (value === '') throw new UsageError('empty value on stdin');
        unwrap(
          await clientFor(options).PUT('/api/v1/organizations/{id}/credentials/{key}', {
            params: { path: { id: organizationId, key } },
            body: { value, ...(flags.inherit ? { inherit: true } : {}) },
          }),
        );
        if (options.json) printJson({ organizationId, key, stored: true, inherit: flags.inherit === true });
        else process.stdout.write(`credential ${key} of organization ${organizationId} stored${flags.inherit ? ', shared with descendants' : ''}\n`);
        return EXIT.ok;
      }),
    );
}

/**
 * One secret from stdin: piped, the whole input without its final newline; on a terminal, one line
 * typed without echo (the prompt on stderr), so that it lands in neither the shell history nor the screen.
 */
async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  }
  process.stderr.write(prompt);
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent, terminal: true });
  try {
    return await new Promise<string>((resolve) => reader.once('line', resolve));
  } finally {
    reader.close();
    process.stderr.write('\n');
  }
}
