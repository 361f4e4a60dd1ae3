import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { unwrap, waitForOrder, type Configuration, type ErrorResponse, type Order } from '@xelion-provisioning/client';
import { clientFor, readJsonFile, type GlobalOptions } from './xprov.context.js';
import { act, EXIT, printFields, printJson } from './xprov.output.js';

type Globals = () => GlobalOptions;

export function registerProvisionCommands(program: Command, globals: Globals): void {
  program
    .command('test')
    .description('validate a configuration (no API key needed); prints each error as <JSON Pointer>: <message>')
    .argument('<file>', 'the configuration, a JSON file (- for stdin)')
    .action(
      act(async (file: string) => {
      const options = globals();
      const client = clientFor(options, false);
      const body = readJsonFile(file) as Configuration;
      const { error, response } = await client.POST('/api/v1/provision/test', { body });
      if (response.ok) {
        if (options.json) printJson({ valid: true });
        else process.stdout.write(`${file}: valid\n`);
        return EXIT.ok;
      }
      const problem = error as ErrorResponse | undefined;
      if (options.json) {
        printJson(problem);
      } else if (problem?.errors) {
        for (const item of problem.errors) process.stdout.write(`${item.path}: ${item.message}\n`);
        process.stderr.write(`${file}: ${problem.errors.length} error${problem.errors.length === 1 ? '' : 's'}\n`);
      } else {
        unwrap({ error, response });
      }
      return EXIT.failed;
      }),
    );

  program
    .command('provision')
    .description('create a provisioning order for a Xelion tenant; prints the order id')
    .argument('<file>', 'the configuration, a JSON file (- for stdin)')
    .requiredOption('--server-url <url>', "the Xelion server, e.g. https://my.server.xelion.com (Xelion-Server-Url)")
    .requiredOption('--tenant <name>', 'the tenant name on that server (Xelion-Tenant-Name)')
    .option('--token <token>', "a session token of the tenant (Xelion-Tenant-Token); see the README's \"Getting a tenant token\"")
    .option('--master-token <token>', 'a park order: a master-tenant session (Xelion-Master-Token) instead of --token; the order takes a tenant from the park and names it --tenant')
    .option('--licenses <counts>', 'a park order: the licence counts the tenant gets (Xelion-Tenant-Licenses), e.g. "user=25, phone=25"')
    .option('--callback-url <url>', 'where status changes are POSTed (X-Callback-Url)')
    .option('--idempotency-key <key>', 'the same key and request within 24 hours returns the same order')
    .option('--wait', 'follow the order to its end with a progress bar on stderr; exit 1 if it FAILED')
    .option('--interval <ms>', 'with --wait: time between two reads of the order', (value) => Number(value), 1000)
    .action(
      act(async (file: string, flags: ProvisionFlags) => {
      const options = globals();
      const client = clientFor(options);
      const body = readJsonFile(file) as Configuration;
      const created = unwrap(
        await client.POST('/api/v1/provision', {
          body,
          params: {
            header: {
              'Xelion-Server-Url': flags.serverUrl,
              'Xelion-Tenant-Name': flags.tenant,
              // Neither token: a park order with the organization's stored park.* credentials (the service says when none apply).
              ...(flags.token ? { 'Xelion-Tenant-Token': flags.token } : {}),
              ...(flags.masterToken ? { 'Xelion-Master-Token': flags.masterToken } : {}),
              ...(flags.licenses ? { 'Xelion-Tenant-Licenses': flags.licenses } : {}),
              ...(flags.callbackUrl ? { 'X-Callback-Url': flags.callbackUrl } : {}),
              ...(flags.idempotencyKey ? { 'Idempotency-Key': flags.idempotencyKey } : {}),
            },
          },
        }),
      );
      if (!flags.wait) {
        if (options.json) printJson(created);
        else process.stdout.write(`${created.id}\n`);
        return EXIT.ok;
      }
      if (!options.json) process.stderr.write(`order ${created.id} created; following it\n`);
      const order = await follow(client, created.id, flags.interval);
      if (options.json) printJson(order);
      else printOrderResult(order);
      return order.status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
      }),
    );
}

interface ProvisionFlags {
  serverUrl: string;
  tenant: string;
  token?: string;
  masterToken?: string;
  licenses?: string;
  callbackUrl?: string;
  idempotencyKey?: string;
  wait?: boolean;
  interval: number;
}

/** Follows an order with a progress bar on stderr (lines every second when stderr is not a terminal). */
export async function follow(client: ReturnType<typeof clientFor>, id: number, intervalMs: number): Promise<Order> {
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'order {id} [{bar}] {value}/{total} steps | {status} {step}',
    barsize: 30,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 1000,
  });
  let started = false;
  try {
    return await waitForOrder(client, id, {
      intervalMs,
      onUpdate: (order) => {
        const payload = { id, status: order.status, step: order.currentStep ?? '' };
        const total = Math.max(order.progress.total, 1);
        if (!started) {
          bar.start(total, order.progress.done, payload);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(order.progress.done, payload);
        }
      },
    });
  } finally {
    if (started) bar.stop();
  }
}

export function printOrderResult(order: Order): void {
  const fields: Record<string, unknown> = { order: order.id, status: order.status };
  if (order.error) {
    fields.error = `${order.error.code}: ${order.error.message}`;
    if (order.error.step) fields['failed step'] = order.error.step;
    if (order.error.code === 'TENANT_TOKEN_REJECTED' || order.error.code === 'TENANT_TOKEN_UNREADABLE') {
      fields.next = `xprov orders retry ${order.id} --token <a new tenant token>`;
    }
    if (order.error.code === 'PARK_LOGIN_REJECTED' || order.error.code === 'PARK_ACCESS_REFUSED') {
      fields.next = `xprov orders retry ${order.id} --master-token <a master administrator's session>`;
    }
  }
  if (order.result) {
    const counts = (record: Record<string, number>) =>
      Object.entries(record).map(([kind, count]) => `${kind} ${count}`).join(', ') || '-';
    fields.created = counts(order.result.created);
    fields.updated = counts(order.result.updated);
    fields.found = counts(order.result.found);
    for (const number of order.result.numbersAllocated) fields[`number ${number.label}`] = `${number.number} (${number.owner})`;
    for (const warning of order.result.warnings) fields.warning = warning;
  }
  printFields(fields);
}
