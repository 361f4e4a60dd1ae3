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

  constructor(public limit: number) {}

  async acquire(): Promise<() => void> {
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
      const next = this.waiting.shift();
      // The permit passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active -= 1;
    };
  }

  get inUse(): number {
    return this.active;
  }
}

const semaphores = new Map<string, Semaphore>();

/** The process-wide semaphore of one tenant; a later, different limit replaces the earlier one. */
export function tenantSemaphore(serverUrl: string, tenant: string, limit: number): Semaphore {
  const key = `${serverUrl}\u0000${tenant}`;
  let semaphore = semaphores.get(key);
  if (!semaphore) {
    semaphore = new Semaphore(limit);
    semaphores.set(key, semaphore);
  } else if (semaphore.limit !== limit) {
    semaphore.limit = limit;
  }
  return semaphore;
}
