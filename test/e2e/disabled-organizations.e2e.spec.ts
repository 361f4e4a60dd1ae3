import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutorService } from '../../src/provisioning/executor.service.js';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../../tools/testing/webhook-receiver.js';

/**
 * docs/security.md, "Disabled organizations": an order of a disabled organization (or of one below a
 * disabled ancestor) is not started, and a running one starts no further step; either ends FAILED
 * with ORGANIZATION_DISABLED, announced by webhook. Retrying it and renaming the organization are 409.
 * The executor polls rarely and is driven with tick(), so an order waits where the test leaves it.
 */
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));
const TOKEN = 'canary-disabled-tenant-token-0d4a';

let app: TestApp;
let sim: RunningSimulator;
let receiver: WebhookReceiver;
let executor: ExecutorService;
let reseller: OrgWithKey;

async function provision(org: OrgWithKey): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key: org.key,
    body: SMALL_OFFICE,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN, 'X-Callback-Url': receiver.url(`/order-of-${org.id}`) },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

const order = async (id: number) => (await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY })).body;

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const failedWebhook = (org: OrgWithKey) =>
  until('the FAILED webhook', async () =>
    receiver.received.find((message) => message.path === `/order-of-${org.id}` && message.json?.data?.status === 'FAILED'),
  );

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }] });
  receiver = await WebhookReceiver.start();
  app = await startTestApp({ EXECUTOR_POLL_MS: '600000', WEBHOOK_POLL_MS: '50' });
  executor = app.app.get(ExecutorService);
  reseller = await createOrganization(app, ROOT_KEY, 'reseller');
  for (const [key, value] of Object.entries(simulatorCredentials(sim))) {
    const stored = await app.request('PUT', `/api/v1/organizations/${reseller.id}/credentials/${key}`, { key: reseller.key, body: { value, inherit: true } });
    expect(stored.status, stored.text).toBe(204);
  }
  expect((await app.request('PATCH', `/api/v1/organizations/${reseller.id}`, { key: reseller.key, body: { allowedServerHosts: ['127.0.0.1'] } })).status).toBe(200);
});
afterAll(async () => {
  await app?.close();
  await receiver?.close();
  await sim?.close();
});

describe('orders of a disabled organization', () => {
  it('are not started: FAILED with ORGANIZATION_DISABLED, webhook sent, nothing sent to Xelion', async () => {
    const customer = await createOrganization(app, reseller.key, 'disabled before its order ran', reseller.id);
    const id = await provision(customer);
    expect((await app.request('DELETE', `/api/v1/organizations/${customer.id}`, { key: reseller.key })).status).toBe(204);
    sim.reset();
    sim.addToken('pbx1', TOKEN);
    await executor.tick();
    await executor.idle();

    const failed = await order(id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toEqual({ code: 'ORGANIZATION_DISABLED', message: "the order's organization (or one of its ancestors) has been disabled", step: null });
    expect(sim.calls('pbx1').total).toBe(0);
    expect((await failedWebhook(customer)).json.data.error?.code).toBe('ORGANIZATION_DISABLED');
  });

  it('below a disabled ancestor are not started either', async () => {
    const middle = await createOrganization(app, reseller.key, 'middle', reseller.id);
    const customer = await createOrganization(app, middle.key, 'below middle', middle.id);
    const id = await provision(customer);
    // Disabling cascades through the API; an ancestor disabled alone (as after a partial failure) counts too.
    await app.dataSource.query('UPDATE organizations SET disabled_at = now() WHERE id = $1', [middle.id]);
    await executor.tick();
    await executor.idle();
    expect((await order(id)).error?.code).toBe('ORGANIZATION_DISABLED');
  });

  it('start no further step once the organization is disabled while one runs', async () => {
    const customer = await createOrganization(app, reseller.key, 'disabled while its order runs', reseller.id);
    const id = await provision(customer);
    sim.setOptions({ latencyMs: 150 });
    try {
      await executor.tick();
      await until('two steps done', async () => ((await order(id)).progress.done >= 2 ? true : undefined));
      expect((await app.request('DELETE', `/api/v1/organizations/${customer.id}`, { key: reseller.key })).status).toBe(204);
      await executor.idle();
    } finally {
      sim.setOptions({ latencyMs: 0 });
    }
    const failed = await order(id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error.code).toBe('ORGANIZATION_DISABLED');
    const steps = (await app.request('GET', `/api/v1/orders/${id}/steps`, { key: ROOT_KEY })).body.data as { name: string; status: string }[];
    expect(steps.filter((step) => step.status === 'DONE').length).toBeGreaterThanOrEqual(2);
    // The later steps never started, the trunk among them.
    expect(steps.find((step) => step.name === 'trunk')?.status).toBe('PENDING');
    expect(steps.some((step) => step.status === 'RUNNING')).toBe(false);
    const callsAtFailure = sim.calls('pbx1').total;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sim.calls('pbx1').total).toBe(callsAtFailure);
    expect((await failedWebhook(customer)).json.data.error?.code).toBe('ORGANIZATION_DISABLED');

    // A retry is refused like every other write about a disabled organization; so is a rename.
    const retry = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: reseller.key });
    expect(retry.status).toBe(409);
    expect(retry.body.message).toBe(`organization ${customer.id} is disabled; its orders cannot be retried`);
    expect((await order(id)).status).toBe('FAILED');
    const rename = await app.request('PATCH', `/api/v1/organizations/${customer.id}`, { key: reseller.key, body: { name: 'renamed' } });
    expect(rename.status).toBe(409);
    expect(rename.body.message).toBe(`organization ${customer.id} is disabled`);
    const hosts = await app.request('PATCH', `/api/v1/organizations/${customer.id}`, { key: reseller.key, body: { allowedServerHosts: null } });
    expect(hosts.status).toBe(409);
    expect((await app.request('GET', `/api/v1/organizations/${customer.id}`, { key: reseller.key })).body.name).toBe('disabled while its order runs');
  });
});
