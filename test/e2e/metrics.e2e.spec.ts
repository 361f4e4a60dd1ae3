import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { MetricsServer } from '../../src/metrics/metrics-server.js';
import { ExecutorService } from '../../src/provisioning/executor.service.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';

/** GET /metrics: the families, their labels, and no secrets. */
const TOKEN = 'canary-metrics-tenant-token-7e1f';
const TRUNK_PASSWORD = 'canary-metrics-trunk-password-41c';
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));

let sim: RunningSimulator;
let app: TestApp;
let receiver: Server;
let receiverUrl: string;
const delivered: string[] = [];

/** The value of one sample, e.g. sample(text, 'xps_orders{status="COMPLETED"}'); undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Sum of every sample of a family whose labels include all of `labels` (e.g. 'outcome="done"'). */
function total(text: string, name: string, ...labels: string[]): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .filter((l) => labels.every((label) => l.includes(label)))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function scrape(): Promise<string> {
  const response = await app.request('GET', '/metrics');
  expect(response.status, response.text).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text;
}

async function provision(): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key: ROOT_KEY,
    body: SMALL_OFFICE,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN, 'X-Callback-Url': receiverUrl },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

async function waitFor(id: number, status: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY });
    if (response.body.status === status) return;
    if (Date.now() > deadline) throw new Error(`order ${id} is ${response.body.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      delivered.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }] });
  // The executor claims only when the test calls tick() (a poll far in the future), so that an order can be
  // put into the state a dead instance leaves behind before anything claims it.
  app = await startTestApp({ EXECUTOR_POLL_MS: '600000', WEBHOOK_POLL_MS: '50' });
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  const credentials = simulatorCredentials(sim, TRUNK_PASSWORD);
  for (const [name, value] of Object.entries(credentials)) {
    const response = await app.request('PUT', `/api/v1/organizations/${me.body.id}/credentials/${name}`, { key: ROOT_KEY, body: { value } });
    expect(response.status, response.text).toBe(204);
  }
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('GET /metrics', () => {
  it('counts HTTP requests by route pattern and status, never by URL', async () => {
    const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
    expect((await app.request('GET', `/api/v1/organizations/${me.body.id}`, { key: ROOT_KEY })).status).toBe(200);
    expect((await app.request('GET', '/api/v1/organizations/987654', { key: ROOT_KEY })).status).toBe(404);
    expect((await app.request('GET', '/api/v1/organizations/987654')).status).toBe(401);
    expect((await app.request('GET', '/no/such/path/4242')).status).toBe(404);
    const text = await scrape();
    expect(sample(text, 'xps_http_requests_total{method="GET",route="/api/v1/organizations/:id",status="200"}')).toBe(1);
    expect(sample(text, 'xps_http_requests_total{method="GET",route="/api/v1/organizations/:id",status="404"}')).toBe(1);
    expect(sample(text, 'xps_http_requests_total{method="GET",route="/api/v1/organizations/:id",status="401"}')).toBe(1);
    expect(sample(text, 'xps_http_request_duration_seconds_count{method="GET",route="/api/v1/organizations/:id",status="200"}')).toBe(1);
    expect(text).toMatch(/xps_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/organizations\/:id",status="200"\} \d/);
    expect(sample(text, 'xps_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    // The ids in the URLs are in no label (values are numbers, which may hold those digits by chance).
    const labels = [...text.matchAll(/\{[^}]*\}/g)].map((match) => match[0]);
    expect(labels.length).toBeGreaterThan(10);
    expect(labels.filter((set) => set.includes('987654') || set.includes('4242'))).toEqual([]);
    expect(text).toContain('xps_process_cpu_seconds_total');
  });

  it('runs an order against the simulator: steps, Xelion calls, webhooks, orders by status, take-overs', async () => {
    const secret = await app.request('GET', `/api/v1/organizations/${(await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id}/webhook-secret`, { key: ROOT_KEY });
    expect(secret.status, secret.text).toBe(200);
    const executor = app.app.get(ExecutorService);

    const first = await provision();
    await executor.tick();
    await waitFor(first, 'COMPLETED');
    await executor.idle();

    // A second order left IN_PROGRESS by an instance whose lease ran out: this instance takes it over.
    const second = await provision();
    const updated = await app.dataSource.query(
      `UPDATE orders SET status = 'IN_PROGRESS', started_at = now(), locked_by = 'dead-instance', locked_until = now() - interval '1 second'
        WHERE id = $1 AND status = 'NOT_STARTED'`,
      [second],
    );
    expect(updated[1]).toBe(1);
    await executor.tick();
    await waitFor(second, 'COMPLETED');
    await executor.idle();

    // A third one, cancelled: FAILED. A fourth stays NOT_STARTED (nothing claims it).
    const third = await provision();
    expect((await app.request('POST', `/api/v1/orders/${third}/cancel`, { key: ROOT_KEY })).status).toBe(200);
    await provision();

    // Every status change has been delivered to the receiver.
    const expectedMessages: number = (await app.dataSource.query(`SELECT count(*)::int AS n FROM webhook_messages`))[0].n;
    const deadline = Date.now() + 20_000;
    while (delivered.length < expectedMessages && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 200));

    const text = await scrape();
    const rows: { status: string; n: number }[] = await app.dataSource.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
    const counts = Object.fromEntries(rows.map((row) => [row.status, row.n]));
    expect(counts).toEqual({ COMPLETED: 2, FAILED: 1, NOT_STARTED: 1 });
    for (const status of ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED', 'FAILED']) {
      expect(sample(text, `xps_orders{status="${status}"}`), status).toBe(counts[status] ?? 0);
    }

    const stepsDone = await app.dataSource.query(`SELECT count(*)::int AS n FROM order_steps WHERE status = 'DONE'`);
    expect(total(text, 'xps_order_steps_total', 'outcome="done"')).toBe(stepsDone[0].n);
    expect(total(text, 'xps_order_step_duration_seconds_count', 'outcome="done"')).toBe(stepsDone[0].n);
    expect(text).toMatch(/xps_order_steps_total\{kind="[a-z_.-]+",outcome="done"\} \d+/i);
    expect(sample(text, 'xps_order_leases_taken_over_total')).toBe(1);

    expect(total(text, 'xps_xelion_requests_total', 'result="success"')).toBeGreaterThan(10);
    expect(total(text, 'xps_xelion_requests_total', 'method="POST"')).toBeGreaterThan(0);
    expect(total(text, 'xps_xelion_request_duration_seconds_count')).toBe(total(text, 'xps_xelion_requests_total'));

    expect(delivered.length).toBeGreaterThanOrEqual(expectedMessages);
    expect(sample(text, 'xps_webhook_attempts_total{outcome="delivered"}')).toBe(expectedMessages);
    expect(sample(text, 'xps_webhook_delivery_lag_seconds_count')).toBe(expectedMessages);
    expect(sample(text, 'xps_webhook_delivery_lag_seconds_sum')).toBeGreaterThan(0);

    // The executor's lines carry the order and organization they were written for.
    const lines = app.logs().split('\n').filter((line) => line.includes('"context":"Executor"') && line.includes(`"orderId":${first}`));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/"organizationId":\d+/);

    // No secret anywhere in the metrics.
    for (const secretValue of [ROOT_KEY, TOKEN, TRUNK_PASSWORD, sim.options.numbersApiKey, sim.options.redirectionPassword, secret.body.secret]) {
      if (typeof secretValue === 'string' && secretValue !== '') expect(text).not.toContain(secretValue);
    }
    expect(text).not.toContain(sim.url.replace(/^https?:\/\//, ''));
    expect(text).not.toContain(receiverUrl);
  });
});

describe('METRICS_PORT and METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'metrics-token-for-the-scraper-only';
  let other: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    other = await startTestApp({ METRICS_PORT: '0', METRICS_TOKEN, EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    metricsUrl = `http://127.0.0.1:${other.app.get(MetricsServer).port}/metrics`;
  });
  afterAll(() => other?.close());

  it('serves /metrics on its own port only, with the bearer token', async () => {
    const onMain = await other.request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(onMain.status).toBe(404);
    expect(onMain.body.message).toContain('METRICS_PORT');

    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
    const ok = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toContain('xps_http_requests_total{method="GET",route="/metrics",status="404"} 1');
    expect(text).toContain('xps_orders{status="NOT_STARTED"} 0');
    expect((await fetch(metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('on the main port, METRICS_TOKEN is required when set', async () => {
    const guarded = await startTestApp({ METRICS_TOKEN, EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
    try {
      const refused = await guarded.request('GET', '/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(refused.headers.get('www-authenticate')).toContain('Bearer');
      // An API key is not a metrics token.
      expect((await guarded.request('GET', '/metrics', { key: ROOT_KEY })).status).toBe(401);
      const ok = await guarded.request('GET', '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('xps_orders{status="COMPLETED"} 0');
      expect(guarded.logs()).not.toContain(METRICS_TOKEN);
    } finally {
      await guarded.close();
    }
  });
});
