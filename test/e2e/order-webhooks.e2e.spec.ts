import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../../tools/testing/webhook-receiver.js';

/**
 * Orders and webhooks together, through the public API only: the executor runs real orders against
 * the simulator and every status change reaches a receiver that verifies it with `standardwebhooks`.
 */
const MINIMAL = JSON.parse(readFileSync('examples/minimal.json', 'utf8'));

let app: TestApp;
let sim: RunningSimulator;
let receiver: WebhookReceiver;

beforeAll(async () => {
  sim = await startTestSimulator();
  app = await startTestApp({ EXECUTOR_POLL_MS: '50', WEBHOOK_POLL_MS: '50' });
  const me = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body;
  for (const [key, value] of Object.entries(simulatorCredentials(sim))) {
    expect((await app.request('PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { key: ROOT_KEY, body: { value } })).status).toBe(204);
  }
  const secret = (await app.request('GET', `/api/v1/organizations/${me.id}/webhook-secret`, { key: ROOT_KEY })).body.secret;
  receiver = await WebhookReceiver.start([secret]);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
  await receiver?.close();
});

async function provision(path: string, token = SIM_TOKEN): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key: ROOT_KEY,
    body: MINIMAL,
    headers: {
      'xelion-server-url': sim.url,
      'xelion-tenant-name': SIM_TENANT,
      'xelion-tenant-token': token,
      'x-callback-url': receiver.url(path),
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

function statuses(path: string): string[] {
  return receiver.messages(path).map((message) => message.json.data.status);
}

describe('an order with a callback URL', () => {
  it('reports each status change, signed, in order, with strictly increasing mids', async () => {
    const id = await provision('/completed');
    await receiver.waitFor(() => statuses('/completed').includes('COMPLETED'), 30_000, 'COMPLETED');
    const messages = receiver.messages('/completed');
    expect(statuses('/completed')).toEqual(['IN_PROGRESS', 'COMPLETED']);
    for (const message of messages) {
      expect(message.verified).toBe(true);
      expect(message.contentType).toMatch(/^application\/json/);
      expect(message.json).toMatchObject({ type: 'orderStatusChanged', data: { id } });
      expect(message.id).toBe(String(message.json.mid));
    }
    expect(messages[1].json.mid).toBeGreaterThan(messages[0].json.mid);
    expect(messages[1].json.data.previousStatus).toBe('IN_PROGRESS');
    // The receiver has the message before the dispatcher has its answer and records it: wait for the record.
    let recorded: string[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const log = await app.request('GET', `/api/v1/orders/${id}/webhooks`, { key: ROOT_KEY });
      recorded = log.body.data.map((message: { status: string }) => message.status);
      if (recorded.every((status) => status !== 'pending')) break;
    }
    expect(recorded).toEqual(['delivered', 'delivered']);
  });

  it('reports a failure with its cause, then the retry back to NOT_STARTED and on to COMPLETED', async () => {
    const id = await provision('/retried', 'a-token-xelion-rejects');
    await receiver.waitFor(() => statuses('/retried').includes('FAILED'), 30_000, 'FAILED');
    const failed = receiver.messages('/retried').find((message) => message.json.data.status === 'FAILED')!;
    expect(failed.json.data.error).toMatchObject({ code: 'TENANT_TOKEN_REJECTED' });

    const retried = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: ROOT_KEY, headers: { 'xelion-tenant-token': SIM_TOKEN } });
    expect(retried.status, retried.text).toBe(200);
    await receiver.waitFor(() => statuses('/retried').includes('COMPLETED'), 30_000, 'COMPLETED after retry');
    expect(statuses('/retried')).toEqual(['IN_PROGRESS', 'FAILED', 'NOT_STARTED', 'IN_PROGRESS', 'COMPLETED']);
    const mids = receiver.messages('/retried').map((message) => message.json.mid);
    expect([...mids].sort((a, b) => a - b)).toEqual(mids);
    expect(receiver.messages('/retried').every((message) => message.verified)).toBe(true);
    expect(app.logs()).not.toContain(SIM_TOKEN);
  });
});
