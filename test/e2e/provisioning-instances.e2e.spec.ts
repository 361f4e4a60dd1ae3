import { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutorService } from '../../src/provisioning/executor.service.js';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { request, ROOT_KEY, startOtherInstance, startTestApp, type OtherInstance, type TestApp } from '../support/test-app.js';

/**
 * Several instances on one PostgreSQL database ("Tests"): a take-over after a crash, and two
 * executors sharing 50 orders.
 */
const TOKEN = 'canary-instances-token-e42';

/** Order i's configuration; its internal numbers are its own (one tenant: a number on another's line is a conflict). */
function configuration(i: number) {
  return {
    version: 1,
    organization: { name: `Instance org ${i}` },
    users: [
      { email: `a${i}@instances.example`, firstName: 'Ann', lastName: `Number ${i}`, internalNumber: String(3000 + 2 * i) },
      { email: `b${i}@instances.example`, firstName: 'Bob', lastName: `Number ${i}`, internalNumber: String(3001 + 2 * i), phones: [{ macAddress: `02000000${String(i).padStart(4, '0')}`, model: 'Yealink T54W' }] },
    ],
  };
}

interface Instance extends OtherInstance {
  executor: ExecutorService;
}

/** Another instance of the service on the database of `first`, with its executor at hand. */
async function startInstance(first: TestApp, env: Record<string, string>): Promise<Instance> {
  const other = await startOtherInstance(first, env);
  return { ...other, executor: other.running.app.get(ExecutorService) };
}

let sim: RunningSimulator;
let first: TestApp;
const others: Instance[] = [];

async function provision(baseUrl: string, body: unknown): Promise<number> {
  const response = await request(baseUrl, 'POST', '/api/v1/provision', {
    key: ROOT_KEY,
    body,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

async function statuses(): Promise<Record<string, number>> {
  const rows: { status: string; n: number }[] = await first.dataSource.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

/** Waits until the order has `steps` steps done (it is under way). */
async function progressReaches(id: number, steps: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [row] = await first.dataSource.query(`SELECT progress_done FROM orders WHERE id = $1`, [id]);
    if (row.progress_done >= steps) return;
    if (Date.now() > deadline) throw new Error('the order did not get going');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits (30 s at most) until the order is COMPLETED or FAILED; returns its status, attempts and error. */
async function finished(id: number): Promise<{ status: string; attempts: number; error: unknown }> {
  const until = Date.now() + 30_000;
  for (;;) {
    const [order] = await first.dataSource.query(`SELECT status, attempts, error FROM orders WHERE id = $1`, [id]);
    if (order.status === 'COMPLETED' || order.status === 'FAILED' || Date.now() > until) return order;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }] });
  first = await startTestApp({ EXECUTOR_POLL_MS: '50', LEASE_SECONDS: '2' });
});
afterAll(async () => {
  // The other instances first: closing `first` drops the database under their connections.
  for (const instance of others) await instance.running.close();
  await first?.close();
  await sim?.close();
});

describe('several instances', () => {
  it('an executor killed in the middle of an order: another takes it over after the lease and finishes it', async () => {
    sim.reset();
    sim.addToken('pbx1', TOKEN);
    sim.setOptions({ latencyMs: 40 });
    const big = {
      version: 1,
      organization: { name: 'Crash test' },
      users: Array.from({ length: 12 }, (_, i) => ({ email: `crash${i}@instances.example`, lastName: `Crash ${i}`, internalNumber: String(300 + i) })),
      // Every user is a member of each department: a department's step waits for all the user steps.
      departments: Array.from({ length: 3 }, (_, i) => ({ name: `Crash desk ${i}`, users: Array.from({ length: 12 }, (_, k) => `crash${k}@instances.example`), internalNumbers: [String(400 + i)] })),
    };
    const id = await provision(first.baseUrl, big);
    const victim = first.app.get(ExecutorService);
    await progressReaches(id, 4);
    victim.halt(); // as a crash: no more writes, the lease is not released
    const [held] = await first.dataSource.query(`SELECT status, locked_by FROM orders WHERE id = $1`, [id]);
    expect(held).toMatchObject({ status: 'IN_PROGRESS', locked_by: victim.id });
    // The department steps (a later stage) have not begun: the rescuer's first attempts of them answer from its new reading.
    const [{ begun }] = await first.dataSource.query(`SELECT count(*)::int AS begun FROM order_steps WHERE order_id = $1 AND kind = 'department' AND attempts > 0`, [id]);
    expect(begun).toBe(0);
    sim.setOptions({ recordRequests: true });

    const rescuer = await startInstance(first, { LEASE_SECONDS: '2' });
    others.push(rescuer);
    const order = (await finished(id)) as { status: string; attempts: number; error: unknown };
    sim.setOptions({ latencyMs: 0 });
    expect(order).toMatchObject({ status: 'COMPLETED', attempts: 2, error: null });
    expect(rescuer.executor.takeOverCount).toBe(1);
    // The rescuer read the tenant again for the steps left (docs/provisioning.md, "Reading the tenant"): every
    // line (the departments have internal numbers), and no look-up of a department's line by name.
    const afterCrash = sim.requests('pbx1').filter((r) => r.method === 'GET' && r.path === '/phonelines');
    sim.setOptions({ recordRequests: false });
    expect(afterCrash.filter((r) => !r.query.includes('name='))).not.toHaveLength(0);
    expect(afterCrash.filter((r) => r.query.includes('name='))).toEqual([]);
    const state = sim.dump('pbx1') as Record<string, Record<string, unknown>[]>;
    expect(state.users).toHaveLength(12);
    expect(state.persons).toHaveLength(12);
    expect(state.phoneLines).toHaveLength(15);
    expect(new Set(state.phoneLines.map((l) => l.commonName)).size).toBe(15);
  });

  it('two executors, 50 orders: every order completed exactly once, never by two at a time', async () => {
    sim.reset();
    sim.addToken('pbx1', TOKEN);
    sim.setOptions({ latencyMs: 2 });
    await first.dataSource.query(`DELETE FROM orders`);
    first.app.get(ExecutorService).halt(); // only the two instances below run orders
    const second = others[0] ?? (await startInstance(first, {}));
    if (!others.includes(second)) others.push(second);
    const third = await startInstance(first, {});
    others.push(third);
    const ids: number[] = [];
    for (let i = 0; i < 50; i++) ids.push(await provision(i % 2 ? second.baseUrl : third.baseUrl, configuration(i)));

    const owners = new Map<number, Set<string>>();
    const deadline = Date.now() + 90_000;
    for (;;) {
      const rows: { id: number; locked_by: string | null }[] = await first.dataSource.query(`SELECT id, locked_by FROM orders WHERE locked_by IS NOT NULL`);
      for (const row of rows) owners.set(row.id, (owners.get(row.id) ?? new Set()).add(row.locked_by!));
      const counts = await statuses();
      if ((counts.COMPLETED ?? 0) + (counts.FAILED ?? 0) === 50) break;
      if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify(counts)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    sim.setOptions({ latencyMs: 0 });
    expect(await statuses()).toEqual({ COMPLETED: 50 });
    // Claimed exactly once each, by one instance.
    const attempts: { attempts: number }[] = await first.dataSource.query(`SELECT attempts FROM orders`);
    expect(attempts.every((row) => row.attempts === 1)).toBe(true);
    for (const [id, set] of owners) expect(set.size, `order ${id}`).toBe(1);
    const instances = new Set([...owners.values()].flatMap((set) => [...set]));
    expect(instances).toEqual(new Set([second.executor.id, third.executor.id]));
    // Nothing was provisioned twice.
    const state = sim.dump('pbx1') as Record<string, Record<string, unknown>[]>;
    expect(state.organisations).toHaveLength(50);
    expect(state.users).toHaveLength(100);
    expect(state.phones).toHaveLength(50);
  });

  it('an executor whose heartbeats stop (PostgreSQL out of its reach) sends nothing to Xelion once its lease may have run out', async () => {
    sim.reset();
    sim.addToken('pbx1', TOKEN);
    sim.setOptions({ latencyMs: 150, recordRequests: true });
    await first.dataSource.query(`DELETE FROM orders`);
    first.app.get(ExecutorService).halt();
    for (const instance of others) instance.executor.halt();
    const stalled = await startInstance(first, { LEASE_SECONDS: '2' });
    others.push(stalled);
    const big = {
      version: 1,
      organization: { name: 'Stalled heartbeat' },
      users: Array.from({ length: 12 }, (_, i) => ({ email: `stall${i}@instances.example`, lastName: `Stall ${i}`, internalNumber: String(400 + i) })),
    };
    const id = await provision(stalled.baseUrl, big);
    await progressReaches(id, 2);
    // No more claims and no more heartbeats from here on, as if its connection to PostgreSQL were gone
    // (the last heartbeat was sent before now); the run itself goes on.
    stalled.executor.onModuleDestroy();
    stalled.running.app.get(SchedulerRegistry).deleteInterval('order-executor.heartbeat');
    const stoppedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const agent = `xelion-provisioning-service (instance ${stalled.running.settings.instanceId})`;
    const sent = sim.requests('pbx1').filter((r) => r.agent === agent);
    expect(sent.length).toBeGreaterThan(0);
    // LEASE_SECONDS = 2: nothing started later than 2 s after the last heartbeat was sent.
    expect(sent.filter((r) => r.startedAt > stoppedAt + 2_000)).toEqual([]);
    expect(stalled.executor.runningOrderIds).toEqual([]);

    const rescuer = await startInstance(first, { LEASE_SECONDS: '2' });
    others.push(rescuer);
    const order = (await finished(id)) as { status: string };
    sim.setOptions({ latencyMs: 0, recordRequests: false });
    expect(order?.status).toBe('COMPLETED');
    const state = sim.dump('pbx1') as Record<string, Record<string, unknown>[]>;
    expect(state.users).toHaveLength(12);
    expect(state.persons).toHaveLength(12);
    expect(new Set(state.phoneLines.map((l) => l.commonName)).size).toBe(state.phoneLines.length);
  });
});
