import { randomBytes } from 'node:crypto';
import { createScratchDatabase } from '../../tools/support/postgres-admin.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** The servers the request benchmarks compare, each in its own process, on one scratch database. */
export interface RequestServers {
  /** The service (executor off, rate limits off). */
  service: ServerProcess;
  /** Bare Fastify, `GET /hello`. */
  hello: ServerProcess;
  /** Bare Fastify + pg: the service's key look-up and order insert (bench/support/bare-pg-server.ts). */
  bare: ServerProcess;
  /** The root API key both the service and the bare server accept. */
  rootKey: string;
  /** Stops the servers and drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database named after `name` on the PostgreSQL server at `serverUrl`, and the three servers on it
 * (bench/http.bench.ts, bench/request-cpu.bench.ts). The service starts first: it migrates the database and
 * creates the root key the bare server then reads.
 */
export async function startRequestServers(serverUrl: string, name: string): Promise<RequestServers> {
  const rootKey = `bench-${randomBytes(24).toString('hex')}`;
  const encryptionKey = randomBytes(32).toString('base64');
  const database = await createScratchDatabase(serverUrl, name);
  const started: ServerProcess[] = [];
  const close = async () => {
    for (const server of started.reverse()) await server.stop();
    await database.drop();
  };
  try {
    const start = async (script: string, env: Record<string, string> = {}) => {
      const server = await startServerProcess(script, env);
      started.push(server);
      return server;
    };
    const service = await start('dist/bench/support/service-server.js', {
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: encryptionKey,
      ROOT_API_KEY: rootKey,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      // Orders are accepted and stored, not run (the executor is off): no limit on how many wait.
      MAX_UNFINISHED_ORDERS: '0',
      OUTBOUND_ALLOW_PRIVATE: 'true',
    });
    const hello = await start('dist/bench/support/bare-server.js');
    const bare = await start('dist/bench/support/bare-pg-server.js', { DATABASE_URL: database.url, ENCRYPTION_KEY: encryptionKey });
    return { service, hello, bare, rootKey, close };
  } catch (error) {
    await close();
    throw error;
  }
}
