import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../tools/support/free-port.js';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { request } from '../support/test-app.js';

/**
 * The real process (issue 8, "SIGTERM drains cleanly"): `node …/src/main.js` as `npm start` runs it,
 * on its embedded database, stopped with SIGTERM while an order runs. It must exit 0 within the
 * drain bound, and the order it gave back must be continued at once by the next process — not after
 * its lease (LEASE_SECONDS = 60 here) runs out. The sources are compiled first, as `npm run build` does.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const OUT = join(ROOT, 'node_modules', '.cache', 'xps-process-test');
const KEY = `process-test-root-key-${'k'.repeat(24)}`;
const TOKEN = 'process-test-tenant-token';

let sim: RunningSimulator;
let dataDir: string;
let port: number;
let child: ChildProcess | null = null;
let output = '';


async function startProcess(): Promise<ChildProcess> {
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const started = spawn(process.execPath, [join(OUT, 'src', 'main.js')], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ROOT_API_KEY: KEY, OUTBOUND_ALLOW_PRIVATE: 'true', EXECUTOR_POLL_MS: '50', LEASE_SECONDS: '60', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (started.exitCode !== null) throw new Error(`the service exited with ${started.exitCode}: ${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200) return started;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the service did not get ready: ${output}`);
}

async function order(id: number): Promise<{ status: string; progress: { done: number; total: number } }> {
  return (await request(`http://127.0.0.1:${port}`, 'GET', `/api/v1/orders/${id}`, { key: KEY })).body;
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', OUT, '--sourceMap', 'false'], { stdio: 'inherit' });
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }], latencyMs: 100 });
  dataDir = mkdtempSync(join(tmpdir(), 'xps-process-'));
  port = await freePort();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await sim?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the service process', () => {
  it('SIGTERM during an order: exits 0 within the drain bound; the next process continues the order at once', async () => {
    child = await startProcess();
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

    const exited = new Promise<{ code: number | null; signal: string | null }>((done) => child!.once('exit', (code, signal) => done({ code, signal })));
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    const drainMs = Date.now() - signalledAt;
    expect({ code, signal }, output.slice(-2000)).toEqual({ code: 0, signal: null });
    expect(drainMs).toBeLessThan(15_000); // running steps get at most min(10 s, LEASE_SECONDS)
    const stoppedWith = await (async () => {
      child = await startProcess();
      return order(id);
    })();
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
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(KEY);

    const last = new Promise<number | null>((done) => child!.once('exit', (exitCode) => done(exitCode)));
    child.kill('SIGTERM');
    expect(await last).toBe(0);
    child = null;
  });
});
