/**
 * HTTP benchmark: three requests of the service, each against a baseline that does the same work with
 * nothing else, measured in the same run, on the embedded database and on PostgreSQL:
 *
 * (a) `GET /health/live` against a bare Fastify hello-world (no database on either side);
 * (b) the authenticated read `GET /api/v1/organizations/me` against bare Fastify + `pg` running the service's
 *     key look-up as a named prepared statement on the same database (bench/support/bare-pg-server.ts);
 * (c) `POST /api/v1/provision` (the small office) against the same bare server validating the body with the
 *     same validator, reading the same allowedServerHosts lists and writing the same rows in one transaction.
 *
 * Each server runs in a process of its own; autocannon drives one at a time from this process. The rate
 * limit is off (RATE_LIMIT_PER_MINUTE=0), as the goals are stated for it.
 *
 *   npm run build && node dist/bench/http.bench.js
 *   DATABASE_URL=postgres://…/postgres   the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_DATABASES=embedded|postgres     one of the two only
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import { describeLoad, load, type LoadResult } from './support/load.js';
import { machine, writeSection } from './support/report.js';
import { startRequestServers } from './support/request-servers.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
/** Baseline and service alternate this many times per pair; the median of the rounds' ratios is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 32;
const POSTGRES_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
const GOALS = { live: 0.7, me: 0.7, provision: 0.6 };

/** The provisioning request: the small office, to a tenant URL the service accepts but never calls here. */
const PROVISION_BODY = readFileSync('examples/small-office.json', 'utf8');
const PROVISION_HEADERS = {
  'content-type': 'application/json',
  'xelion-server-url': 'http://127.0.0.1:9',
  'xelion-tenant-name': 'bench',
  'xelion-tenant-token': 'bench-tenant-token',
};

interface Pair {
  what: string;
  baseline: string;
  /** The round with the median ratio. */
  base: LoadResult;
  service: LoadResult;
  /** Service ÷ baseline of each round, in order. */
  ratios: number[];
  goal: number;
}

/** Baseline, then service, ROUNDS times: a change of the machine's load hits both sides of a round. */
async function pair(what: string, baseline: string, goal: number, base: () => Promise<LoadResult>, service: () => Promise<LoadResult>): Promise<Pair> {
  const rounds: { base: LoadResult; service: LoadResult; ratio: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const b = await base();
    const s = await service();
    rounds.push({ base: b, service: s, ratio: s.requestsPerSecond / b.requestsPerSecond });
  }
  const median = [...rounds].sort((x, y) => x.ratio - y.ratio)[Math.floor(rounds.length / 2)];
  return { what, baseline, goal, base: median.base, service: median.service, ratios: rounds.map((round) => round.ratio) };
}

const load1 = () => loadavg()[0].toFixed(1);

/** One database: a fresh database on `serverUrl`, the three pairs measured on it. */
async function measure(serverUrl: string): Promise<Pair[]> {
  const { service, hello, bare, rootKey, close } = await startRequestServers(serverUrl, 'xps_bench_http');
  try {
    const run = (url: string, extra: Partial<Parameters<typeof load>[0]> = {}) =>
      load({ url, connections: CONNECTIONS, durationSeconds: DURATION, ...extra });
    const authed = { headers: { 'x-auth-key': rootKey } };
    const post = { method: 'POST' as const, headers: { ...PROVISION_HEADERS, 'x-auth-key': rootKey }, body: PROVISION_BODY };
    const checked = (what: string, result: Promise<LoadResult>) =>
      result.then((r) => {
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: ${r.non2xx} non-2xx responses and ${r.errors} errors`);
        return r;
      });
    return [
      await pair('(a) `GET /health/live`', 'bare Fastify `GET /hello`', GOALS.live,
        () => checked('hello', run(`${hello.url}/hello`)),
        () => checked('/health/live', run(`${service.url}/health/live`))),
      await pair('(b) `GET /api/v1/organizations/me` with `X-Auth-Key`', 'bare Fastify + `pg`, the key look-up as a prepared statement', GOALS.me,
        () => checked('bare /me', run(`${bare.url}/me`, authed)),
        () => checked('/me', run(`${service.url}/api/v1/organizations/me`, authed))),
      await pair(`(c) \`POST /api/v1/provision\`, the small office (${Math.round(PROVISION_BODY.length / 1024)} kB)`, 'bare Fastify + `pg`: key look-up, same validator, host lists, same rows in one transaction', GOALS.provision,
        () => checked('bare /provision', run(`${bare.url}/provision`, post)),
        () => checked('/provision', run(`${service.url}/api/v1/provision`, post))),
    ];
  } finally {
    await close();
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function table(pairs: Pair[]): string {
  const rows = pairs.map((pair) => {
    const ratio = pair.service.requestsPerSecond / pair.base.requestsPerSecond;
    const rounds = pair.ratios.map((r) => r.toFixed(2)).join(', ');
    return `| ${pair.what} | ${describeLoad(pair.service)} | ${pair.baseline}: ${describeLoad(pair.base)} | **${ratio.toFixed(2)}** (rounds ${rounds}; goal ≥ ${pair.goal}: ${ratio >= pair.goal ? 'met' : 'not met'}) |`;
  });
  return `| service | result (median round) | baseline (same round) | ratio, median of ${ROUNDS} rounds |\n|---|---|---|---|\n${rows.join('\n')}`;
}

export async function benchHttp(): Promise<void> {
  const wanted = process.env.BENCH_DATABASES ?? 'embedded,postgres';
  const sections: string[] = [];
  const startLoad = load1();
  if (wanted.includes('embedded')) {
    // The embedded server as `npm start` runs it (durable settings), in a directory of its own.
    const dir = mkdtempSync(join(tmpdir(), 'xps-bench-http-'));
    const embedded = await startEmbeddedPostgres(dir);
    try {
      const before = load1();
      const pairs = await measure(embedded.url);
      sections.push(`**Embedded database** (PostgreSQL 18 in a child process, shared_buffers 16 MB; load average ${before} → ${load1()}):\n\n${table(pairs)}`);
      console.log(`embedded:\n${table(pairs)}`);
    } finally {
      await embedded.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (wanted.includes('postgres')) {
    if (await reachable(POSTGRES_URL)) {
      const before = load1();
      const pairs = await measure(POSTGRES_URL);
      sections.push(`**PostgreSQL** (the server at DATABASE_URL, a fresh database; load average ${before} → ${load1()}):\n\n${table(pairs)}`);
      console.log(`postgres:\n${table(pairs)}`);
    } else {
      console.log(`PostgreSQL at ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} is not reachable: skipped`);
    }
  }
  writeSection(
    'http',
    `## HTTP: the cost of a request against baselines that do the same work

Command: \`npm run build && node dist/bench/http.bench.js\` (part of \`npm run bench\`). Machine: ${machine()};
load average ${startLoad} on ${cpus().length} cores when it started (other work on the machine lowers both sides of a ratio).
autocannon, ${CONNECTIONS} connections, ${DURATION} s after a 2 s warm-up, one target at a time, baseline and service
alternating ${ROUNDS} times per pair, each server in its own process; RATE_LIMIT_PER_MINUTE=0; the service and the bare server use the same database, each with a pool of 20.

${sections.join('\n\n')}

Every authenticated request looks its key up in the database (one indexed query on the key's hash, joined with
the organization, which \`/me\` then answers from), with no cache, so that a revoked or expired key, or a disabled
organization, is refused on its very next request on every instance. The baselines do that same query (b, c), the
same validation, the same read of the allowed server hosts and the same three statements in one transaction (c): the ratios measure what the framework and
the service's own per-request work cost on top (see "The cost of a request: profiles and levers" below).`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchHttp();
}
