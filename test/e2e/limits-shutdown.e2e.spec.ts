import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';

/**
 * Shutdown is bounded and clean with an order running. main.ts answers
 * SIGTERM/SIGINT with exactly this close() (then exits 0), so the test drives close() itself rather than a
 * built process: the executor stops claiming, lets running steps finish for at most min(10 s,
 * LEASE_SECONDS) and releases the order; readiness answers 503 meanwhile; nothing fails on the way out.
 */
const TOKEN = 'canary-shutdown-token-5b2e';
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));
const LEASE_SECONDS = 4;

let sim: RunningSimulator;
let app: TestApp;
let closed = false;

beforeAll(async () => {
  // Slow answers, so that the order is still running when the shutdown starts.
  sim = await startSimulator({ port: 0, latencyMs: 150, tenants: [{ name: 'pbx1', tokens: [TOKEN] }] });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50', LEASE_SECONDS: String(LEASE_SECONDS) });
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  const credentials = simulatorCredentials(sim, 'canary-shutdown-trunk-password');
  for (const [name, value] of Object.entries(credentials)) {
    expect((await app.request('PUT', `/api/v1/organizations/${me.body.id}/credentials/${name}`, { key: ROOT_KEY, body: { value } })).status).toBe(204);
  }
});
afterAll(async () => {
  if (!closed) await app?.close();
  await sim?.close();
});

describe('shutdown with an order running', () => {
  it('turns readiness to 503, finishes within the bound, releases the order and logs no error', async () => {
    const created = await app.request('POST', '/api/v1/provision', {
      key: ROOT_KEY,
      body: SMALL_OFFICE,
      headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN },
    });
    expect(created.status, created.text).toBe(201);
    const id: number = created.body.id;
    // Running, with some steps done and others to go.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const order = await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY });
      if (order.body.status === 'IN_PROGRESS' && order.body.progress.done >= 2) break;
      expect(order.body.status, JSON.stringify(order.body.error)).not.toMatch(/COMPLETED|FAILED/);
      if (Date.now() > deadline) throw new Error(`order ${id} did not get going: ${order.text}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await app.request('GET', '/health/ready')).status).toBe(200);
    // From now on every Xelion call takes over a second, so the running steps are still busy while the
    // shutdown drains (the calls already in flight at 150 ms end first).
    sim.setOptions({ latencyMs: 1_200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const logLengthBefore = app.logs().length;

    const started = Date.now();
    let finished = false;
    const closing = app.close().then(() => {
      finished = true;
      closed = true;
    });
    // While the order drains, the HTTP server still answers and readiness says "stop sending traffic".
    const readiness: number[] = [];
    while (!finished) {
      try {
        readiness.push((await fetch(`${app.baseUrl}/health/ready`)).status);
      } catch {
        break; // the server has closed
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await closing;
    const elapsed = Date.now() - started;

    expect(elapsed, 'close() is bounded by min(10 s, LEASE_SECONDS) plus closing').toBeLessThan(LEASE_SECONDS * 1000 + 6_000);
    expect(readiness).toContain(503);
    expect(readiness.filter((status) => status !== 503 && status !== 200)).toEqual([]);

    const after = app.logs().slice(logLengthBefore);
    // The order was handed back (released at a step boundary, or by the bounded wait), or finished in time.
    expect(after).toMatch(new RegExp(`order ${id} released at shutdown|shutdown: released 1 order|order ${id} completed`));
    expect(after.split('\n').filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});
