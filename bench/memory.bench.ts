/**
 * Memory: the service as `npm start` runs it (`node dist/src/main.js`), its whole process tree (the
 * embedded PostgreSQL server and its backends included), resident at idle and at the peak of a 100-user
 * order (company-200's first 100 users, no phones) against the Xelion simulator in another process at
 * 20 ms per call; on the embedded database and on PostgreSQL (whose server is not counted: it is not the
 * service's). RSS counts pages shared between processes once per process; PSS divides them among the
 * processes that share them, so its sum is the tree's real share of memory.
 *
 *   npm run build && node dist/bench/memory.bench.js
 *   BENCH_MAIN=../other/dist/src/main.js BENCH_DATABASES=embedded   another build (an earlier version), its own section
 *   DATABASE_URL=postgres://…/postgres   the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../tools/support/free-port.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { startSimulator, type RunningSimulator } from '../tools/xelion-simulator/simulator.js';
import { createScratchDatabase } from '../tools/support/postgres-admin.js';
import { machine, writeSection } from './support/report.js';
import { order100 } from './support/documents.js';

const POSTGRES_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const IDLE_SECONDS = 10;
const MAIN = process.env.BENCH_MAIN ?? 'dist/src/main.js';
const DATABASES = process.env.BENCH_DATABASES ?? 'embedded,postgres';
const KEY = `memory-bench-${randomBytes(16).toString('hex')}`;
const TOKEN = 'memory-bench-token';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Memory {
  rssMb: number;
  pssMb: number;
  processes: number;
}

/** The process and all its descendants, by parent id (/proc). */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

function memoryOf(root: number): Memory {
  let rss = 0;
  let pss = 0;
  const pids = tree(root);
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return { rssMb: rss / 1024, pssMb: pss / 1024, processes: pids.length };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 120_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; Date.now() < until; ) {
    if (child.exitCode !== null) throw new Error(`the process exited (${child.exitCode}) while starting`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1000) })).status === 200) return;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Row {
  database: string;
  startMs: number;
  idle: Memory;
  peak: Memory;
  orderMs: number;
}

async function measure(database: string, env: Record<string, string>, sim: RunningSimulator): Promise<Row> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const startedAt = Date.now();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', ROOT_API_KEY: KEY, LOG_LEVEL: 'warn', OUTBOUND_ALLOW_PRIVATE: 'true' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitReady(`${base}/health/ready`, child);
    const startMs = Date.now() - startedAt;
    await sleep(IDLE_SECONDS * 1000);
    const idle = memoryOf(child.pid!);
    const headers = { 'content-type': 'application/json', 'x-auth-key': KEY };
    const me = (await (await fetch(`${base}/api/v1/organizations/me`, { headers })).json()) as { id: number };
    for (const [key, value] of Object.entries(simulatorCredentials(sim, randomBytes(12).toString('hex')))) {
      await fetch(`${base}/api/v1/organizations/${me.id}/credentials/${key}`, { method: 'PUT', headers, body: JSON.stringify({ value }) });
    }
    const created = await fetch(`${base}/api/v1/provision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-key': KEY, 'xelion-server-url': sim.url, 'xelion-tenant-name': database === 'embedded' ? 'pbx1' : 'pbx2', 'xelion-tenant-token': TOKEN },
      body: JSON.stringify(order100()),
    });
    if (created.status !== 201) throw new Error(`POST /provision: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: number };
    const orderStart = Date.now();
    let peak = memoryOf(child.pid!);
    for (let polls = 0; ; polls++) {
      await sleep(200);
      const now = memoryOf(child.pid!);
      if (now.pssMb > peak.pssMb) peak = now;
      if (polls % 5 === 4) {
        const status = ((await (await fetch(`${base}/api/v1/orders/${id}`, { headers: { 'x-auth-key': KEY } })).json()) as { status: string }).status;
        if (status === 'COMPLETED') break;
        if (status === 'FAILED') throw new Error(`order ${id} failed`);
      }
    }
    return { database, startMs, idle, peak, orderMs: Date.now() - orderStart };
  } finally {
    await stop(child);
  }
}

const mb = (value: number) => `${Math.round(value)} MB`;

const startLoad = loadavg()[0].toFixed(1);
// The simulator in this process: another process than the service's, as a real Xelion server is.
const simulator = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }, { name: 'pbx2', tokens: [TOKEN] }], latencyMs: 20 });
const rows: Row[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'xps-bench-memory-'));
chmodSync(dataDir, 0o711);
try {
  if (DATABASES.includes('embedded')) {
    rows.push(await measure('embedded', { DATABASE_URL: '', DATA_DIR: join(dataDir, 'data') }, simulator));
    console.log(rows.at(-1));
  }
  if (DATABASES.includes('postgres')) {
    const database = await createScratchDatabase(POSTGRES_URL, 'xps_bench_memory');
    try {
      rows.push(await measure('PostgreSQL', { DATABASE_URL: database.url, ENCRYPTION_KEY: randomBytes(32).toString('base64') }, simulator));
      console.log(rows.at(-1));
    } finally {
      await database.drop();
    }
  }
} finally {
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const other = MAIN !== 'dist/src/main.js';
writeSection(
  other ? 'memory-other-build' : 'memory',
  `## Memory: idle and at the peak of a 100-user order${other ? ` (another build: ${MAIN})` : ''}

Command: \`npm run build && ${other ? `BENCH_MAIN=${MAIN} BENCH_DATABASES=${DATABASES} ` : ''}node dist/bench/memory.bench.js\`. Machine: ${machine()}; load average ${startLoad} when it started,
${loadavg()[0].toFixed(1)} at the end. The service as \`npm start\` runs it (\`node dist/src/main.js\`, a fresh DATA_DIR), its
whole process tree summed from /proc (on the embedded database: Node, the PostgreSQL server, its backends and the
watchdog); idle = ${IDLE_SECONDS} s after /health/ready; peak = the highest PSS sampled every 200 ms during a 100-user order
(company-200's first 100 users, no phones) against the simulator (in the bench's process) at 20 ms per call. PSS shares
pages used by several processes (PostgreSQL's shared memory, libraries) among them; RSS counts them in every process.

| database | first start to ready | idle PSS (RSS) | peak PSS (RSS) during the order | peak − idle (PSS) | processes at peak | order |
|---|---|---|---|---|---|---|
${rows
  .map(
    (row) =>
      `| ${row.database} | ${(row.startMs / 1000).toFixed(1)} s | ${mb(row.idle.pssMb)} (${mb(row.idle.rssMb)}) | ${mb(row.peak.pssMb)} (${mb(row.peak.rssMb)}) | ${mb(row.peak.pssMb - row.idle.pssMb)} | ${row.peak.processes} | ${(row.orderMs / 1000).toFixed(1)} s |`,
  )
  .join('\n')}

Goals: ≤ 400 MB at idle on the embedded database, and at most 100 MB more at the peak of a 100-user order.`,
);
