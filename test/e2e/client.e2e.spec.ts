import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiRequestError,
  createProvisioningClient,
  unwrap,
  verifyWebhook,
  waitForOrder,
  type Configuration,
  type OrderStatusChangedEvent,
  type ProvisioningClient,
} from '../../packages/client/src/index.js';
import { CONFIGURATION_EXAMPLE } from '../../src/configuration/configuration.example.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** The typed client (packages/client) against a real service and the Xelion simulator. */
let sim: RunningSimulator;
let app: TestApp;
let client: ProvisioningClient;
let receiver: Server;
const received: { body: string; headers: Record<string, string | string[] | undefined> }[] = [];

beforeAll(async () => {
  sim = await startTestSimulator();
  app = await startTestApp({ EXECUTOR_POLL_MS: '50', WEBHOOK_POLL_MS: '50' });
  client = createProvisioningClient({ baseUrl: app.baseUrl, apiKey: ROOT_KEY });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await app?.close();
  await sim?.close();
});

describe('packages/client', () => {
  it('src/schema.ts is generated from docs/openapi.json (run `npm run openapi`)', () => {
    // Throws (exit 1, with the message) when the committed file is stale.
    const output = execFileSync(process.execPath, ['packages/client/scripts/generate.mjs', '--check'], { encoding: 'utf8' });
    expect(output).toContain('up to date');
  });

  it('provisions an order through the client, follows it to COMPLETED, and verifies its webhooks', async () => {
    const me = unwrap(await client.GET('/api/v1/organizations/me'));
    for (const [key, value] of Object.entries(simulatorCredentials(sim))) {
      unwrap(await client.PUT('/api/v1/organizations/{id}/credentials/{key}', { params: { path: { id: me.id, key } }, body: { value } }));
    }
    const configuration: Configuration = CONFIGURATION_EXAMPLE as Configuration;
    const tested = await client.POST('/api/v1/provision/test', { body: configuration });
    expect(tested.response.status).toBe(200);

    const port = (receiver.address() as AddressInfo).port;
    const created = await client.POST('/api/v1/provision', {
      body: configuration,
      params: {
        header: {
          'Xelion-Server-Url': sim.url,
          'Xelion-Tenant-Name': SIM_TENANT,
          'Xelion-Tenant-Token': SIM_TOKEN,
          'X-Callback-Url': `http://127.0.0.1:${port}/hook`,
        },
      },
    });
    expect(created.response.status).toBe(201);
    const seen: string[] = [];
    const order = await waitForOrder(client, created.data!.id, { intervalMs: 100, timeoutMs: 30_000, onUpdate: (o) => seen.push(o.status) });
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    expect(order.status).toBe('COMPLETED');
    expect(order.result!.created.user).toBe(2);
    expect(seen.at(-1)).toBe('COMPLETED');

    const { secret } = unwrap(await client.GET('/api/v1/organizations/{id}/webhook-secret', { params: { path: { id: me.id } } }));
    const deadline = Date.now() + 15_000;
    while (!received.some((message) => message.body.includes('"COMPLETED"')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events: OrderStatusChangedEvent[] = received.map((message) => verifyWebhook(secret, message.body, message.headers));
    expect(events.map((event) => event.data.status)).toEqual(['IN_PROGRESS', 'COMPLETED']);
    expect(events.every((event) => event.type === 'orderStatusChanged' && event.data.id === order.id)).toBe(true);
    // A changed body no longer verifies.
    expect(() => verifyWebhook(secret, received[0].body.replace('IN_PROGRESS', 'FAILED'), received[0].headers)).toThrow();

    const steps = unwrap(await client.GET('/api/v1/orders/{id}/steps', { params: { path: { id: order.id } } }));
    expect(steps.data.every((step) => step.status === 'DONE')).toBe(true);
    const page = unwrap(await client.GET('/api/v1/orders', { params: { query: { status: 'COMPLETED' } } }));
    expect(page.data.map((item) => item.id)).toContain(order.id);
  });

  it('reports a refused request as ApiRequestError with the typed error body', async () => {
    const stranger = createProvisioningClient({ baseUrl: app.baseUrl, apiKey: 'not-a-key-'.padEnd(40, 'x') });
    const refused = await stranger.GET('/api/v1/orders/{id}', { params: { path: { id: 1 } } });
    expect(refused.response.status).toBe(401);
    expect(() => unwrap(refused)).toThrow(ApiRequestError);

    const invalid = await client.POST('/api/v1/provision/test', { body: { version: 1, organization: { name: '' } } as unknown as Configuration });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error!.errors![0]).toMatchObject({ path: '/organization/name' });
  });
});
