/**
 * The simulator's options and state: the tenants, the external services' reservations and
 * registrations, the queued faults and the request log (tools/xelion-simulator/README.md).
 */
import { notFound, OidSource, TenantState } from './model.js';
import type { Park, ParkSeed } from './park.js';

export interface TenantSeed {
  name: string;
  tokens: string[];
}

export interface FaultRule {
  /** e.g. "POST /users", "PATCH /phonelines/:oid", "POST /numbers/reservations"; omitted = any route. */
  route?: string;
  tenant?: string;
  status: number;
  errorCode?: number;
  message?: string;
  /** For writes: answer the error before the change ("before", default) or after making it ("after"). */
  phase?: 'before' | 'after';
  /** How many matching calls get the fault (default 1). */
  times?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Extra wait before answering (e.g. longer than the client's timeout). */
  delayMs?: number;
}

export interface SimulatorOptions {
  /** 0 = any free port (tests). */
  port: number;
  host: string;
  tenants: TenantSeed[];
  /** Added to every API call (ms), plus a random 0..latencyJitterMs. */
  latencyMs: number;
  latencyJitterMs: number;
  /** 0..1: share of API calls (Xelion and external services) answered 500 / 11000. */
  errorRate: number;
  /** For a random error on a write: before the change, after it, or either at random. */
  errorPhase: 'before' | 'after' | 'random';
  /** The next N authenticated calls are answered 429 / 10402. */
  burst429: number;
  /** Re-arm a burst of `burst429` every this many calls (0 = only once). */
  burst429Every: number;
  /** Requests in flight per session (token) beyond which the answer is 429 / 10400. 0 = unlimited. */
  concurrencyLimit: number;
  /** Seconds sent as Retry-After with 429 answers; null = no header. */
  retryAfter: number | null;
  /** Largest page (`limit`). */
  maxPageSize: number;
  numbersApiKey: string;
  redirectionUsername: string;
  redirectionPassword: string;
  /** Seed for the random faults (reproducible runs); null = Math.random. */
  seed: number | null;
  /** Keep a log of every tenant API request (who sent it, when it started and ended) for `requests()`. */
  recordRequests: boolean;
  /** A multi-tenant server: the master tenant (`/api/v1/master`) over a park of tenants; null = none. */
  park: ParkSeed | null;
}

export const DEFAULT_OPTIONS: SimulatorOptions = {
  port: 8090,
  host: '127.0.0.1',
  tenants: [{ name: 'pbx1', tokens: ['demo-token'] }],
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  errorPhase: 'random',
  burst429: 0,
  burst429Every: 0,
  concurrencyLimit: 8,
  retryAfter: null,
  maxPageSize: 100,
  numbersApiKey: 'demo-numbers-key',
  redirectionUsername: 'demo',
  redirectionPassword: 'demo-redirection-password',
  seed: null,
  recordRequests: false,
  park: null,
};

/** One tenant API request in the log (`recordRequests`): the chaos suite checks who worked on a tenant when. */
export interface RequestRecord {
  tenant: string;
  method: string;
  path: string;
  /** The query string as sent (`?where=…&include=…`), '' when none. */
  query: string;
  /** The JSON body, when there was one. */
  body?: unknown;
  /** The User-Agent header: the service names its instance there. */
  agent: string;
  /** performance.now() when the request arrived and when it was answered. */
  startedAt: number;
  endedAt: number;
  status: number;
}

export interface Reservation {
  number: string;
  reference: string;
  country: string;
  area: string;
  label: string;
  createdAt: string;
}

export interface Registration {
  mac: string;
  provisioningUrl: string;
  label: string;
  updatedAt: string;
  updates: number;
}

/** Everything the simulator holds; `reset()` empties it back to the seeded tenants. */
export class SimulatorState {
  readonly oids = new OidSource();
  readonly tenants = new Map<string, TenantState>();
  readonly reservations = new Map<string, Reservation>();
  readonly registrations = new Map<string, Registration>();
  readonly externalCalls = new Map<string, number>();
  faults: (FaultRule & { remaining: number })[] = [];
  /** The master tenant and its park, when the options give one. */
  park: Park | null = null;
  /** Tenant API requests, in arrival order, when `recordRequests` is on. */
  readonly requestLog: RequestRecord[] = [];
  /** Pending 429s of the current burst, and calls since the last burst. */
  burstLeft = 0;
  sinceBurst = 0;
  private nextNumber = 0;

  addTenant(name: string, tokens: string[]): TenantState {
    let tenant = this.tenants.get(name);
    if (!tenant) {
      tenant = new TenantState(name, this.oids);
      this.tenants.set(name, tenant);
    }
    for (const token of tokens) tenant.tokens.add(token);
    return tenant;
  }

  tenant(name: string): TenantState {
    const tenant = this.tenants.get(name);
    if (!tenant) throw notFound(`no tenant ${name}`);
    return tenant;
  }

  allocateNumber(country: string, area: string): string {
    this.nextNumber += 1;
    const code = COUNTRY_CODES[country];
    const nationalArea = area.replace(/^0+/, '');
    // Seven subscriber digits after the area code (e.g. NL 015 → +3115 2000001).
    return `+${code}${nationalArea}${String(2_000_000 + this.nextNumber).padStart(7, '0')}`;
  }
}

export const COUNTRY_CODES: Record<string, string> = { NL: '31', BE: '32', DE: '49', FR: '33', GB: '44', LU: '352', AT: '43', CH: '41', ES: '34', IT: '39', US: '1' };

export interface CallSummary {
  total: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  inFlight: number;
  /** The most requests of this tenant in flight at once (all sessions), and per session. */
  peakInFlight: number;
  sessions: { session: number; peakInFlight: number; inFlight: number }[];
  rejected429: number;
}
