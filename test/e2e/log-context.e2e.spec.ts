import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * docs/operations.md, "Logs": every line written while serving a request carries its `reqId` and the
 * caller's `organizationId`; every line written while running an order carries `orderId` and
 * `organizationId` — passed with the line, not through AsyncLocalStorage.
 */
const TOKEN = 'log-context-token-7d1';

let sim: RunningSimulator;
let app: TestApp;
let rootId: number;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function lines(containing: string): any[] {
  return app
    .logs()
    .split('\n')
    .filter((line) => line.includes(containing))
    .map((line) => JSON.parse(line));
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }] });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  rootId = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id;
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('log lines carry their request or order', () => {
  it('a line a service writes while serving a request names the request and the caller', async () => {
    const put = await app.request('PUT', `/api/v1/organizations/${rootId}/credentials/redirection.username`, {
      key: ROOT_KEY,
      body: { value: 'log-context-user' },
      headers: { 'x-request-id': 'log-ctx-credential' },
    });
    expect(put.status, put.text).toBe(204);
    const [line] = lines('redirection.username').filter((entry) => entry.msg === 'credential "redirection.username" stored for organization ' + rootId);
    expect(line).toMatchObject({ reqId: 'log-ctx-credential', organizationId: rootId });
    expect(JSON.stringify(line)).not.toContain('log-context-user');
  });

  it("an order's lines, the Xelion client's retry warning among them, name the order; its creation names the request too", async () => {
    sim.addFault({ route: 'GET /users', status: 503, times: 1 });
    const created = await app.request('POST', '/api/v1/provision', {
      key: ROOT_KEY,
      body: { version: 1, organization: { name: 'Log context' }, users: [{ email: 'log@context.example', lastName: 'Context', internalNumber: '201' }] },
      headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN, 'x-request-id': 'log-ctx-order' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const order = await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY });
      if (order.body.status === 'COMPLETED') break;
      expect(order.body.status).not.toBe('FAILED');
      if (Date.now() > deadline) throw new Error(`order ${id} is still ${order.body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ours = { orderId: id, organizationId: rootId };
    expect(lines(`order ${id} created`)).toEqual([expect.objectContaining({ ...ours, reqId: 'log-ctx-order' })]);
    expect(lines(`order ${id}: NOT_STARTED → IN_PROGRESS`)).toEqual([expect.objectContaining(ours)]);
    expect(lines(`order ${id}: IN_PROGRESS → COMPLETED`)).toEqual([expect.objectContaining(ours)]);
    expect(lines(`order ${id} completed`)).toEqual([expect.objectContaining(ours)]);
    const retry = lines('Xelion GET /users').filter((line) => line.msg.includes('retry 1'));
    expect(retry).toEqual([expect.objectContaining(ours)]);
    expect(app.logs()).not.toContain(TOKEN);
  });
});
