/**
 * Webhook benchmark: the time from a status change's commit to its delivery at
 * a local receiver (p50, p99), and messages delivered per second with many orders. The application runs
 * in this process (the receiver too, on loopback) at the DEFAULT poll settings (WEBHOOK_POLL_MS=250),
 * on the embedded database, or on DATABASE_URL (a fresh database is not created: use an empty one).
 *
 *   npm run build && node dist/bench/webhooks.bench.js
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createApp, type RunningApp } from '../src/app.js';
import { loadSettings } from '../src/config/settings.js';
import { WebhookWakeup } from '../src/webhooks/webhook-wakeup.js';
import { OrderLifecycle } from '../src/orders/order-lifecycle.js';
import type { OrderStatus } from '../src/orders/order.entity.js';
import { machine, percentile, writeSection } from './support/report.js';

const LATENCY_MESSAGES = Number(process.env.BENCH_WEBHOOK_LATENCY_MESSAGES ?? 300);
const THROUGHPUT_ORDERS = Number(process.env.BENCH_WEBHOOK_ORDERS ?? 500);
const CHANGES_PER_ORDER = 4;
/** The changes each order goes through, in a loop (it starts FAILED): retried, claimed, failed. */
const LIFE: [OrderStatus, OrderStatus][] = [
  ['FAILED', 'NOT_STARTED'],
  ['NOT_STARTED', 'IN_PROGRESS'],
  ['IN_PROGRESS', 'FAILED'],
];

interface Receiver {
  url: string;
  arrivals: Map<number, number>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<number, number>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = performance.now();
      const mid = Number(request.headers['webhook-id']);
      if (!arrivals.has(mid)) arrivals.set(mid, at);
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function insertOrders(dataSource: DataSource, organizationId: number, callbackUrl: string, count: number): Promise<number[]> {
  const rows = (await dataSource.query(
    `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration)
     SELECT $1, 'FAILED', 'https://tenant.example.com', 'bench', $2, '{}'::jsonb FROM generate_series(1, $3) RETURNING id`,
    [organizationId, callbackUrl, count],
  )) as { id: number }[];
  return rows.map((row) => row.id);
}

/** One status change through the order lifecycle, in its own transaction (with its outbox write); resolves with the commit time. */
async function change(dataSource: DataSource, lifecycle: OrderLifecycle, orderId: number, organizationId: number, url: string, step: number) {
  const [previousStatus, status] = LIFE[step % LIFE.length];
  await dataSource.transaction((manager) =>
    lifecycle.transition(manager, { id: orderId, organizationId, callbackUrl: url, status: previousStatus }, status, {
      error: status === 'FAILED' ? { code: 'XELION_UNREACHABLE', message: 'benchmark', step: null } : undefined,
      lease: status === 'IN_PROGRESS' ? { holder: 'webhooks-bench', seconds: 600 } : undefined,
    }),
  );
  return performance.now();
}

async function latestMid(dataSource: DataSource, orderId: number): Promise<number> {
  const [row] = (await dataSource.query('SELECT max(mid) AS mid FROM webhook_messages WHERE order_id = $1', [orderId])) as { mid: string }[];
  return Number(row.mid);
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface LatencyResult {
  p50: number;
  p99: number;
  max: number;
  count: number;
}

/** Status changes one at a time, spread over orders, ~50 per second; latency = arrival − commit. */
async function measureLatency(running: RunningApp, dataSource: DataSource, organizationId: number, receiver: Receiver): Promise<LatencyResult> {
  const lifecycle = running.app.get(OrderLifecycle);
  const orders = await insertOrders(dataSource, organizationId, receiver.url, 50);
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_MESSAGES; i++) {
    const orderId = orders[i % orders.length];
    const committed = await change(dataSource, lifecycle, orderId, organizationId, receiver.url, Math.floor(i / orders.length));
    const mid = await latestMid(dataSource, orderId);
    await waitFor(() => receiver.arrivals.has(mid), 30_000, `message ${mid}`);
    latencies.push(receiver.arrivals.get(mid)! - committed);
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 10));
  }
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1], count: latencies.length };
}

/** Many orders, every change written as fast as possible by 16 writers; delivered messages per second. */
async function measureThroughput(running: RunningApp, dataSource: DataSource, organizationId: number, receiver: Receiver) {
  const lifecycle = running.app.get(OrderLifecycle);
  const orders = await insertOrders(dataSource, organizationId, receiver.url, THROUGHPUT_ORDERS);
  const before = receiver.arrivals.size;
  const total = orders.length * CHANGES_PER_ORDER;
  const started = performance.now();
  const work = orders.flatMap((orderId) => Array.from({ length: CHANGES_PER_ORDER }, (_, step) => ({ orderId, step })));
  // Each order's changes stay in order: one writer per order slice.
  const writers = 16;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (const item of work.filter((entry) => entry.orderId % writers === w)) {
        await change(dataSource, lifecycle, item.orderId, organizationId, receiver.url, item.step);
      }
    }),
  );
  const written = performance.now();
  await waitFor(() => receiver.arrivals.size - before >= total, 600_000, `${total} deliveries`);
  const done = performance.now();
  return { total, writeSeconds: (written - started) / 1000, seconds: (done - started) / 1000, perSecond: total / ((done - started) / 1000) };
}

export async function benchWebhooks() {
  const dataDir = mkdtempSync(join(tmpdir(), 'xps-bench-webhooks-'));
  const receiver = await startReceiver();
  const running = await createApp(
    loadSettings({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      EXECUTOR_ENABLED: 'false',
      OUTBOUND_ALLOW_PRIVATE: 'true',
      ROOT_API_KEY: `bench-${randomBytes(24).toString('hex')}`,
      ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
    }),
  );
  try {
    const dataSource = running.app.get<DataSource>(getDataSourceToken());
    const [{ id: organizationId }] = (await dataSource.query('SELECT id FROM organizations ORDER BY id LIMIT 1')) as { id: number }[];
    const wakeup = running.app.get(WebhookWakeup);

    const withWakeup = await measureLatency(running, dataSource, organizationId, receiver);
    // As for a message written by another instance: no in-process wake-up, polling only.
    const listener = (wakeup as unknown as { listener: (() => void) | null }).listener;
    wakeup.onWake(null);
    const pollOnly = await measureLatency(running, dataSource, organizationId, receiver);
    wakeup.onWake(listener);
    const throughput = await measureThroughput(running, dataSource, organizationId, receiver);
    const database = process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : 'the embedded database (PostgreSQL 18 in a child process)';
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    writeSection(
      process.env.DATABASE_URL ? 'webhooks-postgresql' : 'webhooks',
      `## Webhooks: commit to delivery, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database'}

Command: \`npm run build && node dist/bench/webhooks.bench.js\`. Machine: ${machine()}. Database: ${database}.
Default settings (WEBHOOK_POLL_MS=250, WEBHOOK_CONCURRENCY=16); the application and a local receiver (node:http,
answers 204) in one process. Latency is from the commit of the status change's transaction to the arrival of its
message at the receiver, one change at a time over 50 orders (~40 per second). Goal: p99 under 1 s.

| measurement | messages | p50 | p99 | max |
|---|---|---|---|---|
| written by this instance (in-process wake-up after commit) | ${withWakeup.count} | ${ms(withWakeup.p50)} | ${ms(withWakeup.p99)} | ${ms(withWakeup.max)} |
| polling only (as for a message written by another instance) | ${pollOnly.count} | ${ms(pollOnly.p50)} | ${ms(pollOnly.p99)} | ${ms(pollOnly.max)} |

| throughput | result |
|---|---|
| ${THROUGHPUT_ORDERS} orders × ${CHANGES_PER_ORDER} status changes, written by 16 concurrent writers | ${throughput.total} messages delivered in ${throughput.seconds.toFixed(1)} s (writing took ${throughput.writeSeconds.toFixed(1)} s): **${throughput.perSecond.toFixed(0)} messages/s** |

Each delivery is signed (HMAC-SHA256), claimed with \`FOR UPDATE SKIP LOCKED\` and recorded (attempt + state) in a
transaction of its own; messages of one order go out strictly one after the other.`,
    );
    return { withWakeup, pollOnly, throughput };
  } finally {
    await running.close();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchWebhooks();
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
