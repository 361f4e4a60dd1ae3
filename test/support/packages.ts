import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/**
 * Builds packages/client and packages/cli (tsc -b: incremental, about a second when nothing changed),
 * so that `npm test` runs the CLI as a process without a build step before it.
 */
export function buildPackages(): void {
  execFileSync(process.execPath, [tsc, '-b', 'packages/client', 'packages/cli'], { stdio: 'inherit' });
}

export interface XprovRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node packages/cli/dist/main.js …args` to its end. `env` adds to a clean XPROV_* environment. */
export function runXprov(args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<XprovRun> {
  const child = startXprov(args, options.env);
  child.stdin!.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Starts xprov without waiting (for `webhooks listen`); stop it with kill('SIGINT'). */
export function startXprov(args: string[], env: Record<string, string> = {}): ChildProcess {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('XPROV_')));
  return spawn(process.execPath, ['packages/cli/dist/main.js', ...args], {
    env: { ...clean, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}
