import { InvalidArgumentError, type Command } from 'commander';
import { unwrap, type Order, type OrderStatus } from '@xelion-provisioning/client';
import { follow, printOrderResult } from './provision.command.js';
import { clientFor, type GlobalOptions } from './xprov.context.js';
import { act, EXIT, positiveInteger, printFields, printJson, printTable } from './xprov.output.js';

const STATUSES: OrderStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED'];

function status(value: string): OrderStatus {
  const upper = value.toUpperCase() as OrderStatus;
  if (!STATUSES.includes(upper)) throw new InvalidArgumentError(`status must be one of ${STATUSES.join(', ')}`);
  return upper;
}

function orderRow(order: Order): Record<string, unknown> {
  return {
    id: order.id,
    status: order.status,
    org: order.organizationId,
    tenant: `${order.tenant.name} @ ${order.tenant.serverUrl}`,
    progress: `${order.progress.done}/${order.progress.total}`,
    created: order.createdAt,
    error: order.error?.code,
  };
}

function printOrder(order: Order): void {
  printFields({
    id: order.id,
    status: order.status,
    organization: order.organizationId,
    tenant: `${order.tenant.name} @ ${order.tenant.serverUrl}`,
    progress: `${order.progress.done}/${order.progress.total}`,
    'current step': order.currentStep,
    'callback url': order.callbackUrl,
    created: order.createdAt,
    started: order.startedAt,
    finished: order.finishedAt,
    error: order.error ? `${order.error.code}: ${order.error.message}` : null,
  });
}

export function registerOrderCommands(program: Command, globals: () => GlobalOptions): void {
  const orders = program.command('orders').description('list, inspect, cancel and retry orders');
  const id = positiveInteger('order id');

  orders
    .command('list')
    .description("orders of your organization's subtree, newest first")
    .option('--status <status>', `only orders in this status (${STATUSES.join(', ')})`, status)
    .option('--organization <id>', 'only orders of this organization', positiveInteger('organization id'))
    .option('--limit <n>', 'at most this many (1–100)', positiveInteger('limit'))
    .action(
      act(async (flags: { status?: OrderStatus; organization?: number; limit?: number }) => {
        const options = globals();
        const page = unwrap(
          await clientFor(options).GET('/api/v1/orders', {
            params: { query: { status: flags.status, organizationId: flags.organization, limit: flags.limit } },
          }),
        );
        if (options.json) printJson(page);
        else printTable(page.data.map(orderRow), ['id', 'status', 'org', 'tenant', 'progress', 'created', 'error']);
        return EXIT.ok;
      }),
    );

  orders
    .command('get')
    .description('one order: status, progress, error and result')
    .argument('<id>', 'the order id', id)
    .action(
      act(async (orderId: number) => {
        const options = globals();
        const order = unwrap(await clientFor(options).GET('/api/v1/orders/{id}', { params: { path: { id: orderId } } }));
        if (options.json) printJson(order);
        else if (order.result) printOrderResult(order);
        else printOrder(order);
        return EXIT.ok;
      }),
    );

  orders
    .command('steps')
    .description("the order's step journal")
    .argument('<id>', 'the order id', id)
    .action(
      act(async (orderId: number) => {
        const options = globals();
        const steps = unwrap(await clientFor(options).GET('/api/v1/orders/{id}/steps', { params: { path: { id: orderId } } }));
        if (options.json) printJson(steps);
        else {
          printTable(
            steps.data.map((step) => ({ seq: step.seq, status: step.status, attempts: step.attempts, name: step.name, error: step.error?.message })),
            ['seq', 'status', 'attempts', 'name', 'error'],
          );
        }
        return EXIT.ok;
      }),
    );

  orders
    .command('cancel')
    .description('cancel an order that has not started (it becomes FAILED, CANCELLED)')
    .argument('<id>', 'the order id', id)
    .action(
      act(async (orderId: number) => {
        const options = globals();
        const order = unwrap(await clientFor(options).POST('/api/v1/orders/{id}/cancel', { params: { path: { id: orderId } } }));
        if (options.json) printJson(order);
        else process.stdout.write(`order ${order.id}: ${order.status}${order.error ? ` (${order.error.code})` : ''}\n`);
        return EXIT.ok;
      }),
    );

  orders
    .command('retry')
    .description('retry a FAILED order from its first unfinished step')
    .argument('<id>', 'the order id', id)
    .option('--token <token>', "a new tenant token (needed when the order's token was rejected or erased)")
    .option('--master-token <token>', "a park order: a new master-tenant session (needed when its master token was rejected or erased)")
    .option('--wait', 'follow the order to its end; exit 1 if it FAILED')
    .action(
      act(async (orderId: number, flags: { token?: string; masterToken?: string; wait?: boolean }) => {
        const options = globals();
        const client = clientFor(options);
        const order = unwrap(
          await client.POST('/api/v1/orders/{id}/retry', {
            params: {
              path: { id: orderId },
              header: { ...(flags.token ? { 'Xelion-Tenant-Token': flags.token } : {}), ...(flags.masterToken ? { 'Xelion-Master-Token': flags.masterToken } : {}) },
            },
          }),
        );
        if (!flags.wait) {
          if (options.json) printJson(order);
          else process.stdout.write(`order ${order.id}: ${order.status}\n`);
          return EXIT.ok;
        }
        const final = await follow(client, orderId, 1000);
        if (options.json) printJson(final);
        else printOrderResult(final);
        return final.status === 'COMPLETED' ? EXIT.ok : EXIT.failed;
      }),
    );

  orders
    .command('webhooks')
    .description("the order's webhook messages and their delivery attempts")
    .argument('<id>', 'the order id', id)
    .action(
      act(async (orderId: number) => {
        const options = globals();
        const list = unwrap(await clientFor(options).GET('/api/v1/orders/{id}/webhooks', { params: { path: { id: orderId } } }));
        if (options.json) printJson(list);
        else {
          printTable(
            list.data.map((message) => {
              const last = message.attempts.at(-1);
              const body = message.body as { data?: { status?: string } };
              return {
                mid: message.mid,
                type: message.type,
                order_status: body.data?.status,
                delivery: message.status,
                attempts: message.attempts.length,
                last_answer: last ? (last.httpStatus ?? last.error) : null,
                url: message.callbackUrl,
              };
            }),
            ['mid', 'type', 'order_status', 'delivery', 'attempts', 'last_answer', 'url'],
          );
        }
        return EXIT.ok;
      }),
    );
}
