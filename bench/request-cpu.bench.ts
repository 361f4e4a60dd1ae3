/**
 * The CPU each server process spends per request (docs/benchmarks.md, "The cost of a request"): the same
 * servers and requests as bench/http.bench.ts (a), (b) and (c) on PostgreSQL, but counted as the server's own CPU
 * time (user + system, from /proc/<pid>/stat) over a fixed number of requests, which the machine's other
 * load disturbs far less than requests per second. The service against bare Fastify `GET /hello`, and the
 * authenticated read against bare Fastify + `pg` with the same key look-up as a named statement, and
 * `POST /api/v1/provision` (the small office; a twentieth as many requests) against the same bare server's
 * same work. Linux only.
 *
 *   npm run build && node dist/bench/request-cpu.bench.js
 *   DATABASE_URL=postgres://…/postgres   the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_REQUESTS=40000                  requests per measurement (a quarter more before it, to warm up)
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { startRequestServers } from './support/request-servers.js';
import type { ServerProcess } from './support/server-process.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40_000);
const ROUNDS = 2;
const POSTGRES_URL = process.env.DATABASE_URL?.trim() || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** The provisioning request of bench/http.bench.ts (c). */
const PROVISION = {
  method: 'POST' as const,
  body: readFileSync('examples/small-office.json', 'utf8'),
  headers: { 'content-type': 'application/json', 'xelion-server-url': 'http://127.0.0.1:9', 'xelion-tenant-name': 'bench', 'xelion-tenant-token': 'bench-tenant-token' },
};

interface Request {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

async function run(url: string, request: Request, amount: number): Promise<void> {
  const result = await autocannon({ url, ...request, connections: 32, amount });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
}

/** The server's CPU per request, in µs. */
async function measure(server: ServerProcess, path: string, request: Request = {}, requests = REQUESTS): Promise<number> {
  await run(`${server.url}${path}`, request, Math.floor(requests / 4));
  const before = cpuSeconds(server.child.pid!);
  await run(`${server.url}${path}`, request, requests);
  return ((cpuSeconds(server.child.pid!) - before) * 1e6) / requests;
}

async function main(): Promise<void> {
  console.log(`load average ${loadavg()[0].toFixed(1)} at the start; ${REQUESTS} requests per measurement, 32 connections`);
  const { service, hello, bare, rootKey, close } = await startRequestServers(POSTGRES_URL, 'xps_bench_request_cpu');
  try {
    const key = { headers: { 'x-auth-key': rootKey } };
    const provision = { ...PROVISION, headers: { ...PROVISION.headers, 'x-auth-key': rootKey } };
    for (let round = 0; round < ROUNDS; round++) {
      const helloUs = await measure(hello, '/hello');
      const liveUs = await measure(service, '/health/live');
      const bareUs = await measure(bare, '/me', key);
      const meUs = await measure(service, '/api/v1/organizations/me', key);
      const bareProvisionUs = await measure(bare, '/provision', provision, REQUESTS / 20);
      const provisionUs = await measure(service, '/api/v1/provision', provision, REQUESTS / 20);
      console.log(
        `round ${round + 1}: GET /health/live ${liveUs.toFixed(1)} µs against hello ${helloUs.toFixed(1)} µs (${(helloUs / liveUs).toFixed(2)}); ` +
          `GET /api/v1/organizations/me ${meUs.toFixed(1)} µs against bare + pg ${bareUs.toFixed(1)} µs (${(bareUs / meUs).toFixed(2)}); ` +
          `POST /api/v1/provision ${provisionUs.toFixed(0)} µs against bare + pg ${bareProvisionUs.toFixed(0)} µs (${(bareProvisionUs / provisionUs).toFixed(2)}); load ${loadavg()[0].toFixed(1)}`,
      );
    }
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
