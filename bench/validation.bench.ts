/**
 * Configuration validation benchmark:
 *  1. in process: the time to validate examples/company-2000.json (2,000 users), cold and warm, and the
 *     same document with one error (the slower path that reports errors, see configuration.validator.ts);
 *  2. over HTTP: requests per second of `POST /api/v1/provision/test` with examples/small-office.json,
 *     as a ratio against the same server's `GET /health` in the same run (the server in a process of
 *     its own, autocannon in this one).
 * Writes the "Configuration validation" section of docs/benchmarks.md.
 *
 *   npm run build && node dist/bench/validation.bench.js
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { ConfigurationValidator } from '../src/configuration/configuration.validator.js';
import { describeLoad, load, type LoadResult } from './support/load.js';
import { machine, percentile, writeSection } from './support/report.js';
import { startServerProcess } from './support/server-process.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;
const RUNS = Number(process.env.BENCH_VALIDATION_RUNS ?? 50);

interface Timing {
  coldMs: number;
  medianMs: number;
  p95Ms: number;
  /** CPU time of this process per validation (user + system), median: what the machine's other load does not inflate. */
  cpuMedianMs: number;
}

function time(validate: () => void): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  let coldMs = 0;
  for (let run = 0; run <= RUNS; run++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    validate();
    const elapsed = performance.now() - start;
    const used = process.cpuUsage(cpuStart);
    if (run === 0) coldMs = elapsed;
    else {
      wall.push(elapsed);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return { coldMs, medianMs: percentile(wall, 50), p95Ms: percentile(wall, 95), cpuMedianMs: percentile(cpu, 50) };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

export async function benchValidation(): Promise<{ valid: Timing; invalid: Timing; health: LoadResult; test: LoadResult; ratio: number }> {
  const loadAtStart = loadavg()[0];
  const text = readFileSync('examples/company-2000.json', 'utf8');
  const validator = new ConfigurationValidator();
  const valid = time(() => {
    const result = validator.validate(JSON.parse(text));
    if (!result.valid) throw new Error(`examples/company-2000.json is invalid: ${JSON.stringify(result.errors.slice(0, 3))}`);
  });
  const invalid = time(() => {
    const document = JSON.parse(text);
    document.users[1999].internalNumber = '112';
    const result = validator.validate(document);
    if (result.valid || result.errors.length !== 1) throw new Error('expected exactly one error');
  });

  const smallOffice = readFileSync('examples/small-office.json', 'utf8');
  const server = await startServerProcess('dist/bench/support/service-server.js', { ROOT_API_KEY: `bench-${'k'.repeat(32)}`, LOG_LEVEL: 'warn', PROVISION_TEST_PER_MINUTE: '0' });
  let health: LoadResult;
  let test: LoadResult;
  try {
    health = await load({ url: `${server.url}/health`, connections: CONNECTIONS, durationSeconds: DURATION });
    test = await load({
      url: `${server.url}/api/v1/provision/test`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: smallOffice,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
    });
  } finally {
    await server.stop();
  }
  for (const [name, result] of [['GET /health', health], ['POST /api/v1/provision/test', test]] as const) {
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  }
  const ratio = test.requestsPerSecond / health.requestsPerSecond;

  writeSection(
    'configuration-validation',
    `## Configuration validation

Command: \`npm run build && node dist/bench/validation.bench.js\`. Machine: ${machine()}; load average
${loadAtStart.toFixed(1)} on ${cpus().length} cores when it started (other work on the machine slows the wall-clock figures).

**Validating \`examples/company-2000.json\`** (2,000 users, 50 departments, 480 kB; \`JSON.parse\` included),
in process, ${RUNS} runs after a cold first one. CPU is this process's own time per validation (median), which
other load on the machine does not inflate; wall is elapsed time.

| document | cold | median (wall) | p95 (wall) | median (CPU) |
|---|---|---|---|---|
| valid (the schema pass, document rules, normalisation) | ${ms(valid.coldMs)} | ${ms(valid.medianMs)} | ${ms(valid.p95Ms)} | ${ms(valid.cpuMedianMs)} |
| one error (also class-validator, for the error messages) | ${ms(invalid.coldMs)} | ${ms(invalid.medianMs)} | ${ms(invalid.p95Ms)} | ${ms(invalid.cpuMedianMs)} |

Goal: a valid 2,000-user document well under 100 ms.

**\`POST /api/v1/provision/test\` with \`examples/small-office.json\`** (10 users, 8 kB) against the same
server's \`GET /health\` (one \`SELECT 1\`), in the same run: autocannon, ${CONNECTIONS} connections, ${DURATION} s
after a 2 s warm-up, the service in its own process on the embedded database (PROVISION_TEST_PER_MINUTE=0: the per-address limit off).

| target | result |
|---|---|
| \`GET /health\` (baseline) | ${describeLoad(health)} |
| \`POST /api/v1/provision/test\`, small office | ${describeLoad(test)} |
| **ratio (test ÷ health, requests per second)** | **${ratio.toFixed(2)}** |`,
  );
  return { valid, invalid, health, test, ratio };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { valid, invalid, health, test, ratio } = await benchValidation();
  console.log(`company-2000 valid:     cold ${ms(valid.coldMs)}, median ${ms(valid.medianMs)}, p95 ${ms(valid.p95Ms)}, CPU ${ms(valid.cpuMedianMs)}`);
  console.log(`company-2000 one error: cold ${ms(invalid.coldMs)}, median ${ms(invalid.medianMs)}, p95 ${ms(invalid.p95Ms)}, CPU ${ms(invalid.cpuMedianMs)}`);
  console.log(`GET /health:            ${describeLoad(health)}\nPOST provision/test:    ${describeLoad(test)}\nratio:                  ${ratio.toFixed(2)}`);
}
