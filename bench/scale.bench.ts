/**
 * Scale benchmark: 100,000 organizations ten levels deep and 1,000,000 orders. Measures the
 * authorization check and a page of a subtree's orders, p50 and p99, at three data sizes in one run —
 * 10k orgs / 10k orders (the baseline), 100k / 100k and 100k / 1M — so that the ratios show whether they
 * stay flat as the data grows.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/scale.bench.js
 *
 * PostgreSQL only. The benchmark creates its own database `xps_bench_scale_<random>` on the server of
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and drops it at the end
 * (BENCH_KEEP_DB=1 keeps it, to look at query plans). Data is generated with set-based SQL.
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { Caller } from '../src/common/auth/caller.js';
import type { RuntimeSettings } from '../src/config/runtime-settings.js';
import { loadSettings } from '../src/config/settings.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { runMigrations } from '../src/database/migrate.js';
import { ApiKeyService } from '../src/organizations/api-key.service.js';
import { displayPrefix, generateApiKey, hashApiKey } from '../src/organizations/api-key.token.js';
import { OrganizationsRepository } from '../src/organizations/organizations.repository.js';
import { OrganizationsService } from '../src/organizations/organizations.service.js';
import { load, type LoadResult } from './support/load.js';
import { machine, percentile, writeSection } from './support/report.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
/** One connection: each request waits for the one before, so latency is the service's, not a queue's. */
const CONNECTIONS = 1;
const AUTH_RUNS = Number(process.env.BENCH_AUTH_RUNS ?? 2000);
/** One API key per this many organizations (plus one for every benchmark caller). */
const KEY_EVERY = 5;

/**
 * The tree: the root (depth 0) has one "distributor" subtree per 1,021 organizations; below each
 * distributor (depth 1) every node has FANOUT[depth] children, down to depth 9 — ten levels.
 * 1 + 4 + 8 + 16 + … + 512 = 1,021 organizations per subtree.
 */
const FANOUT: Record<number, number> = { 2: 4, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2 };
const MAX_DEPTH = 9;

interface Step {
  label: string;
  subtrees: number;
  orders: number;
}
const STEPS: Step[] = [
  { label: '10k', subtrees: 10, orders: 10_000 },
  { label: '100k', subtrees: 98, orders: 100_000 },
  { label: '1M', subtrees: 98, orders: 1_000_000 },
];

interface Org {
  id: number;
  depth: number;
  ancestorIds: number[];
}
interface Key {
  key: string;
  organizationId: number;
  depth: number;
}
interface Stats {
  p50: number;
  p99: number;
}
interface StepResult {
  step: Step;
  organizations: number;
  orders: number;
  keys: number;
  generateSeconds: number;
  select1: Stats;
  authenticate: Stats;
  scope: Stats;
  authAndScope: Stats;
  http: Record<string, LoadResult>;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Adds `subtrees` distributor subtrees below the root (ids above every existing one), level by level. */
async function addSubtrees(client: pg.Client, from: number, to: number): Promise<void> {
  const [{ max }] = (await client.query<{ max: number }>('SELECT max(id) AS max FROM organizations')).rows;
  await client.query(
    `INSERT INTO organizations (name, parent_id, ancestor_ids)
     SELECT 'distributor ' || s, 1, ARRAY[1] FROM generate_series($1::int, $2::int) s`,
    [from, to],
  );
  for (let depth = 2; depth <= MAX_DEPTH; depth++) {
    // Every node of the level above that this step added gets FANOUT[depth] children; ancestor_ids is
    // the parent's ancestors plus the parent, as the service writes it.
    await client.query(
      `INSERT INTO organizations (name, parent_id, ancestor_ids)
       SELECT 'org ' || p.id || '.' || c, p.id, p.ancestor_ids || p.id
         FROM organizations p CROSS JOIN generate_series(1, $3::int) c
        WHERE p.id > $1 AND cardinality(p.ancestor_ids) = $2
        ORDER BY p.id, c`,
      [max, depth - 1, FANOUT[depth]],
    );
  }
}

/**
 * Adds orders spread uniformly over all organizations, ids (and created_at) growing with time. The
 * organization ids of this fresh database are 1..n without gaps (checked), so a uniform pick is arithmetic.
 */
async function addOrders(client: pg.Client, count: number): Promise<void> {
  const [{ existing, orgs, top }] = (
    await client.query<{ existing: string; orgs: string; top: number }>(
      'SELECT (SELECT count(*) FROM orders) AS existing, count(*) AS orgs, max(id) AS top FROM organizations',
    )
  ).rows;
  if (Number(orgs) !== top) throw new Error(`organization ids are not 1..${orgs} (max ${top})`);
  await client.query(
    `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, configuration, progress_done,
                         progress_total, error, created_at, started_at, finished_at)
     SELECT g.org, s.status, 'https://tenant-' || g.i || '.example.com', 'tenant ' || g.i,
            '{"organisation":{"name":"bench"},"users":[]}'::jsonb,
            CASE WHEN s.status = 'COMPLETED' THEN 12 ELSE 3 END, 12,
            CASE WHEN s.status = 'FAILED' THEN '{"code":"XELION_ERROR","message":"bench","step":"users"}'::jsonb END,
            ts.created, ts.created + interval '1 second',
            CASE WHEN s.status IN ('COMPLETED', 'FAILED') THEN ts.created + interval '1 minute' END
       FROM (SELECT i, random() AS r, 1 + floor(random() * $3::int)::int AS org
               FROM generate_series($1::int + 1, $1::int + $2::int) i) g
       CROSS JOIN LATERAL (SELECT CASE WHEN g.r < 0.005 THEN 'NOT_STARTED' WHEN g.r < 0.01 THEN 'IN_PROGRESS'
                                       WHEN g.r < 0.11 THEN 'FAILED' ELSE 'COMPLETED' END AS status) s
       CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 00:00:00+00' + g.i * interval '10 seconds' AS created) ts
      ORDER BY g.i`,
    [Number(existing), count, top],
  );
}

/** API keys for every KEY_EVERY-th organization not yet keyed, inserted in one statement. */
async function addKeys(client: pg.Client, orgs: Org[], keyed: Set<number>, keys: Key[], extra: Org[]): Promise<void> {
  const wanted = [...orgs.filter((org) => org.id % KEY_EVERY === 0), ...extra].filter((org) => !keyed.has(org.id));
  const fresh = wanted.map((org) => ({ org, key: generateApiKey() }));
  if (fresh.length === 0) return;
  await client.query(
    `INSERT INTO api_keys (organization_id, name, prefix, key_hash)
     SELECT * FROM unnest($1::int[], $2::varchar[], $3::varchar[], $4::bytea[])`,
    [
      fresh.map((f) => f.org.id),
      fresh.map(() => 'bench'),
      fresh.map((f) => displayPrefix(f.key)),
      fresh.map((f) => hashApiKey(f.key)),
    ],
  );
  for (const { org, key } of fresh) {
    keyed.add(org.id);
    keys.push({ key, organizationId: org.id, depth: org.depth });
  }
}

async function readOrgs(client: pg.Client): Promise<Org[]> {
  const { rows } = await client.query<{ id: number; ancestor_ids: number[] }>('SELECT id, ancestor_ids FROM organizations ORDER BY id');
  return rows.map((row) => ({ id: row.id, depth: row.ancestor_ids.length, ancestorIds: row.ancestor_ids }));
}

/** A target for the scope check: half the time somewhere below the caller (in scope), else any organization. */
function scopeTarget(caller: number, children: Map<number, number[]>, orgs: Org[]): number {
  if (Math.random() < 0.5) return pick(orgs).id;
  let id = caller;
  for (;;) {
    const below = children.get(id);
    if (!below || Math.random() < 0.3) return id;
    id = pick(below);
  }
}

async function measureAuth(dataSource: DataSource, keys: Key[], orgs: Org[]): Promise<Pick<StepResult, 'select1' | 'authenticate' | 'scope' | 'authAndScope'>> {
  const settings = loadSettings({}) as RuntimeSettings;
  const organizations = new OrganizationsService(dataSource, settings, new OrganizationsRepository(dataSource));
  const apiKeys = new ApiKeyService(dataSource, organizations, settings);
  const children = new Map<number, number[]>();
  for (const org of orgs) {
    const parent = org.ancestorIds[org.ancestorIds.length - 1];
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), org.id]);
  }
  const byDepth = new Map<number, Key[]>();
  for (const key of keys) byDepth.set(key.depth, [...(byDepth.get(key.depth) ?? []), key]);
  const depths = [...byDepth.keys()];

  const select1: number[] = [];
  const authenticate: number[] = [];
  const scope: number[] = [];
  const both: number[] = [];
  for (let i = 0; i < 100; i++) await dataSource.query('SELECT 1'); // warm-up of the pool
  for (let i = 0; i < AUTH_RUNS; i++) {
    let started = performance.now();
    await dataSource.query('SELECT 1');
    select1.push(performance.now() - started);

    // A random depth first, then a random key at that depth: every depth weighs the same.
    const key = pick(byDepth.get(pick(depths))!);
    const target = scopeTarget(key.organizationId, children, orgs);
    started = performance.now();
    const caller: Caller = await apiKeys.authenticate(key.key);
    const authenticated = performance.now();
    try {
      await organizations.findInScope(caller, target);
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
    const done = performance.now();
    authenticate.push(authenticated - started);
    scope.push(done - authenticated);
    both.push(done - started);
  }
  return { select1: stats(select1), authenticate: stats(authenticate), scope: stats(scope), authAndScope: stats(both) };
}

interface HttpCaller {
  name: string;
  org: Org;
  key: string;
}

const QUERIES: { name: string; query: string }[] = [
  { name: 'page', query: 'limit=50' },
  { name: 'FAILED', query: 'limit=50&status=FAILED' },
];

async function measureHttp(server: ServerProcess, callers: HttpCaller[]): Promise<Record<string, LoadResult>> {
  const results: Record<string, LoadResult> = {};
  results.health = await load({ url: `${server.url}/health`, connections: CONNECTIONS, durationSeconds: DURATION });
  for (const caller of callers) {
    for (const { name, query } of QUERIES) {
      const result = await load({
        url: `${server.url}/api/v1/orders?${query}`,
        headers: { 'x-auth-key': caller.key },
        connections: CONNECTIONS,
        durationSeconds: DURATION,
      });
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(`${caller.name} ${query}: ${result.non2xx} non-2xx responses and ${result.errors} errors`);
      }
      results[`${caller.name} ${name}`] = result;
    }
  }
  return results;
}

function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

function ratio(value: number, base: number): string {
  return base > 0 ? `${(value / base).toFixed(2)}×` : 'n/a';
}

export async function benchScale(): Promise<StepResult[]> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = `xps_bench_scale_${randomBytes(4).toString('hex')}`;
  const url = databaseUrl(adminUrl, database);
  const loadAtStart = loadavg()[0];
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  console.log(`database ${database}`);
  const dataSource = new DataSource(dataSourceOptions(url, 4));
  const client = new pg.Client({ connectionString: url });
  let server: ServerProcess | undefined;
  const results: StepResult[] = [];
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    await client.connect();
    await client.query(`INSERT INTO organizations (name, parent_id, ancestor_ids) VALUES ('root', NULL, '{}')`);
    const keys: Key[] = [];
    const keyed = new Set<number>();
    let subtrees = 0;
    let callers: HttpCaller[] = [];
    for (const step of STEPS) {
      const started = performance.now();
      if (step.subtrees > subtrees) {
        await addSubtrees(client, subtrees + 1, step.subtrees);
        subtrees = step.subtrees;
      }
      const [{ n }] = (await client.query<{ n: string }>('SELECT count(*) AS n FROM orders')).rows;
      if (step.orders > Number(n)) await addOrders(client, step.orders - Number(n));
      const orgs = await readOrgs(client);
      if (callers.length === 0) {
        // The HTTP callers, chosen once in the first subtree so that every step asks for the same subtrees.
        const first = (depth: number) => orgs.find((org) => org.depth === depth)!;
        callers = [0, 1, 5, 9].map((depth) => ({ name: `depth ${depth}`, org: first(depth), key: '' }));
      }
      await addKeys(client, orgs, keyed, keys, callers.map((caller) => caller.org));
      for (const caller of callers) caller.key = keys.find((key) => key.organizationId === caller.org.id)!.key;
      await client.query('VACUUM ANALYZE organizations');
      await client.query('VACUUM ANALYZE api_keys');
      await client.query('VACUUM ANALYZE orders');
      const generateSeconds = (performance.now() - started) / 1000;
      const [{ orders }] = (await client.query<{ orders: string }>('SELECT count(*) AS orders FROM orders')).rows;
      console.log(`${step.label}: ${orgs.length} organizations, ${orders} orders, ${keys.length} keys (${generateSeconds.toFixed(1)} s)`);

      const auth = await measureAuth(dataSource, keys, orgs);
      console.log(`  select 1 p50 ${ms(auth.select1.p50)} p99 ${ms(auth.select1.p99)}; auth+scope p50 ${ms(auth.authAndScope.p50)} p99 ${ms(auth.authAndScope.p99)} ms`);
      server ??= await startServerProcess('dist/bench/support/service-server.js', {
        DATABASE_URL: url,
        ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
        EXECUTOR_ENABLED: 'false',
        // The limiter would answer 429 to a benchmark's sustained load from one key; this measures the queries.
        RATE_LIMIT_PER_MINUTE: '0',
      });
      const http = await measureHttp(server, callers);
      for (const [name, result] of Object.entries(http)) console.log(`  ${name}: p50 ${result.p50Ms} p99 ${result.p99Ms} ms, ${Math.round(result.requestsPerSecond)} req/s`);
      results.push({ step, organizations: orgs.length, orders: Number(orders), keys: keys.length, generateSeconds, ...auth, http });
    }
  } finally {
    await server?.stop();
    await client.end().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy();
    if (process.env.BENCH_KEEP_DB === '1') console.log(`kept database ${database}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
  report(results, loadAtStart);
  return results;
}

function report(results: StepResult[], loadAtStart: number): void {
  const [base] = results;
  const sizes = results.map((r) => `${r.step.label} (${r.organizations.toLocaleString('en')} orgs, ${r.orders.toLocaleString('en')} orders)`);
  const header = `| measurement | ${results.map((r) => `${r.step.label}: p50 / p99 (ms)`).join(' | ')} | p99 ratio ${results
    .slice(1)
    .map((r) => `${r.step.label}÷${base.step.label}`)
    .join(' | p99 ratio ')} |`;
  const separator = `|---|${results.map(() => '---|').join('')}${results.slice(1).map(() => '---|').join('')}`;
  const row = (name: string, get: (r: StepResult) => Stats): string =>
    `| ${name} | ${results.map((r) => `${ms(get(r).p50)} / ${ms(get(r).p99)}`).join(' | ')} | ${results
      .slice(1)
      .map((r) => ratio(get(r).p99, get(base).p99))
      .join(' | ')} |`;
  const httpStats = (name: string) => (r: StepResult): Stats => ({ p50: r.http[name].p50Ms, p99: r.http[name].p99Ms });
  const httpRows = Object.keys(base.http)
    .filter((name) => name !== 'health')
    .map((name) => {
      const [depth, query] = [name.replace(/ (page|FAILED)$/, ''), name.endsWith('FAILED') ? '&status=FAILED' : ''];
      return row(`\`GET /api/v1/orders?limit=50${query}\`, caller at ${depth}`, httpStats(name));
    });
  const flat = (get: (r: StepResult) => Stats) => get(results[results.length - 1]).p99 <= 2 * get(base).p99;
  const httpNames = Object.keys(base.http).filter((name) => name !== 'health');
  const notFlat = [
    ...(flat((r) => r.authAndScope) ? [] : ['the authorization check']),
    ...httpNames.filter((name) => !flat(httpStats(name))).map((name) => `orders page (${name})`),
  ];
  const last = results[results.length - 1];
  writeSection(
    'scale',
    `## Scale: 100,000 organizations ten levels deep, 1,000,000 orders, PostgreSQL

Command: \`npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node dist/bench/scale.bench.js\`
(part of \`npm run bench\`; it creates and drops its own database). Machine: ${machine()}; PostgreSQL on the same
machine; load average ${loadAtStart.toFixed(1)} when it started.

Data, generated with set-based SQL (\`INSERT … SELECT generate_series\`) and grown in steps: ${sizes.join(' → ')}.
The tree: the root, below it one distributor per 1,021 organizations, below each distributor 4 children and then 2
per node down to depth 9 (ten levels, \`ancestor_ids\` as the service writes them). Orders are spread uniformly over
all organizations (89 % COMPLETED, 10 % FAILED, 1 % NOT_STARTED/IN_PROGRESS), ids and \`created_at\` growing with
time. One API key per ${KEY_EVERY} organizations (${last.keys.toLocaleString('en')} keys at the end). Data generation
took ${results.map((r) => `${r.generateSeconds.toFixed(0)} s`).join(' + ')} (including \`VACUUM ANALYZE\`).

**Authorization check**, in the benchmark's process through the service's own code (\`ApiKeyService.authenticate\`
— the key's look-up joined with its organization — then \`OrganizationsService.findInScope\`, i.e.
\`organizationInScope\`, on a target that is half the time below the caller and half the time any organization),
${AUTH_RUNS.toLocaleString('en')} runs per step with random keys at random depths 0–9, one after the other. A bare
\`SELECT 1\` round trip on the same pool is the reference.

**A page of a subtree's orders**: the real \`GET /api/v1/orders?limit=50\` over HTTP (the service in its own process on
the benchmark's database), for callers at the root (depth 0: every order), a distributor (depth 1: 1,021
organizations), depth 5 (31 organizations) and a leaf at depth 9, each also with \`status=FAILED\`. autocannon,
${CONNECTIONS === 1 ? 'one connection (each request waits for the previous one)' : `${CONNECTIONS} connections`}, ${DURATION} s after a 2 s
warm-up; the same callers at every step.

${header}
${separator}
${row('`SELECT 1` round trip (reference)', (r) => r.select1)}
${row('key look-up (`authenticate`)', (r) => r.authenticate)}
${row('scope check (`findInScope`)', (r) => r.scope)}
${row('**authorization check** (both)', (r) => r.authAndScope)}
${row('`GET /health` over HTTP (reference)', httpStats('health'))}
${httpRows.join('\n')}

Flat means the ${last.step.label} p99 within about 2× of the ${base.step.label} p99. ${
      notFlat.length === 0
        ? `**Everything above is flat** by that measure.`
        : `**Not flat** by that measure: ${notFlat.join('; ')}.`
    } autocannon reports whole milliseconds, so a p99 of 1–2 ms doubles on one millisecond of noise; load on the
machine moves all rows together (compare with the reference rows of the same step).

How a page is read (\`OrdersService.list\`): a subtree of at most 2,000 organizations takes each organization's
newest orders from the \`(organization_id, id) INCLUDE (status)\` index (index-only) and keeps the newest 51 — work in
proportion to the subtree (at most 51 entries per organization), not to the table. A larger subtree owns a large
share of all orders, so walking the orders newest first (primary key, backwards) and keeping those in scope finds
a page after about 51 ÷ share rows. Before the index, PostgreSQL walked every caller's orders that way; for the
distributor (1 % of the orders) at 1M that read 5,854 orders for one page, 228 ms (EXPLAIN ANALYZE, buffers all in
memory), and 45,924 orders, 214 ms, with \`status=FAILED\`; the organization-by-organization plan reads 11,017 index
entries, 18 ms, on the same loaded machine. Still proportional to the data: a subtree just above 2,000 organizations with a rare status, and a
large subtree whose orders are old (few recent ones) — both walk many rows.`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchScale();
}
