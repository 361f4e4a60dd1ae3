/**
 * Provisioning benchmark: examples/company-200.json provisioned against the
 * simulator with 20 ms latency per call. Reports the Xelion calls made against the minimum the
 * configuration needs, and the wall time against the lower bound (minimum calls × latency ÷ allowed
 * concurrency). The service runs in this process, on the embedded database or on DATABASE_URL (use an
 * empty database), at XELION_MAX_CONCURRENCY (default 4). BENCH_PROVISIONING_RUNS orders (default 3), one
 * after the other, each on its own empty tenant; the table shows each run and the median. The end of a
 * run is the arrival of the order's COMPLETED webhook at a receiver in this process, as a reseller
 * learns it — no polling, which would load the (one-connection embedded) database it measures.
 *
 *   npm run build && node dist/bench/provisioning.bench.js
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Configuration } from '../src/configuration/configuration.types.js';
import { startSimulator } from '../tools/xelion-simulator/simulator.js';
import { startInProcessService } from './support/in-process-service.js';
import { machine, writeSection } from './support/report.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';

const LATENCY_MS = Number(process.env.BENCH_XELION_LATENCY_MS ?? 20);
const EXAMPLE = process.env.BENCH_PROVISIONING_EXAMPLE ?? 'examples/company-200.json';
/** Orders provisioned one after the other, each on its own empty tenant; the median is reported. */
const RUNS = Math.max(1, Number(process.env.BENCH_PROVISIONING_RUNS ?? 3));

/**
 * The fewest Xelion calls that provision `configuration` on an empty tenant, following
 * docs/xelion-contract.md and docs/provisioning.md ("Plan"): the preflight's checks and its one reading of
 * the tenant (the organisation's search and one page of each list on an empty tenant), then one create per
 * object and the PATCHes that only a PATCH can do (voicemail, a line's phones, fallbacks, day/night mode,
 * the trunk's numbers). No look-up per object: the reading answers them.
 */
export function minimumCalls(c: Configuration): number {
  let calls = 2; // GET /server/version, GET /me/info
  calls += 6; // the reading: the organisation's search; users, persons, lines, phones, trunks (one page each)
  calls += 1; // POST the organisation
  for (const user of c.users) {
    calls += 3; // POST person, POST line, POST user
    if (user.voicemail) calls += 1; // PATCH userPhoneLine/voicemailActive
    if (user.phones.length > 0) calls += user.phones.length + 1; // POST each phone, one PATCH adding them to the line
  }
  if (c.departments.some((d) => d.openingHours)) calls += 2; // closed line: create, voicemail
  calls += c.departments.length; // department line: create (members, numbers, recording in the create)
  calls += c.departments.filter((d) => d.fallback).length; // one PATCH each
  calls += c.departments.filter((d) => d.openingHours).length; // one PATCH each
  const external = c.users.some((u) => u.externalNumber) || c.departments.some((d) => d.externalNumbers.length > 0);
  if (external) calls += 2; // POST /trunks (empty tenant), one PATCH with every number
  return calls;
}

interface Run {
  wallMs: number;
  /** CPU time of this process (service, simulator, client and webhook receiver) during the run. */
  cpuMs: number;
  calls: number;
  peak: number;
  byRoute: Record<string, number>;
  load: number;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0];
  const tokens = Array.from({ length: RUNS }, () => randomBytes(16).toString('hex'));
  const tenantNames = tokens.map((_, index) => `bench${index + 1}`);
  const sim = await startSimulator({
    port: 0,
    tenants: tenantNames.map((name, index) => ({ name, tokens: [tokens[index]] })),
    latencyMs: LATENCY_MS,
  });
  const service = await startInProcessService();
  const { call, ended, settings, callbackUrl } = service;
  try {
    const me = await call('GET', '/api/v1/organizations/me');
    const credentials = simulatorCredentials(sim, randomBytes(12).toString('hex'));
    for (const [key, value] of Object.entries(credentials)) await call('PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value });
    const document = JSON.parse(readFileSync(EXAMPLE, 'utf8'));

    const runs: Run[] = [];
    let configuration: Configuration | undefined;
    for (const [index, tenant] of tenantNames.entries()) {
      sim.state.tenant(tenant).resetCalls();
      const load = loadavg()[0];
      const cpuBefore = process.cpuUsage();
      const started = Date.now();
      const { id } = await call('POST', '/api/v1/provision', document, {
        'Xelion-Server-Url': sim.url,
        'Xelion-Tenant-Name': tenant,
        'Xelion-Tenant-Token': tokens[index],
        'X-Callback-Url': callbackUrl,
      });
      const wallMs = (await ended(id)) - started;
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const order = await call('GET', `/api/v1/orders/${id}`);
      if (order.status !== 'COMPLETED') throw new Error(`the order failed: ${JSON.stringify(order.error)}`);
      configuration = order.configuration as Configuration;
      const stats = sim.calls(tenant);
      runs.push({ wallMs, cpuMs, calls: stats.total, peak: stats.peakInFlight, byRoute: stats.byRoute, load });
      console.log(`run ${index + 1}: ${(wallMs / 1000).toFixed(2)} s, CPU ${(cpuMs / 1000).toFixed(2)} s, ${stats.total} calls, load ${load.toFixed(1)}`);
    }

    const minimum = minimumCalls(configuration!);
    const concurrency = settings.xelion.maxConcurrency;
    const lowerBoundMs = (minimum * LATENCY_MS) / concurrency;
    const median = [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor((runs.length - 1) / 2)];
    const users = document.users.length;
    const departments = document.departments?.length ?? 0;
    const database = process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database';
    const lines = [
      `Command: \`npm run build && node dist/bench/provisioning.bench.js\`${process.env.DATABASE_URL ? ' with DATABASE_URL (an empty database)' : ''}. Machine: ${machine()}; ${database}; load average ${loadAtStart.toFixed(1)} on ${cpus().length} cores when it started, ${loadavg()[0].toFixed(1)} at the end (other work on the machine stretches the wall time).`,
      '',
      `**\`${EXAMPLE}\`** (${users} users, ${departments} departments) provisioned on an empty simulated tenant, ${LATENCY_MS} ms latency per Xelion call,`,
      `XELION_MAX_CONCURRENCY=${concurrency}; ${RUNS} orders one after the other, each on its own empty tenant. Time from POST /api/v1/provision`,
      `to the arrival of its COMPLETED webhook (no polling). Lower bound: ${minimum} calls × ${LATENCY_MS} ms ÷ ${concurrency} = ${(lowerBoundMs / 1000).toFixed(2)} s.`,
      '',
      '| run | load average (1 min) | Xelion calls (minimum ' + minimum + ') | wall time | against the lower bound | most requests in flight (limit ' + concurrency + ') | CPU time of the process |',
      '|---|---|---|---|---|---|---|',
      ...runs.map(
        (run, index) =>
          `| ${index + 1} | ${run.load.toFixed(1)} | ${run.calls}: ${(run.calls / minimum).toFixed(2)}× | ${(run.wallMs / 1000).toFixed(2)} s | ${(run.wallMs / lowerBoundMs).toFixed(2)}× | ${run.peak} | ${(run.cpuMs / 1000).toFixed(2)} s |`,
      ),
      '',
      '| measure | result (median run) | goal |',
      '|---|---|---|',
      `| Xelion calls | ${median.calls} against a minimum of ${minimum}: **${(median.calls / minimum).toFixed(2)}×** | ≤ 1.1× |`,
      `| wall time | ${(median.wallMs / 1000).toFixed(2)} s against a lower bound of ${(lowerBoundMs / 1000).toFixed(2)} s: **${(median.wallMs / lowerBoundMs).toFixed(2)}×** | ≤ 1.3× |`,
      '',
      `The minimum counts, on an empty tenant: the preflight (2) and its one reading of the tenant (the organisation's search and a page of each`,
      `of five lists), a create for the organisation, per user creates of person, line and user (+1 PATCH for voicemail, + each phone and one`,
      `PATCH adding the phones to the line), the closed line (create, voicemail), per department a create, one PATCH per fallback and per opening`,
      `hours, and the trunk (create, one PATCH with every number); look-ups are answered by the reading. Calls by route: ${Object.entries(median.byRoute)
        .sort((a, b) => b[1] - a[1])
        .map(([route, n]) => `${route} ${n}`)
        .join(', ')}.`,
    ];
    const title = process.env.DATABASE_URL ? 'Provisioning, PostgreSQL' : 'Provisioning, embedded database';
    const markdown = `## ${title}\n\n${lines.join('\n')}\n`;
    console.log(markdown);
    writeSection(process.env.DATABASE_URL ? 'provisioning-postgresql' : 'provisioning', markdown);
  } finally {
    await service.close();
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
