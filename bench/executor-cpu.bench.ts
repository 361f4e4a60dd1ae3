/**
 * The service's CPU per Xelion call (docs/benchmarks.md, "The executor's CPU per Xelion call"): the
 * service runs in this process, the Xelion simulator in another one (bench/support/simulator-server.ts,
 * 20 ms per call), so the CPU counted is the service's own — on the embedded database, whose server is a
 * child process, or on DATABASE_URL (an empty database). Four cases, in this order: one order of
 * `examples/company-200.json` (which pays the process's warm-up), the 100-user order (company-200's first
 * 100 users, no phones), 20 orders of the small office at the same time, each on its own tenant, and the
 * company-200 order again on another empty tenant (the process warm). The wall time is set against its lower bound (the calls × 20 ms
 * ÷ the requests one tenant may have in flight, for orders that run side by side: the slowest tenant's).
 * The database statements the service sends are counted too (pg's Client.query, in this process).
 *
 *   npm run build && node dist/bench/executor-cpu.bench.js
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { DEFAULT_OPTIONS } from '../tools/xelion-simulator/simulator.js';
import { order100 } from './support/documents.js';
import { startInProcessService } from './support/in-process-service.js';
import { machine, writeSection } from './support/report.js';
import { startServerProcess } from './support/server-process.js';

const LATENCY_MS = 20;
const CONCURRENT = 20;
/** The wall time of one order against its lower bound (docs/benchmarks.md). */
const WALL_GOAL = 1.3;

/** Statements sent by every pg client of this process (the service's pool): counted, not changed. */
const statements = { total: 0, transactions: 0 };
/** BENCH_STATEMENT_COUNTS=1: each statement's count by its first words, printed at the end (to see which to cut). */
const byText = process.env.BENCH_STATEMENT_COUNTS ? new Map<string, number>() : undefined;
const originalQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
  statements.total += 1;
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | null)?.text;
  if (typeof text === 'string' && /^\s*(BEGIN|START TRANSACTION)/i.test(text)) statements.transactions += 1;
  if (byText && typeof text === 'string') {
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    byText.set(key, (byText.get(key) ?? 0) + 1);
  }
  return originalQuery.apply(this, args);
};

interface Case {
  name: string;
  orders: number;
  calls: number;
  wallMs: number;
  lowerBoundMs: number;
  cpuMs: number;
  statements: number;
  transactions: number;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  const sim = await startServerProcess('dist/bench/support/simulator-server.js', { SIM_TENANT_COUNT: String(CONCURRENT + 3), SIM_LATENCY_MS: String(LATENCY_MS) });
  const service = await startInProcessService({ EXECUTOR_CONCURRENCY: String(CONCURRENT), EXECUTOR_MAX_PER_ORGANIZATION: String(CONCURRENT), RATE_LIMIT_PER_MINUTE: '0' });
  const { call, ended, settings } = service;
  const simCalls = async (tenant: string): Promise<number> => ((await (await fetch(`${sim.url}/_sim/tenants/${tenant}/calls`)).json()) as { total: number }).total;
  const provision = (document: unknown, tenant: string) =>
    call('POST', '/api/v1/provision', document, { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': tenant, 'Xelion-Tenant-Token': 'cpu-token', 'X-Callback-Url': service.callbackUrl });
  const concurrency = settings.xelion.maxConcurrency;

  try {
    const me = await call('GET', '/api/v1/organizations/me');
    for (const [key, value] of Object.entries(simulatorCredentials({ url: sim.url, options: DEFAULT_OPTIONS }, randomBytes(12).toString('hex')))) {
      await call('PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value });
    }
    const cases: Case[] = [];
    const measure = async (name: string, documents: { document: unknown; tenant: string }[]) => {
      const cpuBefore = process.cpuUsage();
      // The case's window on the monotonic clock, in µs (a --cpu-prof profile's time base), to read its samples alone.
      const windowStart = process.hrtime.bigint() / 1000n;
      const statementsBefore = { ...statements };
      const started = Date.now();
      const ids: number[] = [];
      for (const { document, tenant } of documents) ids.push((await provision(document, tenant)).id);
      const ends = await Promise.all(ids.map(ended));
      const wallMs = Math.max(...ends) - started;
      const cpu = process.cpuUsage(cpuBefore);
      const windowEnd = process.hrtime.bigint() / 1000n;
      const sent = { total: statements.total - statementsBefore.total, transactions: statements.transactions - statementsBefore.transactions };
      for (const id of ids) {
        const order = await call('GET', `/api/v1/orders/${id}`);
        if (order.status !== 'COMPLETED') throw new Error(`order ${id} failed: ${JSON.stringify(order.error)}`);
      }
      const perTenant = await Promise.all(documents.map(({ tenant }) => simCalls(tenant)));
      const calls = perTenant.reduce((a, b) => a + b, 0);
      cases.push({ name, orders: ids.length, calls, wallMs, lowerBoundMs: (Math.max(...perTenant) * LATENCY_MS) / concurrency, cpuMs: (cpu.user + cpu.system) / 1000, statements: sent.total, transactions: sent.transactions });
      console.log(`${name}: ${calls} calls, ${(wallMs / 1000).toFixed(2)} s, CPU ${((cpu.user + cpu.system) / 1000 / calls).toFixed(2)} ms per call (user ${(cpu.user / 1000 / calls).toFixed(2)}, system ${(cpu.system / 1000 / calls).toFixed(2)}), ${(sent.total / calls).toFixed(2)} statements per call (window ${windowStart}–${windowEnd} µs)`);
    };
    const company = JSON.parse(readFileSync('examples/company-200.json', 'utf8'));
    const office = JSON.parse(readFileSync('examples/small-office.json', 'utf8'));
    // company-200 first: it pays the process's JIT warm-up; the 100-user order then runs as in a running service.
    await measure('one order, `examples/company-200.json` (the first of the process)', [{ document: company, tenant: 'cpu2' }]);
    await measure('the 100-user order (company-200\'s first 100 users, no phones)', [{ document: order100(), tenant: 'cpu1' }]);
    await measure(`${CONCURRENT} orders of \`examples/small-office.json\` at once`, Array.from({ length: CONCURRENT }, (_, i) => ({ document: office, tenant: `cpu${i + 3}` })));
    // The same company-200 order on another empty tenant, in the now warm process: what a running service spends.
    await measure('the same `examples/company-200.json` order on another empty tenant (the process warm)', [{ document: company, tenant: `cpu${CONCURRENT + 3}` }]);

    const database = process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database';
    const markdown = [
      `## The executor's CPU per Xelion call, ${database}`,
      '',
      `Command: \`npm run build && node dist/bench/executor-cpu.bench.js\`${process.env.DATABASE_URL ? ' with DATABASE_URL (an empty database)' : ''}. Machine: ${machine()}; load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores when it started, ${loadavg()[0].toFixed(1)} at the end.`,
      '',
      `The service in this process (EXECUTOR_CONCURRENCY=${CONCURRENT}, XELION_MAX_CONCURRENCY=${concurrency}); the Xelion simulator in a process of its own at ${LATENCY_MS} ms per call, so that`,
      `the CPU counted is the service's${process.env.DATABASE_URL ? '' : ' (the embedded database server is a child process: its CPU is not counted, as a PostgreSQL server\'s is not)'}. The end of each order is its COMPLETED webhook.`,
      '',
      '| case | Xelion calls | wall time | against the lower bound | service CPU | CPU per Xelion call (goal ≤ ' + (process.env.DATABASE_URL ? 1 : 2) + ' ms) | database statements (transactions) per call |',
      '|---|---|---|---|---|---|---|',
      ...cases.map((c) => {
        const wall = c.wallMs / c.lowerBoundMs;
        const cpu = c.cpuMs / c.calls;
        const wallGoal = c.orders === 1 ? ` (goal ≤ ${WALL_GOAL}×: ${wall <= WALL_GOAL ? 'met' : 'not met'})` : '';
        return `| ${c.name} | ${c.calls} | ${(c.wallMs / 1000).toFixed(2)} s | ${wall.toFixed(2)}×${wallGoal} | ${(c.cpuMs / 1000).toFixed(2)} s | **${cpu.toFixed(2)} ms** (${cpu <= (process.env.DATABASE_URL ? 1 : 2) ? 'met' : 'not met'}) | ${(c.statements / c.calls).toFixed(2)} (${(c.transactions / c.calls).toFixed(2)}) |`;
      }),
      '',
      `The lower bound: the busiest tenant's calls × ${LATENCY_MS} ms ÷ ${concurrency} (the requests one tenant may have in flight). The first order of the process also pays the JIT's warm-up; the other cases run after it, the last one the same order as the first. Transactions: explicit BEGIN … COMMIT blocks; a statement sent outside one (each write of the step journal is one statement) is a transaction of its own.`,
      '',
    ].join('\n');
    console.log(markdown);
    if (byText) for (const [text, n] of [...byText].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${String(n).padStart(6)}  ${text}`);
    writeSection(process.env.DATABASE_URL ? 'executor-cpu-postgresql' : 'executor-cpu', markdown);
  } finally {
    await service.close();
    await sim.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
