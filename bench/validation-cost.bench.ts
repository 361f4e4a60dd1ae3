/**
 * Validation cost (docs/security.md, "Validation cost"): `GET /health/live` latency while clients POST
 * the worst configuration (tools/support/worst-configuration.ts: 2,000 users wrong in every field,
 * over 50,000 errors if every one were computed) to the public `POST /api/v1/provision/test` in
 * parallel, against the same server's `/health/live` latency without that load, in the same run.
 * Writes the "Validation cost" section of docs/benchmarks.md.
 *
 *   npm run build && node dist/bench/validation-cost.bench.js
 */
import 'reflect-metadata';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { ConfigurationValidator, VALIDATION_SLICE_MS } from '../src/configuration/configuration.validator.js';
import { worstCaseConfiguration } from '../tools/support/worst-configuration.js';
import { describeLoad, load, type LoadResult } from './support/load.js';
import { machine, percentile, writeSection } from './support/report.js';
import { startServerProcess } from './support/server-process.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Clients sending the worst document at once (the audit saw six push /health/live to 3.3 s). */
const ATTACKERS = 6;
const PROBES = 4;

export async function benchValidationCost(): Promise<{ baseline: LoadResult; loaded: LoadResult; posts: { requests: number; p50Ms: number; non400: number }; validationMs: number }> {
  const loadAtStart = loadavg()[0];
  const worst = JSON.stringify(worstCaseConfiguration());
  const validator = new ConfigurationValidator();
  const times: number[] = [];
  for (let run = 0; run < 10; run++) {
    const start = performance.now();
    const result = validator.validate(JSON.parse(worst));
    times.push(performance.now() - start);
    if (result.valid || result.errors.length !== 1_001) throw new Error('the worst document must give a full list of errors');
  }
  times.sort((a, b) => a - b);
  const validationMs = percentile(times, 50);

  // The limits would answer most of the attack with 429s: off here, to measure the validation itself.
  const server = await startServerProcess('dist/bench/support/service-server.js', {
    ROOT_API_KEY: `bench-${'k'.repeat(32)}`,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    PROVISION_TEST_PER_MINUTE: '0',
  });
  let baseline: LoadResult;
  let loaded: LoadResult;
  let posts: { requests: number; p50Ms: number; non400: number };
  try {
    baseline = await load({ url: `${server.url}/health/live`, connections: PROBES, durationSeconds: DURATION });
    const attack = autocannon({
      url: `${server.url}/api/v1/provision/test`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: worst,
      connections: ATTACKERS,
      duration: DURATION + 4,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    loaded = await load({ url: `${server.url}/health/live`, connections: PROBES, durationSeconds: DURATION });
    const result = await attack;
    posts = { requests: result.requests.total, p50Ms: result.latency.p50, non400: result.non2xx - (result['4xx'] ?? 0) + result.errors };
  } finally {
    await server.stop();
  }
  for (const [name, result] of [['baseline', baseline], ['loaded', loaded]] as const) {
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`/health/live ${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  }

  writeSection(
    'validation-cost',
    `## Validation cost: \`/health/live\` while the worst documents are validated

Command: \`npm run build && node dist/bench/validation-cost.bench.js\`. Machine: ${machine()}; load average
${loadAtStart.toFixed(1)} on ${cpus().length} cores when it started, ${loadavg()[0].toFixed(1)} at the end (other work on the machine
lengthens every latency here, the baseline's too).

The worst document (\`tools/support/worst-configuration.ts\`, ${Math.round(worst.length / 1024)} kB): 2,000 users wrong in every
field, over 50,000 errors if every one were computed (the audit measured 1.0–1.5 s per request then).
Validation stops once the 400's list of 1,000 errors is full, and over HTTP it gives the event loop back every
${VALIDATION_SLICE_MS} ms, one costly document at a time. In process, one validation of it takes **${validationMs.toFixed(0)} ms** (median of 10, \`JSON.parse\` included).

Over HTTP, the service in its own process on the embedded database, the per-address limits off: autocannon,
${PROBES} connections on \`GET /health/live\` for ${DURATION} s after a 2 s warm-up, first alone, then while ${ATTACKERS} other
connections POST the worst document to \`/api/v1/provision/test\` without pause.

| target | result |
|---|---|
| \`GET /health/live\`, alone (baseline) | ${describeLoad(baseline)} |
| \`GET /health/live\` while ${ATTACKERS} clients send the worst document | ${describeLoad(loaded)} |
| the worst documents meanwhile | ${posts.requests} answered (400 with 1,000 errors), p50 ${posts.p50Ms} ms |
| **p99 under attack ÷ p99 alone** | **${(loaded.p99Ms / Math.max(1, baseline.p99Ms)).toFixed(1)}×**; p99 ${loaded.p99Ms} ms against the goal of 100 ms: **${loaded.p99Ms < 100 ? 'met' : 'not met'}** |`,
  );
  return { baseline, loaded, posts, validationMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { baseline, loaded, posts, validationMs } = await benchValidationCost();
  console.log(`worst document in process: ${validationMs.toFixed(1)} ms`);
  console.log(`/health/live alone:        ${describeLoad(baseline)}\n/health/live under attack: ${describeLoad(loaded)}\nworst documents:           ${posts.requests}, p50 ${posts.p50Ms} ms, ${posts.non400} not 4xx`);
}
