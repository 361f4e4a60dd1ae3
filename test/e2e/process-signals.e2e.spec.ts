import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Instance } from '../../chaos/fleet.js';
import { freePort } from '../../tools/support/free-port.js';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { request } from '../support/test-app.js';

/**
 * The real process ("SIGTERM drains cleanly"): `node …/src/main.js` as `npm start` runs it,
 * on its embedded database, stopped with SIGTERM while an order runs. It must exit 0 within the
 * drain bound, and the order it gave back must be continued at once by the next process — not after
 * its lease (LEASE_SECONDS = 60 here) runs out. The sources are compiled first, as `npm run build` does.
 * The process is started, awaited and stopped as the chaos suite does it (chaos/fleet.ts).
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'node_modules', '.cache', 'xps-process-test');
const KEY = `process-test-root-key-${'k'.repeat(24)}`;
const TOKEN = 'process-test-tenant-token';

let sim: RunningSimulator;
let workDir: string;
let service: Instance;
let port: number;

async function order(id: number): Promise<{ status: string; progress: { done: number; total: number } }> {
  return (await request(`http://127.0.0.1:${port}`, 'GET', `/api/v1/orders/${id}`, { key: KEY })).body;
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT, '--sourceMap', 'false'], { stdio: 'inherit' });
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }], latencyMs: 100 });
  workDir = mkdtempSync(join(tmpdir(), 'xps-process-'));
  // As a project directory is: as root, the embedded server runs as `postgres` and must pass through it.
  chmodSync(workDir, 0o711);
  port = await freePort();
  // DATABASE_URL empty: the embedded database in DATA_DIR, as `npm start` on a fresh machine.
  const env = { DATABASE_URL: '', DATA_DIR: join(workDir, 'data'), ROOT_API_KEY: KEY, OUTBOUND_ALLOW_PRIVATE: 'true', EXECUTOR_POLL_MS: '50', LEASE_SECONDS: '60', LOG_LEVEL: 'info' };
  service = new Instance('service', port, join(OUT, 'src', 'main.js'), env, join(workDir, 'service.log'));
});
afterAll(async () => {
  await service?.kill();
  await sim?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const output = () => readFileSync(join(workDir, 'service.log'), 'utf8');

/** The embedded PostgreSQL server's process id (the first line of its postmaster.pid). */
const serverPid = () => Number(readFileSync(join(workDir, 'data', 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the process to be gone. */
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const until = Date.now() + ms; Date.now() < until; ) {
    if (!alive(pid)) return true;
    await new Promise((done) => setTimeout(done, 50));
  }
  return !alive(pid);
}

describe('the service process', () => {
  it('SIGTERM during an order: exits 0 within the drain bound; the next process continues the order at once', { timeout: 120_000 }, async () => {
    await service.start();
    const users = Array.from({ length: 20 }, (_, i) => ({ email: `sig${i}@process.example`, lastName: `Signal ${i}`, internalNumber: String(500 + i) }));
    const created = await request(`http://127.0.0.1:${port}`, 'POST', '/api/v1/provision', {
      key: KEY,
      body: { version: 1, organization: { name: 'Signal test' }, users },
      headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    for (const until = Date.now() + 30_000; ; ) {
      const now = await order(id);
      if (now.status === 'IN_PROGRESS' && now.progress.done >= 2) break;
      if (Date.now() > until) throw new Error(`the order did not get going: ${JSON.stringify(now)}`);
      await new Promise((done) => setTimeout(done, 20));
    }

    const postgres = serverPid();
    expect(alive(postgres)).toBe(true);
    const signalledAt = Date.now();
    const code = await service.terminate(); // SIGTERM; null if it had to be killed after 20 s
    const drainMs = Date.now() - signalledAt;
    expect(code, output().slice(-2000)).toBe(0);
    expect(drainMs).toBeLessThan(15_000); // running steps get at most min(10 s, LEASE_SECONDS)
    expect(alive(postgres), 'the embedded server stops before the process exits').toBe(false);
    await service.start();
    const stoppedWith = await order(id);
    expect(stoppedWith.status).not.toBe('NOT_STARTED');

    // Given back at shutdown (or finished in the drain): no 60-second wait for the lease.
    const restartedAt = Date.now();
    let final = stoppedWith;
    while (final.status !== 'COMPLETED' && final.status !== 'FAILED' && Date.now() - restartedAt < 30_000) {
      await new Promise((done) => setTimeout(done, 100));
      final = await order(id);
    }
    expect(final.status).toBe('COMPLETED');
    expect(Date.now() - restartedAt).toBeLessThan(30_000);
    expect((sim.dump('pbx1') as { users: unknown[] }).users).toHaveLength(20);
    expect(output()).not.toContain(TOKEN);
    expect(output()).not.toContain(KEY);

    expect(await service.terminate()).toBe(0);
  });

  it('SIGKILL: the embedded PostgreSQL server does not outlive the process, and the next start uses the same data', async () => {
    await service.start();
    const postgres = serverPid();
    await service.kill();
    expect(await gone(postgres, 10_000), 'the server stopped after its parent was killed').toBe(true);
    await service.start();
    expect((await request(`http://127.0.0.1:${port}`, 'GET', '/api/v1/orders', { key: KEY })).body.data.length).toBeGreaterThan(0);
    expect(await service.terminate()).toBe(0);
  });
});
