/**
 * HTTP benchmark (issue 2): an authenticated `GET /api/v1/organizations/me` against a bare Fastify
 * hello-world server, in the same run, on the same machine. Each server runs in a process of its own;
 * autocannon drives both from this process with the same settings.
 *
 *   npm run build && node dist/bench/http.bench.js
 */
import { randomBytes } from 'node:crypto';
import { describeLoad, load, type LoadResult } from './support/load.js';
import { machine, writeSection } from './support/report.js';
import { startServerProcess } from './support/server-process.js';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 32;

export async function benchHttp(): Promise<{ bare: LoadResult; service: LoadResult; ratio: number }> {
  const rootKey = `bench-${randomBytes(24).toString('hex')}`;
  const bare = await startServerProcess('dist/bench/support/bare-server.js');
  let bareResult: LoadResult;
  try {
    bareResult = await load({ url: `${bare.url}/hello`, connections: CONNECTIONS, durationSeconds: DURATION });
  } finally {
    await bare.stop();
  }
  const service = await startServerProcess('dist/bench/support/service-server.js', { ROOT_API_KEY: rootKey, LOG_LEVEL: 'warn' });
  let serviceResult: LoadResult;
  try {
    serviceResult = await load({
      url: `${service.url}/api/v1/organizations/me`,
      headers: { 'x-auth-key': rootKey },
      connections: CONNECTIONS,
      durationSeconds: DURATION,
    });
  } finally {
    await service.stop();
  }
  if (serviceResult.non2xx > 0 || serviceResult.errors > 0) {
    throw new Error(`the service answered ${serviceResult.non2xx} non-2xx responses and ${serviceResult.errors} errors`);
  }
  const ratio = serviceResult.requestsPerSecond / bareResult.requestsPerSecond;
  writeSection(
    'http',
    `## HTTP: authenticated read (issue 2)

Command: \`npm run build && node dist/bench/http.bench.js\` (part of \`npm run bench\`). Machine: ${machine()}.
autocannon, ${CONNECTIONS} connections, ${DURATION} s after a 2 s warm-up, each server in its own process, on the
embedded database.

| target | result |
|---|---|
| bare Fastify \`GET /hello\` (baseline) | ${describeLoad(bareResult)} |
| service \`GET /api/v1/organizations/me\` with \`X-Auth-Key\` | ${describeLoad(serviceResult)} |
| **ratio (service ÷ baseline, requests per second)** | **${ratio.toFixed(2)}** (goal ≥ 0.3) |

Every request is authenticated against the database (one indexed look-up of the key's hash, no cache, so a
revoked key is refused at once) and then reads the organization.`,
  );
  return { bare: bareResult, service: serviceResult, ratio };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bare, service, ratio } = await benchHttp();
  console.log(`bare:    ${describeLoad(bare)}\nservice: ${describeLoad(service)}\nratio:   ${ratio.toFixed(2)}`);
}
