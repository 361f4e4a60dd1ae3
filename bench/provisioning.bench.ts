/**
 * Provisioning benchmark (issue 5 "Performance"): examples/company-200.json provisioned against the
 * simulator with 20 ms latency per call. Reports the Xelion calls made against the minimum the
 * configuration needs, and the wall time against the lower bound (minimum calls × latency ÷ allowed
 * concurrency). The service runs in this process, on the embedded database or on DATABASE_URL (use an
 * empty database), at XELION_MAX_CONCURRENCY (default 4).
 *
 *   npm run build && node dist/bench/provisioning.bench.js
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { createApp } from '../src/app.js';
import type { Configuration } from '../src/configuration/configuration.types.js';
import { loadSettings } from '../src/config/settings.js';
import { startSimulator } from '../tools/xelion-simulator/simulator.js';
import { machine, writeSection } from './support/report.js';

const LATENCY_MS = Number(process.env.BENCH_XELION_LATENCY_MS ?? 20);
const EXAMPLE = process.env.BENCH_PROVISIONING_EXAMPLE ?? 'examples/company-200.json';

/**
 * The fewest Xelion calls that provision `configuration` on an empty tenant, following
 * ../shared/spec/xelion-api.md: one look-up per natural key that may exist already (user, organisation,
 * department line, closed line, trunks), one create per object, and the PATCHes that only a PATCH can
 * do (voicemail, a line's phones, fallbacks, day/night mode, the trunk's numbers).
 */
export function minimumCalls(c: Configuration): number {
  let calls = 2; // preflight: GET /server/version, GET /me/info
  calls += 2; // organisation: search, create
  for (const user of c.users) {
    calls += 4; // GET /users?where=userName, POST person, POST line, POST user
    if (user.voicemail) calls += 1; // PATCH userPhoneLine/voicemailActive
    if (user.phones.length > 0) calls += user.phones.length + 1; // POST each phone, one PATCH adding them to the line
  }
  if (c.departments.some((d) => d.openingHours)) calls += 3; // closed line: search, create, voicemail
  calls += c.departments.length * 2; // department line: search, create (members, numbers, recording in the create)
  calls += c.departments.filter((d) => d.fallback).length; // one PATCH each
  calls += c.departments.filter((d) => d.openingHours).length; // one PATCH each
  const external = c.users.some((u) => u.externalNumber) || c.departments.some((d) => d.externalNumbers.length > 0);
  if (external) calls += 3; // GET /trunks, POST /trunks (empty tenant), one PATCH with every number
  return calls;
}

async function main(): Promise<void> {
  const load = loadavg()[0];
  const token = randomBytes(16).toString('hex');
  const sim = await startSimulator({ port: 0, tenants: [{ name: 'bench', tokens: [token] }], latencyMs: LATENCY_MS });
  const rootKey = randomBytes(24).toString('base64url');
  const settings = loadSettings({
    DATA_DIR: 'memory',
    ROOT_API_KEY: rootKey,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    EXECUTOR_POLL_MS: '50',
    LOG_LEVEL: 'warn',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL, ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
  });
  const app = await createApp(settings, { logDestination: new PassThrough().resume() });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.app.getHttpServer().address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-auth-key': rootKey, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  try {
    const me = await call('GET', '/api/v1/organizations/me');
    const credentials: Record<string, string> = {
      'numbers.url': `${sim.url}/numbers`,
      'numbers.apiKey': sim.options.numbersApiKey,
      'redirection.url': `${sim.url}/redirection`,
      'redirection.username': sim.options.redirectionUsername,
      'redirection.password': sim.options.redirectionPassword,
      'sipTrunk.providerName': 'Bench SIP',
      'sipTrunk.host': 'sip.bench.example',
      'sipTrunk.account': 'bench',
      'sipTrunk.password': randomBytes(12).toString('hex'),
    };
    for (const [key, value] of Object.entries(credentials)) await call('PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value });
    const document = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    sim.state.tenant('bench').resetCalls();

    const started = performance.now();
    const { id } = await call('POST', '/api/v1/provision', document, {
      'Xelion-Server-Url': sim.url,
      'Xelion-Tenant-Name': 'bench',
      'Xelion-Tenant-Token': token,
    });
    let order;
    for (;;) {
      order = await call('GET', `/api/v1/orders/${id}`);
      if (order.status === 'COMPLETED' || order.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const wallMs = performance.now() - started;
    if (order.status !== 'COMPLETED') throw new Error(`the order failed: ${JSON.stringify(order.error)}`);

    const stats = sim.calls('bench');
    const minimum = minimumCalls(order.configuration as Configuration);
    const concurrency = settings.xelion.maxConcurrency;
    const lowerBoundMs = (minimum * LATENCY_MS) / concurrency;
    const users = document.users.length;
    const departments = document.departments?.length ?? 0;
    const lines = [
      `Command: \`npm run build && node dist/bench/provisioning.bench.js\`. Machine: ${machine()}; ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database'}; load average ${load.toFixed(1)} on ${cpus().length} cores when it started (other work on the machine stretches the wall time).`,
      '',
      `**\`${EXAMPLE}\`** (${users} users, ${departments} departments) provisioned on an empty simulated tenant, ${LATENCY_MS} ms latency per Xelion call,`,
      `XELION_MAX_CONCURRENCY=${concurrency}. Time from POST /api/v1/provision to COMPLETED (polled every 20 ms).`,
      '',
      '| measure | result | goal |',
      '|---|---|---|',
      `| Xelion calls | ${stats.total} against a minimum of ${minimum}: **${(stats.total / minimum).toFixed(2)}×** | ≤ 1.1× |`,
      `| wall time | ${(wallMs / 1000).toFixed(2)} s against a lower bound of ${(lowerBoundMs / 1000).toFixed(2)} s (${minimum} × ${LATENCY_MS} ms ÷ ${concurrency}): **${(wallMs / lowerBoundMs).toFixed(2)}×** | ≤ 1.3× |`,
      `| most requests in flight at once | ${stats.peakInFlight} (limit ${concurrency}) | |`,
      '',
      `The minimum counts, on an empty tenant: the preflight (2), a look-up and a create for the organisation, per user a look-up and`,
      `creates of person, line and user (+1 PATCH for voicemail, + each phone and one PATCH adding the phones to the line), the closed line`,
      `(look-up, create, voicemail), per department a look-up and a create, one PATCH per fallback and per opening hours, and the trunk`,
      `(list, create, one PATCH with every number). Calls by route: ${Object.entries(stats.byRoute)
        .sort((a, b) => b[1] - a[1])
        .map(([route, n]) => `${route} ${n}`)
        .join(', ')}.`,
    ];
    const markdown = `## Provisioning\n\n${lines.join('\n')}\n`;
    console.log(markdown);
    writeSection('provisioning', markdown);
  } finally {
    await app.close();
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
