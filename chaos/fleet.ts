import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../tools/support/free-port.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** One service instance: `node dist/src/main.js` in a process of its own, started and killed by the run. */
export class Instance {
  child: ChildProcess | null = null;
  /** Started and ready (the run kills only ready instances). */
  ready = false;
  starts = 0;
  kills = 0;
  /** Exit codes of processes stopped with SIGTERM (0 = drained cleanly). */
  readonly termExits: (number | null)[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly script: string,
    private readonly env: Record<string, string>,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get up(): boolean {
    return this.ready && this.alive;
  }

  /** Starts the process (its output appended to its log file) and waits until /health/ready answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [this.script], {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.ready = false;
    this.starts++;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${this.name} exited (${child.exitCode ?? child.signalCode}) while starting; see ${this.logFile}`);
      }
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) {
          this.ready = true;
          return;
        }
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms; see ${this.logFile}`);
  }

  /** SIGKILL: no shutdown hook runs, leases and claims are left to expire. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.kills++;
    this.ready = false;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait for a clean exit; SIGKILL after `graceMs`. Returns the exit code (null = had to be killed). */
  async terminate(graceMs = 20_000): Promise<number | null> {
    const child = this.child;
    if (!child || !this.alive) return 0;
    this.ready = false;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    const result = child.signalCode === 'SIGKILL' ? null : code;
    this.termExits.push(result);
    return result;
  }
}

export class Fleet {
  readonly instances: Instance[] = [];

  static async create(count: number, script: string, env: Record<string, string>, logDir: string): Promise<Fleet> {
    const fleet = new Fleet();
    for (let i = 1; i <= count; i++) {
      fleet.instances.push(new Instance(`instance-${i}`, await freePort(), script, env, join(logDir, `instance-${i}.log`)));
    }
    return fleet;
  }

  get up(): Instance[] {
    return this.instances.filter((instance) => instance.up);
  }

  /** A random running instance (the run's load balancer), or undefined while all are down. */
  pick(random: () => number): Instance | undefined {
    const up = this.up;
    return up.length === 0 ? undefined : up[Math.floor(random() * up.length)];
  }
}
