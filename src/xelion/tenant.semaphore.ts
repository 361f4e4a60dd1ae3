/**
 * At most N Xelion requests in flight per tenant session (docs/xelion-contract.md "Sessions and limits": one token is one
 * session, Xelion answers 429 / 10400 beyond its limit). One semaphore per (server URL, tenant), shared
 * by every client instance of the process.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most permits ever held at once (for tests and the benchmark). */
  peak = 0;
  /** When a permit was last taken or given back (Date.now() ms): the registry prunes long-idle ones. */
  lastUsed = Date.now();

  constructor(
    public limit: number,
    /** Where the registry keeps it: a semaphore pruned while a client still holds it defers to the live one. */
    private readonly home?: { key: string; registry: Map<string, Semaphore> },
  ) {}

  async acquire(): Promise<() => void> {
    if (this.home && this.home.registry.get(this.home.key) !== this) {
      const live = this.home.registry.get(this.home.key);
      if (live) return live.acquire();
      this.home.registry.set(this.home.key, this);
    }
    this.lastUsed = Date.now();
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastUsed = Date.now();
      const next = this.waiting.shift();
      // The permit passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active -= 1;
    };
  }

  get inUse(): number {
    return this.active;
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }
}

/** A semaphore unused this long is dropped from the registry (each order may name a new server and tenant). */
export const SEMAPHORE_IDLE_MS = 10 * 60_000;

const semaphores = new Map<string, Semaphore>();
let nextSweep = 0;

/** Drops the semaphores idle for SEMAPHORE_IDLE_MS; at most one sweep a minute. */
function prune(now: number): void {
  if (now < nextSweep) return;
  nextSweep = now + 60_000;
  for (const [key, semaphore] of semaphores) {
    if (semaphore.idle && now - semaphore.lastUsed >= SEMAPHORE_IDLE_MS) semaphores.delete(key);
  }
}

/** The process-wide semaphore of one tenant; a later, different limit replaces the earlier one. */
export function tenantSemaphore(serverUrl: string, tenant: string, limit: number, now: number = Date.now()): Semaphore {
  prune(now);
  const key = `${serverUrl}\u0000${tenant}`;
  let semaphore = semaphores.get(key);
  if (!semaphore) {
    semaphore = new Semaphore(limit, { key, registry: semaphores });
    semaphores.set(key, semaphore);
  } else if (semaphore.limit !== limit) {
    semaphore.limit = limit;
  }
  return semaphore;
}

/** Semaphores in the registry (tests). */
export function tenantSemaphoreCount(): number {
  return semaphores.size;
}
