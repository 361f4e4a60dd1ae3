import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { api } from '../scripts/support/api.js';
import { WebhookReceiver } from '../tools/testing/webhook-receiver.js';
import { createScratchDatabase } from '../tools/support/postgres-admin.js';
import { projectRoot } from '../tools/support/project-root.js';
import { mulberry32 } from '../tools/support/random.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { startSimulator, type RunningSimulator } from '../tools/xelion-simulator/simulator.js';
import { checkLogsFreeOfSecrets, checkOrdersFinished, checkSingleRunner, checkTenant, checkWebhooks, checkWithinContract, type OrderOutcome, type TenantDump } from './checks.js';
import { Fleet, type Instance } from './fleet.js';
import { chaosOrders, type ChaosOrder } from './workload.js';

/**
 * `npm run chaos`: three service instances (`node dist/src/main.js`) on one real PostgreSQL
 * database, the Xelion simulator and a webhook receiver, all on loopback. While 300 orders are
 * submitted and run: instances are killed with SIGKILL at random and started again, PostgreSQL is
 * restarted once, the simulator answers 429 bursts and 500s, and the webhook receiver goes down for a
 * while. Then it checks and prints: every order COMPLETED or FAILED with a cause; no order run by two
 * instances at once; no duplicate object in any tenant; every status change delivered, in order,
 * verified with `standardwebhooks`; no secret in any log line; a clean SIGTERM exit of each instance.
 * Exits 1 if any check fails. `--orders 60 --duration 30` is the short version CI runs.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '300' },
    duration: { type: 'string', default: '120' },
    instances: { type: 'string', default: '3' },
    seed: { type: 'string' },
    settle: { type: 'string', default: '240' },
    'no-pg-restart': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(`npm run chaos -- [--orders 300] [--duration 120] [--instances 3] [--seed N] [--settle 240] [--no-pg-restart] [--keep]
  CHAOS_ADMIN_URL   an administrative connection to the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres);
                    the run creates a database of its own there and drops it at the end (--keep leaves it and the logs).
  PostgreSQL is restarted with pg_ctlcluster (the server must be local and this user allowed to); --no-pg-restart skips it.`);
  process.exit(0);
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`chaos: --${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const ORDERS = positive('orders', args.orders!);
const DURATION_MS = positive('duration', args.duration!) * 1000;
const INSTANCES = positive('instances', args.instances!);
const SETTLE_MS = positive('settle', args.settle!) * 1000;
const SEED = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : positive('seed', args.seed);
const ORGANIZATIONS = 3;
const LEASE_SECONDS = 3;
/** The executor stops calling Xelion min(1 s, lease/10) before its lease ends (executor.service.ts). */
const MIN_HANDOVER_MS = Math.min(1000, (LEASE_SECONDS * 1000) / 10);
const ADMIN_URL = process.env.CHAOS_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const random = mulberry32(SEED);
const between = (min: number, max: number) => min + random() * (max - min);

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1).padStart(6);
const say = (message: string) => console.log(`[${elapsed()} s] ${message}`);

/** The local cluster's restart command, or why there is none. */
function pgRestartCommand(): { file: string; args: string[] } | string {
  const host = new URL(ADMIN_URL).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(host)) return `PostgreSQL at ${host} is not local`;
  if (!existsSync('/etc/postgresql')) return 'no /etc/postgresql (pg_ctlcluster clusters)';
  const versions = readdirSync('/etc/postgresql');
  if (versions.length === 0) return 'no cluster under /etc/postgresql';
  return { file: 'pg_ctlcluster', args: ['--skip-systemctl-redirect', versions.sort().at(-1)!, 'main', 'restart'] };
}

interface Submission {
  order: ChaosOrder;
  id?: number;
  tries: number;
}

const answers = new Map<string, number>();
const count = (key: string) => answers.set(key, (answers.get(key) ?? 0) + 1);

/** POST /api/v1/provision to a random running instance until one answers with the order (same Idempotency-Key every time). */
async function submit(fleet: Fleet, sim: RunningSimulator, receiver: WebhookReceiver, keys: string[], submission: Submission, deadline: number): Promise<void> {
  const { order } = submission;
  while (Date.now() < deadline) {
    const instance = fleet.pick(random);
    if (!instance) {
      await sleep(100);
      continue;
    }
    submission.tries++;
    try {
      const response = await fetch(`${instance.url}/api/v1/provision`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-auth-key': keys[order.organization],
          'idempotency-key': `chaos-order-${order.index}`,
          'xelion-server-url': sim.url,
          'xelion-tenant-name': order.tenant,
          'xelion-tenant-token': order.token,
          'x-callback-url': receiver.url(`/org${order.organization}`),
        },
        body: JSON.stringify(order.configuration),
        signal: AbortSignal.timeout(10_000),
      });
      count(`HTTP ${response.status}`);
      const text = await response.text();
      if (response.status === 200 || response.status === 201) {
        submission.id = (JSON.parse(text) as { id: number }).id;
        return;
      }
      if (response.status < 500 && response.status !== 429 && response.status !== 408) {
        throw new Error(`POST /api/v1/provision for order ${order.index} answered ${response.status}: ${text}`);
      }
    } catch (error) {
      if ((error as Error).message.startsWith('POST /api/v1/provision')) throw error;
      count(`network: ${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name}`);
    }
    await sleep(between(100, 400));
  }
  throw new Error(`order ${order.index} could not be submitted before the deadline`);
}

/** Starts an instance, trying again while it cannot (PostgreSQL may be restarting). */
async function startWithRetries(instance: Instance, until: number): Promise<void> {
  for (;;) {
    try {
      await instance.start();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      say(`${instance.name} did not start (${(error as Error).message}); trying again`);
      await sleep(1000);
    }
  }
}

/** Everything one run starts, and stops at the end. */
interface Environment {
  logDir: string;
  database: Awaited<ReturnType<typeof createScratchDatabase>>;
  sim: RunningSimulator;
  receiver: WebhookReceiver;
  fleet: Fleet;
  rootKey: string;
  /** Every secret handed to the service: none may appear in a log line. */
  secrets: string[];
  /** A connection of the checks' own to the run's database. */
  pool: pg.Pool;
}

/** The restart command of the local PostgreSQL cluster, or why it is skipped; throws when it is needed and impossible. */
function postgresRestart(): ReturnType<typeof pgRestartCommand> {
  const restart = args['no-pg-restart'] ? 'skipped (--no-pg-restart)' : pgRestartCommand();
  if (typeof restart === 'string' && !args['no-pg-restart']) throw new Error(`cannot restart PostgreSQL: ${restart}; run with --no-pg-restart to go without`);
  return restart;
}

/** The settings of every instance: short leases, polls and webhook retries, so that the run is short. */
function instanceEnvironment(databaseUrl: string, rootKey: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ROOT_API_KEY: rootKey,
    OUTBOUND_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'info',
    LEASE_SECONDS: String(LEASE_SECONDS),
    EXECUTOR_POLL_MS: '100',
    EXECUTOR_CONCURRENCY: '8',
    XELION_TIMEOUT_MS: '5000',
    WEBHOOK_POLL_MS: '100',
    WEBHOOK_LEASE_SECONDS: '3',
    WEBHOOK_TIMEOUT_MS: '2000',
    // Short retries, ~60 s in all: longer than the receiver's outage, so nothing is given up.
    WEBHOOK_RETRY_SCHEDULE_MS: '200,400,800,1600,3000,4000,5000,5000,5000,5000,5000,5000,5000,5000,5000',
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_UNFINISHED_ORDERS: '0',
  };
}

/** A scratch database, the simulator with one tenant per order, the webhook receiver and the (not yet started) fleet. */
async function startEnvironment(script: string, orders: ChaosOrder[]): Promise<Environment> {
  const logDir = mkdtempSync(join(tmpdir(), 'xps-chaos-'));
  const database = await createScratchDatabase(ADMIN_URL, 'xps_chaos');
  say(`seed ${SEED}; ${ORDERS} orders, ${INSTANCES} instances, ${DURATION_MS / 1000} s of chaos; database ${database.name}; logs in ${logDir}`);
  const sim = await startSimulator({
    port: 0,
    tenants: orders.map((order) => ({ name: order.tenant, tokens: [order.token] })),
    latencyMs: 2,
    latencyJitterMs: 8,
    seed: SEED,
    recordRequests: true,
  });
  const receiver = await WebhookReceiver.start([]);
  const rootKey = `chaos-root-${randomBytes(24).toString('hex')}`;
  const env = instanceEnvironment(database.url, rootKey);
  const fleet = await Fleet.create(INSTANCES, script, env, logDir);
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  pool.on('error', () => undefined); // PostgreSQL restarts during the run
  return { logDir, database, sim, receiver, fleet, rootKey, secrets: [rootKey, env.ENCRYPTION_KEY, ...orders.map((order) => order.token)], pool };
}

/** Stops what startEnvironment started (the database and logs stay with --keep). */
async function stopEnvironment({ fleet, pool, receiver, sim, database }: Environment): Promise<void> {
  for (const instance of fleet.instances) await instance.kill();
  await pool.end().catch(() => undefined);
  await receiver.close();
  await sim.close();
  if (!args.keep) await database.drop().catch((error: Error) => say(`could not drop ${database.name}: ${error.message}`));
}

/**
 * Before any chaos: starts the instances, gives the root organization the simulator's credentials
 * (inherited) and host, and creates the resellers. Returns each reseller's API key.
 */
async function setUp({ fleet, sim, receiver, rootKey, secrets }: Environment): Promise<string[]> {
  await fleet.instances[0].start();
  await Promise.all(fleet.instances.slice(1).map((instance) => instance.start()));
  say(`${INSTANCES} instances ready on ports ${fleet.instances.map((i) => i.port).join(', ')}`);
  const base = fleet.instances[0].url;
  const me = await api(base, rootKey, 'GET', '/api/v1/organizations/me');
  const credentials = simulatorCredentials(sim, `chaos-trunk-${randomBytes(6).toString('hex')}`);
  // Shared with the resellers below (inherit), the trunk only to the simulator's host (docs/credentials.md).
  for (const [key, value] of Object.entries(credentials)) await api(base, rootKey, 'PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value, inherit: true });
  await api(base, rootKey, 'PATCH', `/api/v1/organizations/${me.id}`, { allowedServerHosts: [new URL(sim.url).hostname] });
  secrets.push(credentials['numbers.apiKey'], credentials['redirection.password'], credentials['sipTrunk.password']);
  const keys: string[] = [];
  const webhookSecrets: string[] = [];
  for (let k = 0; k < ORGANIZATIONS; k++) {
    const organization = await api(base, rootKey, 'POST', '/api/v1/organizations', { name: `Chaos reseller ${k}` });
    const key = await api(base, rootKey, 'POST', `/api/v1/organizations/${organization.id}/api-keys`, { name: 'chaos' });
    keys.push(key.key);
    webhookSecrets.push((await api(base, key.key, 'GET', `/api/v1/organizations/${organization.id}/webhook-secret`)).secret);
  }
  receiver.secrets = webhookSecrets;
  secrets.push(...keys, ...webhookSecrets);
  return keys;
}

/** What the chaos phase did, for the report. */
interface ChaosDone {
  pgRestartMs: number | null;
  outageMs: number;
}

/** SIGKILLs at random for the whole chaos phase; each victim comes back after a short while (its restart is pushed to `restarts`). */
async function killAtRandom(fleet: Fleet, chaosEnd: number, restarts: Promise<void>[]): Promise<void> {
  while (Date.now() < chaosEnd - 2000) {
    await sleep(between(1500, 5000));
    const victim = fleet.up[Math.floor(random() * fleet.up.length)];
    if (!victim || Date.now() >= chaosEnd) continue;
    await victim.kill();
    const downMs = between(300, 2500);
    say(`SIGKILL ${victim.name} (kill #${fleet.instances.reduce((n, i) => n + i.kills, 0)}); back in ${Math.round(downMs)} ms`);
    restarts.push(sleep(downMs).then(() => startWithRetries(victim, Date.now() + 120_000)));
  }
}

/** Restarts PostgreSQL once, a third of the way in; returns how long it took (null when skipped). */
async function restartPostgresOnce(restart: ReturnType<typeof pgRestartCommand>): Promise<number | null> {
  if (typeof restart === 'string') return null;
  await sleep(DURATION_MS * 0.35);
  say(`restarting PostgreSQL: ${restart.file} ${restart.args.join(' ')}`);
  const t0 = Date.now();
  await run(restart.file, restart.args);
  const ms = Date.now() - t0;
  say(`PostgreSQL is back after ${ms} ms`);
  return ms;
}

/** Takes the webhook receiver down for `outageMs`, half-way through. */
async function webhookOutage(receiver: WebhookReceiver, outageMs: number): Promise<void> {
  await sleep(DURATION_MS * 0.5);
  await receiver.down();
  say(`webhook receiver down for ${Math.round(outageMs)} ms`);
  await sleep(outageMs);
  await receiver.up();
  say('webhook receiver up again');
}

/**
 * The chaos phase: orders submitted over the first 60% of it while instances are killed, PostgreSQL
 * restarts, Xelion answers 500s and 429 bursts and the receiver is down; then the faults stop, every
 * instance runs again and every order has been accepted.
 */
async function runChaos(environment: Environment, keys: string[], submissions: Submission[], restart: ReturnType<typeof pgRestartCommand>): Promise<ChaosDone> {
  const { fleet, sim, receiver } = environment;
  const chaosEnd = Date.now() + DURATION_MS;
  sim.setOptions({ errorRate: 0.03, errorPhase: 'random', burst429: 25, burst429Every: 600, retryAfter: 1 });
  say('chaos: 3% Xelion 500s (before and after the change), 429 bursts of 25 every 600 calls');
  const submitWindow = DURATION_MS * 0.6;
  const submitted = Promise.all(
    submissions.map(async (submission, i) => {
      await sleep((submitWindow * i) / ORDERS);
      await submit(fleet, sim, receiver, keys, submission, chaosEnd + 60_000);
    }),
  );
  const restarts: Promise<void>[] = [];
  const outageMs = Math.min(10_000, DURATION_MS * 0.15);
  const [, pgRestartMs] = await Promise.all([
    killAtRandom(fleet, chaosEnd, restarts),
    restartPostgresOnce(restart),
    webhookOutage(receiver, outageMs),
    sleep(Math.max(0, chaosEnd - Date.now())),
  ]);
  sim.setOptions({ errorRate: 0, burst429: 0, burst429Every: 0 });
  await Promise.all(restarts);
  for (const instance of fleet.instances) if (!instance.up) await startWithRetries(instance, Date.now() + 60_000);
  say('chaos over: faults off, every instance running; waiting for the orders and their webhooks');
  await submitted;
  return { pgRestartMs, outageMs };
}

/** Waits (up to --settle) until every order is finished and no webhook message is pending. */
async function settle(pool: pg.Pool, ids: number[]): Promise<void> {
  const settleDeadline = Date.now() + SETTLE_MS;
  for (;;) {
    const [{ open, pending }] = (
      await pool.query(
        `SELECT (SELECT count(*) FROM orders WHERE id = ANY($1::int[]) AND status NOT IN ('COMPLETED', 'FAILED'))::int AS open,
                (SELECT count(*) FROM webhook_messages WHERE status = 'pending')::int AS pending`,
        [ids],
      )
    ).rows as { open: number; pending: number }[];
    if (open === 0 && pending === 0) return;
    if (Date.now() > settleDeadline) {
      say(`settle timed out: ${open} orders unfinished, ${pending} webhook messages pending`);
      return;
    }
    await sleep(250);
  }
}

type Outcome = OrderOutcome & { attempts: number };
interface CheckResult {
  name: string;
  violations: string[];
}
interface WebhookTally {
  uniqueMessages: number;
  redelivered: number;
}

/** Every order's webhooks, checked against its final status; and no message left undelivered. */
async function checkAllWebhooks(environment: Environment, submissions: Submission[], byId: Map<number, Outcome>): Promise<CheckResult & WebhookTally> {
  let redelivered = 0;
  let uniqueMessages = 0;
  const violations: string[] = [];
  for (const s of submissions) {
    const order = byId.get(s.id!);
    if (!order) continue;
    const received = environment.receiver.received
      .filter((m) => m.json?.data?.id === s.id)
      .map((m) => ({ id: m.id, json: m.json, verified: m.path === `/org${s.order.organization}` && m.verifiedWith.includes(s.order.organization) }));
    const verdict = checkWebhooks(order, received);
    redelivered += verdict.redelivered;
    uniqueMessages += verdict.unique;
    violations.push(...verdict.violations);
  }
  const [{ undelivered }] = (await environment.pool.query(`SELECT count(*)::int AS undelivered FROM webhook_messages WHERE status <> 'delivered'`)).rows as { undelivered: number }[];
  if (undelivered > 0) violations.push(`${undelivered} webhook messages not delivered (given up or pending)`);
  return { name: 'every status change delivered, in order, verified with standardwebhooks', violations, uniqueMessages, redelivered };
}

/** The run's checks (chaos/checks.ts), each with its violations. */
async function runChecks(
  environment: Environment,
  submissions: Submission[],
  outcomes: Outcome[],
  termCodes: (number | null)[],
): Promise<{ results: CheckResult[]; webhooks: WebhookTally }> {
  const { sim, fleet, secrets } = environment;
  const ids = submissions.map((s) => s.id!);
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  const webhooks = await checkAllWebhooks(environment, submissions, byId);
  const logs = fleet.instances.map((instance) => ({ name: instance.logFile, text: readFileSync(instance.logFile, 'utf8') }));
  const results: CheckResult[] = [
    { name: 'every order COMPLETED or FAILED with a cause', violations: [...checkOrdersFinished(outcomes), ...ids.filter((id) => !byId.has(id)).map((id) => `order ${id} is missing`)] },
    {
      name: 'no order run by two instances at once',
      violations: submissions.flatMap((s) => checkSingleRunner(s.order.tenant, sim.requests(s.order.tenant), MIN_HANDOVER_MS)),
    },
    {
      name: 'every Xelion request within the contract',
      violations: submissions.flatMap((s) => checkWithinContract(s.order.tenant, sim.requests(s.order.tenant))),
    },
    {
      name: 'no duplicate object in any tenant',
      violations: submissions.flatMap((s) => checkTenant(s.order.tenant, sim.dump(s.order.tenant) as unknown as TenantDump, s.order.expected, byId.get(s.id!)?.status === 'COMPLETED')),
    },
    { name: webhooks.name, violations: webhooks.violations },
    { name: 'no secret in any log line', violations: checkLogsFreeOfSecrets(logs, secrets) },
    {
      name: 'SIGTERM: every instance drained and exited 0',
      violations: termCodes.flatMap((code, i) => (code === 0 ? [] : [`${fleet.instances[i].name} exited with ${code === null ? 'nothing (killed after 20 s)' : code}`])),
    },
  ];
  return { results, webhooks: { uniqueMessages: webhooks.uniqueMessages, redelivered: webhooks.redelivered } };
}

/** Writes report.json into the log directory and prints the summary and each check; returns whether a check failed. */
function report(
  environment: Environment,
  submissions: Submission[],
  outcomes: Outcome[],
  checks: { results: CheckResult[]; webhooks: WebhookTally },
  chaos: ChaosDone,
  restart: ReturnType<typeof pgRestartCommand>,
): boolean {
  const { sim, fleet, logDir } = environment;
  const { results } = checks;
  const { uniqueMessages, redelivered } = checks.webhooks;
  const statuses = outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.status]: (acc[o.status] ?? 0) + 1 }), {});
  const causes = outcomes.filter((o) => o.status === 'FAILED').reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.error?.code ?? '?']: (acc[o.error?.code ?? '?'] ?? 0) + 1 }), {});
  const takenOver = outcomes.filter((o) => o.attempts > 1).length;
  let calls = 0;
  let rejected429 = 0;
  let errors500 = 0;
  for (const s of submissions) {
    const summary = sim.calls(s.order.tenant);
    calls += summary.total;
    rejected429 += summary.byStatus['429'] ?? 0;
    errors500 += summary.byStatus['500'] ?? 0;
  }
  const summary = {
    seed: SEED,
    orders: ORDERS,
    durationSeconds: DURATION_MS / 1000,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    statuses,
    failureCauses: causes,
    ordersClaimedMoreThanOnce: takenOver,
    kills: fleet.instances.reduce((n, i) => n + i.kills, 0),
    starts: fleet.instances.reduce((n, i) => n + i.starts, 0),
    postgresRestart: typeof restart === 'string' ? restart : { ms: chaos.pgRestartMs },
    webhookReceiverDownMs: Math.round(chaos.outageMs),
    xelionCalls: { total: calls, answered429: rejected429, answered500: errors500 },
    webhooks: { unique: uniqueMessages, redelivered },
    submissionAnswers: Object.fromEntries(answers),
    checks: results.map((r) => ({ check: r.name, pass: r.violations.length === 0, violations: r.violations.length, first: r.violations.slice(0, 5) })),
    logs: logDir,
  };
  writeFileSync(join(logDir, 'report.json'), JSON.stringify(summary, null, 2));
  console.log('');
  console.log(`orders: ${JSON.stringify(statuses)}${Object.keys(causes).length ? `, failure causes ${JSON.stringify(causes)}` : ''}; ${takenOver} claimed more than once`);
  console.log(`chaos: ${summary.kills} SIGKILLs, ${summary.starts} starts, PostgreSQL restart ${typeof restart === 'string' ? restart : `${chaos.pgRestartMs} ms`}, webhook receiver down ${summary.webhookReceiverDownMs} ms`);
  console.log(`Xelion: ${calls} calls, ${rejected429} answered 429, ${errors500} answered 500; webhooks: ${uniqueMessages} status changes delivered, ${redelivered} redelivered`);
  console.log(`submissions: ${JSON.stringify(summary.submissionAnswers)}`);
  console.log('');
  for (const result of results) {
    console.log(`${result.violations.length === 0 ? 'PASS' : 'FAIL'}  ${result.name}`);
    for (const violation of result.violations.slice(0, 10)) console.log(`        ${violation}`);
    if (result.violations.length > 10) console.log(`        … and ${result.violations.length - 10} more`);
  }
  const failed = results.some((r) => r.violations.length > 0);
  console.log('');
  const kept = failed || args.keep;
  console.log(`${failed ? 'FAILED' : 'PASSED'} in ${summary.wallSeconds} s (seed ${SEED}${kept ? `; report and logs in ${logDir}` : ''})`);
  if (!kept) rmSync(logDir, { recursive: true, force: true });
  return failed;
}

async function main(): Promise<number> {
  const script = join(projectRoot(import.meta.url), 'dist', 'src', 'main.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first (npm run chaos does)`);
  const restart = postgresRestart();
  const orders = chaosOrders(ORDERS, ORGANIZATIONS);
  const environment = await startEnvironment(script, orders);
  try {
    const keys = await setUp(environment);
    const submissions: Submission[] = orders.map((order) => ({ order, tries: 0 }));
    const chaos = await runChaos(environment, keys, submissions, restart);
    const ids = submissions.map((s) => s.id!);
    await settle(environment.pool, ids);
    say('settled; stopping the instances with SIGTERM');
    const termCodes = await Promise.all(environment.fleet.instances.map((instance) => instance.terminate()));
    const outcomes = (await environment.pool.query(`SELECT id, status, error, attempts FROM orders WHERE id = ANY($1::int[]) ORDER BY id`, [ids])).rows as Outcome[];
    const checks = await runChecks(environment, submissions, outcomes, termCodes);
    return report(environment, submissions, outcomes, checks, chaos, restart) ? 1 : 0;
  } finally {
    await stopEnvironment(environment);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
