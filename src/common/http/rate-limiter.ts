/**
 * Counters of requests per key (an API key id, a client address) in fixed windows of one minute,
 * in this instance's memory. Expired windows are dropped as the map is used, so memory follows the
 * number of callers seen in the last minute (docs/security.md, "Rate limits").
 */
export interface WindowState {
  /** Requests counted in the current window, this one included. */
  count: number;
  /** When the window ends (Date.now() ms). */
  resetAt: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, WindowState>();
  private nextPrune = 0;

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `key`. */
  hit(key: string): WindowState {
    const state = this.current(key) ?? { count: 0, resetAt: this.now() + this.windowMs };
    state.count += 1;
    this.windows.set(key, state);
    return state;
  }

  /** The window of `key` without counting; count 0 when it has none. */
  peek(key: string): WindowState {
    return this.current(key) ?? { count: 0, resetAt: this.now() + this.windowMs };
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string): WindowState | undefined {
    const now = this.now();
    if (now >= this.nextPrune) {
      for (const [k, state] of this.windows) if (state.resetAt <= now) this.windows.delete(k);
      this.nextPrune = now + this.windowMs;
    }
    const state = this.windows.get(key);
    if (state && state.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return state;
  }
}

/** Seconds until the window ends, at least 1 (the `RateLimit-Reset` and `Retry-After` values). */
export function secondsUntil(resetAt: number, now: number = Date.now()): number {
  return Math.max(1, Math.ceil((resetAt - now) / 1000));
}

/** The IETF draft's headers (`RateLimit-Limit`, `-Remaining`, `-Reset` in seconds from now). */
export function rateLimitHeaders(limit: number, state: WindowState, now: number = Date.now()): Record<string, string> {
  return {
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(Math.max(0, limit - state.count)),
    'ratelimit-reset': String(secondsUntil(state.resetAt, now)),
  };
}
