import { parseArgs } from 'node:util';
import { DEFAULT_OPTIONS, startSimulator, type SimulatorOptions, type TenantSeed } from './simulator.js';
import { defaultPark } from './park.js';

/**
 * `npm run simulator -- [flags]` — every flag also reads an environment variable (flag wins):
 *   --port / SIM_PORT (8090)            --host / SIM_HOST (127.0.0.1)
 *   --tenant name:token[,token…] / SIM_TENANTS (space separated; default pbx1:demo-token), repeatable
 *   --latency-ms / SIM_LATENCY_MS       --latency-jitter-ms / SIM_LATENCY_JITTER_MS
 *   --error-rate / SIM_ERROR_RATE (0..1) --error-phase before|after|random / SIM_ERROR_PHASE
 *   --burst-429 N / SIM_BURST_429       --burst-429-every K / SIM_BURST_429_EVERY
 *   --concurrency-limit N / SIM_CONCURRENCY_LIMIT (8; 0 = unlimited)
 *   --retry-after S / SIM_RETRY_AFTER   --max-page-size / SIM_MAX_PAGE_SIZE (100)
 *   --numbers-api-key / SIM_NUMBERS_API_KEY, --redirection-user / SIM_REDIRECTION_USER,
 *   --redirection-password / SIM_REDIRECTION_PASSWORD, --seed / SIM_SEED, --park / SIM_PARK=true
 */

function fail(message: string): never {
  console.error(`xelion-simulator: ${message}`);
  process.exit(2);
}

function number(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) fail(`${name} must be a number in ${min}..${max}, got "${value}"`);
  return n;
}

function parseTenant(text: string): TenantSeed {
  const [name, tokens] = text.split(':', 2);
  if (!name || !tokens) fail(`--tenant must be name:token[,token…], got "${text}"`);
  return { name, tokens: tokens.split(',').filter(Boolean) };
}

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    tenant: { type: 'string', multiple: true },
    'latency-ms': { type: 'string' },
    'latency-jitter-ms': { type: 'string' },
    'error-rate': { type: 'string' },
    'error-phase': { type: 'string' },
    'burst-429': { type: 'string' },
    'burst-429-every': { type: 'string' },
    'concurrency-limit': { type: 'string' },
    'retry-after': { type: 'string' },
    'max-page-size': { type: 'string' },
    'numbers-api-key': { type: 'string' },
    'redirection-user': { type: 'string' },
    'redirection-password': { type: 'string' },
    seed: { type: 'string' },
    park: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  console.log('Usage: npm run simulator -- [--port 8090] [--tenant pbx1:demo-token] [--latency-ms 0] [--error-rate 0] [--burst-429 0] [--concurrency-limit 8] …');
  console.log('See tools/xelion-simulator/README.md.');
  process.exit(0);
}

const env = process.env;
const tenantTexts = values.tenant ?? (env.SIM_TENANTS ? env.SIM_TENANTS.split(/\s+/).filter(Boolean) : undefined);
const errorPhase = values['error-phase'] ?? env.SIM_ERROR_PHASE ?? DEFAULT_OPTIONS.errorPhase;
if (!['before', 'after', 'random'].includes(errorPhase)) fail('--error-phase must be before, after or random');
const retryAfter = values['retry-after'] ?? env.SIM_RETRY_AFTER;
const seed = values.seed ?? env.SIM_SEED;

const options: SimulatorOptions = {
  ...DEFAULT_OPTIONS,
  port: number('--port', values.port ?? env.SIM_PORT, DEFAULT_OPTIONS.port, 0, 65535),
  host: values.host ?? env.SIM_HOST ?? DEFAULT_OPTIONS.host,
  tenants: tenantTexts ? tenantTexts.map(parseTenant) : DEFAULT_OPTIONS.tenants,
  latencyMs: number('--latency-ms', values['latency-ms'] ?? env.SIM_LATENCY_MS, 0, 0, 600_000),
  latencyJitterMs: number('--latency-jitter-ms', values['latency-jitter-ms'] ?? env.SIM_LATENCY_JITTER_MS, 0, 0, 600_000),
  errorRate: number('--error-rate', values['error-rate'] ?? env.SIM_ERROR_RATE, 0, 0, 1),
  errorPhase: errorPhase as SimulatorOptions['errorPhase'],
  burst429: number('--burst-429', values['burst-429'] ?? env.SIM_BURST_429, 0, 0, 1_000_000),
  burst429Every: number('--burst-429-every', values['burst-429-every'] ?? env.SIM_BURST_429_EVERY, 0, 0, 1_000_000),
  concurrencyLimit: number('--concurrency-limit', values['concurrency-limit'] ?? env.SIM_CONCURRENCY_LIMIT, DEFAULT_OPTIONS.concurrencyLimit, 0, 10_000),
  retryAfter: retryAfter === undefined || retryAfter === '' ? null : number('--retry-after', retryAfter, 0, 0, 3600),
  maxPageSize: number('--max-page-size', values['max-page-size'] ?? env.SIM_MAX_PAGE_SIZE, DEFAULT_OPTIONS.maxPageSize, 1, 10_000),
  numbersApiKey: values['numbers-api-key'] ?? env.SIM_NUMBERS_API_KEY ?? DEFAULT_OPTIONS.numbersApiKey,
  redirectionUsername: values['redirection-user'] ?? env.SIM_REDIRECTION_USER ?? DEFAULT_OPTIONS.redirectionUsername,
  redirectionPassword: values['redirection-password'] ?? env.SIM_REDIRECTION_PASSWORD ?? DEFAULT_OPTIONS.redirectionPassword,
  seed: seed === undefined || seed === '' ? null : number('--seed', seed, 0, 0, 2 ** 32),
  park: values.park || env.SIM_PARK === 'true' ? defaultPark() : null,
};

const simulator = await startSimulator(options);
console.log(`Xelion simulator listening on ${simulator.url}`);
for (const tenant of options.tenants) {
  console.log(`  tenant ${tenant.name}: Xelion-Server-Url ${simulator.url}, Xelion-Tenant-Name ${tenant.name} (${tenant.tokens.length} token(s))`);
}
if (options.park) {
  const admin = options.park.users.find((u) => u.administrator)!;
  console.log(`  park: master tenant ${simulator.url}/api/v1/master (administrator ${admin.userName} / ${admin.password}), ${options.park.tenants.length} tenants`);
}
console.log(`  numbers.url ${simulator.url}/numbers   redirection.url ${simulator.url}/redirection`);
console.log(`  state: ${simulator.url}/_sim/tenants/{tenant}/state   calls: ${simulator.url}/_sim/tenants/{tenant}/calls`);

const stop = () => {
  void simulator.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
