import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../support/random.js';
import { COLLECTION_RULES, invalid, parseListQuery } from './contract.js';
import { Park, type ParkSeed } from './park.js';
import {
  createAddressable,
  createPhone,
  createPhoneLine,
  createTrunk,
  createUser,
  isObject,
  notFound,
  OidSource,
  patchObject,
  SimError,
  TenantState,
  type Collection,
  type Json,
  type Obj,
} from './model.js';

/**
 * The Xelion simulator: a standalone HTTP server implementing the contract in
 * docs/xelion-contract.md (and nothing more) with in-memory state — several tenants with their tokens, the
 * documented errors, the external services beside Xelion (number reservations, phone redirection),
 * fault injection (latency, random 500/11000, 429 bursts, a per-session concurrency limit) and
 * read-only `/_sim` endpoints that dump state and call counts. See tools/xelion-simulator/README.md.
 */

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

const COUNTRY_CODES: Record<string, string> = { NL: '31', BE: '32', DE: '49', FR: '33', GB: '44', LU: '352', AT: '43', CH: '41', ES: '34', IT: '39', US: '1' };

export interface RunningSimulator {
  /** http://host:port — the `Xelion-Server-Url` to use. */
  url: string;
  port: number;
  state: SimulatorState;
  options: SimulatorOptions;
  /** Changes options at runtime (latency, error rate, bursts, limits…). */
  setOptions(options: Partial<SimulatorOptions>): void;
  /** Empties every tenant, reservation and registration, re-seeds the configured tenants and restores the start options. */
  reset(): void;
  addFault(rule: FaultRule): void;
  addToken(tenant: string, token: string): void;
  revokeToken(tenant: string, token: string): void;
  /** The `/_sim/tenants/{tenant}/state` dump. */
  dump(tenant: string): Obj;
  /** The `/_sim/tenants/{tenant}/calls` summary. */
  calls(tenant: string): CallSummary;
  /** The logged tenant API requests (`recordRequests`), in arrival order; of one tenant, or all. */
  requests(tenant?: string): RequestRecord[];
  close(): Promise<void>;
}

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


const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class HttpAnswer extends Error {
  constructor(readonly answer: Answer) {
    super(`HTTP ${answer.status}`);
  }
}

export async function startSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const options: SimulatorOptions = { ...DEFAULT_OPTIONS, ...overrides, tenants: overrides.tenants ?? DEFAULT_OPTIONS.tenants.map((t) => ({ ...t, tokens: [...t.tokens] })) };
  const initialOptions: SimulatorOptions = structuredClone(options);
  let random = options.seed === null ? Math.random : mulberry32(options.seed);
  const state = new SimulatorState();
  const seed = () => {
    for (const tenant of options.tenants) state.addTenant(tenant.name, tenant.tokens);
    state.burstLeft = options.burst429;
    state.park = options.park
      ? new Park(structuredClone(options.park), { addTenantToken: (name, token) => void state.addTenant(name, [token]), newOid: () => state.oids.take() })
      : null;
  };
  seed();
  let baseUrl = '';

  // -------------------------------------------------------------------------------------------
  // Fault injection
  // -------------------------------------------------------------------------------------------

  function takeFault(route: string, tenant: string | undefined): FaultRule | undefined {
    const index = state.faults.findIndex((rule) => (rule.route === undefined || rule.route === route) && (rule.tenant === undefined || rule.tenant === tenant));
    if (index < 0) return undefined;
    const rule = state.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) state.faults.splice(index, 1);
    return rule;
  }

  /** The fault for this call, if any: a configured rule first, else the random error rate. */
  function pickFault(route: string, tenant: string | undefined, isWrite: boolean): FaultRule | undefined {
    const rule = takeFault(route, tenant);
    if (rule) return rule;
    if (options.errorRate > 0 && random() < options.errorRate) {
      const phase = options.errorPhase === 'random' ? (random() < 0.5 ? 'before' : 'after') : options.errorPhase;
      return { status: 500, errorCode: 11000, message: 'Internal server error (simulated)', phase: isWrite ? phase : 'before' };
    }
    return undefined;
  }

  function faultAnswer(rule: FaultRule, info: string): Answer {
    const headers: Record<string, string> = {};
    if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
    return {
      status: rule.status,
      headers,
      body: { errorCode: rule.errorCode ?? (rule.status === 429 ? 10400 : rule.status >= 500 ? 11000 : 10202), message: rule.message ?? 'simulated fault', info },
    };
  }

  async function latency(): Promise<void> {
    await sleep(options.latencyMs + (options.latencyJitterMs > 0 ? Math.floor(random() * options.latencyJitterMs) : 0));
  }

  /** Latency, injected faults, then `handle` — with a fault "after" the change, the change is made and the error answered. */
  async function run(route: string, tenant: string | undefined, isWrite: boolean, info: string, handle: () => Answer): Promise<Answer> {
    await latency();
    const fault = pickFault(route, tenant, isWrite);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && (fault.phase ?? 'before') === 'before') return faultAnswer(fault, info);
    const answer = handle();
    if (fault) return faultAnswer(fault, info);
    return answer;
  }

  // -------------------------------------------------------------------------------------------
  // The tenant API: /api/v1/{tenant}/…
  // -------------------------------------------------------------------------------------------

  const envelope = (tenant: TenantState, collection: string, obj: Obj) => ({
    object: obj,
    links: [{ rel: 'self', href: `${baseUrl}/api/v1/${tenant.name}/${collection}/${obj.oid as string}`, method: 'GET' }],
  });

  /** Copies the field at `path` of `source` into `target`; through a list of objects, each item's field. */
  function pick(source: Obj, path: string[], target: Obj): void {
    const [head, ...rest] = path;
    if (!(head in source)) return;
    const value = source[head];
    if (rest.length === 0 || value === null || typeof value !== 'object') {
      target[head] = structuredClone(value);
      return;
    }
    if (Array.isArray(value)) {
      const items = (Array.isArray(target[head]) ? target[head] : value.map(() => ({}))) as Obj[];
      value.forEach((item, i) => {
        if (isObject(item)) pick(item as Obj, rest, items[i]);
      });
      target[head] = items;
      return;
    }
    const inner = (isObject(target[head]) ? target[head] : {}) as Obj;
    target[head] = inner;
    pick(value as Obj, rest, inner);
  }

  function fieldValue(obj: Obj, field: string): Json | undefined {
    const value = obj[field];
    if (isObject(value) && typeof (value as Obj).oid === 'string') return (value as Obj).oid;
    return value;
  }

  /** A list, with exactly the parameters the contract documents for the collection (contract.ts). */
  function list(tenant: TenantState, collection: Collection, query: URLSearchParams): Answer {
    const { where, name, include, after, limit: asked } = parseListQuery(collection, query);
    // Filtered on the stored objects; only the page is viewed (cloned), so a look-up in a tenant of
    // thousands of objects stays cheap.
    let items = tenant.inCollection(collection);
    if (where) {
      const field = where.field === 'obj_type' ? 'objectType' : where.field;
      // User names compare case-insensitively, as Xelion's do; everything else exactly.
      const wanted = field === 'userName' ? where.value.toLowerCase() : where.value;
      items = items.filter((obj) => {
        const value = fieldValue(obj, field);
        return typeof value === 'string' && (field === 'userName' ? value.toLowerCase() : value) === wanted;
      });
    }
    if (name !== undefined && name !== '') {
      const needle = name.toLowerCase();
      // A substring match, as Xelion's name search: the client compares exact names itself.
      items = items.filter((obj) => String(obj.commonName ?? '').toLowerCase().includes(needle));
    }
    if (after !== undefined) items = items.filter((obj) => BigInt(obj.oid as string) > BigInt(after));
    const limit = Math.min(asked ?? options.maxPageSize, options.maxPageSize);
    const more = items.length > limit;
    const page = items.slice(0, limit).map((obj) => tenant.view(obj));
    const data = page.map((obj) => {
      const summary: Obj = { oid: obj.oid, objectType: obj.objectType, commonName: obj.commonName };
      if (obj.objectType === 'UserProfile') summary.userName = obj.userName;
      for (const path of include) pick(obj, path, summary);
      return envelope(tenant, collection, summary);
    });
    const paging: Obj = {};
    if (page.length > 0) paging.previousId = page[0].oid;
    if (more) paging.nextId = page[page.length - 1].oid;
    return { status: 200, body: { data, meta: { paging } } };
  }

  const CREATE: Record<Collection, (tenant: TenantState, body: unknown) => Obj> = {
    addressables: createAddressable,
    users: createUser,
    phonelines: createPhoneLine,
    phones: createPhone,
    trunks: createTrunk,
  };

  function authenticate(tenant: TenantState, req: IncomingMessage): string {
    const header = req.headers.authorization;
    if (!header) throw new SimError(401, 10000, 'not authenticated');
    const match = /^xelion\s+(.+)$/i.exec(header);
    if (!match || !tenant.tokens.has(match[1].trim())) throw new SimError(401, 10021, 'the token is invalid or expired');
    return match[1].trim();
  }

  async function tenantApi(req: IncomingMessage, tenantName: string, rest: string[], query: URLSearchParams, body: unknown): Promise<Answer> {
    const method = req.method ?? 'GET';
    const info = `resource=${method} /${rest.join('/')}`;
    const tenant = state.tenants.get(tenantName);
    if (!tenant) throw notFound(`no tenant ${tenantName}`);
    const [collection, oid, ...extra] = rest;
    const route = `${method} /${collection ?? ''}${oid !== undefined ? (collection === 'server' || collection === 'me' ? `/${oid}` : '/:oid') : ''}${extra.length ? `/${extra.join('/')}` : ''}`;
    const count = (status: number) => {
      tenant.totalCalls += 1;
      tenant.calls.set(route, (tenant.calls.get(route) ?? 0) + 1);
      tenant.statuses.set(status, (tenant.statuses.get(status) ?? 0) + 1);
    };

    // Preflight, without authentication.
    if (method === 'GET' && collection === 'server' && oid === 'version' && extra.length === 0) {
      await latency();
      count(200);
      return { status: 200, body: { apiVersionMajor: 1, apiVersionMinor: 4, buildNumber: '20180503.1', serverVersionMajor: 6, serverVersionMinor: 0, simulator: true } };
    }

    let token: string;
    try {
      token = authenticate(tenant, req);
    } catch (error) {
      count(401);
      throw error;
    }
    const session = tenant.session(token);
    session.inFlight += 1;
    tenant.inFlight += 1;
    session.peak = Math.max(session.peak, session.inFlight);
    tenant.peakInFlight = Math.max(tenant.peakInFlight, tenant.inFlight);
    let status = 500;
    try {
      const tooMany = (errorCode: number, message: string): Answer => {
        tenant.rejected429 += 1;
        return {
          status: 429,
          headers: options.retryAfter === null ? {} : { 'retry-after': String(options.retryAfter) },
          body: { errorCode, message, info },
        };
      };
      if (options.concurrencyLimit > 0 && session.inFlight > options.concurrencyLimit) {
        const answer = tooMany(10400, `too many concurrent requests in this session (limit ${options.concurrencyLimit})`);
        status = answer.status;
        return answer;
      }
      if (options.burst429Every > 0 && options.burst429 > 0) {
        state.sinceBurst += 1;
        if (state.sinceBurst >= options.burst429Every) {
          state.sinceBurst = 0;
          state.burstLeft = options.burst429;
        }
      }
      if (state.burstLeft > 0) {
        state.burstLeft -= 1;
        const answer = tooMany(10402, 'too many requests (simulated burst)');
        status = answer.status;
        return answer;
      }
      const answer = await run(route, tenant.name, method !== 'GET', info, () => dispatch(tenant, method, collection, oid, extra, query, body));
      status = answer.status;
      if (status === 429) tenant.rejected429 += 1;
      return answer;
    } catch (error) {
      status = error instanceof SimError ? error.status : 500;
      throw error;
    } finally {
      session.inFlight -= 1;
      tenant.inFlight -= 1;
      count(status);
    }
  }

  function dispatch(tenant: TenantState, method: string, collection: string | undefined, oid: string | undefined, extra: string[], query: URLSearchParams, body: unknown): Answer {
    const route = `${method} /${[collection, oid === undefined ? undefined : '{oid}', ...extra].filter(Boolean).join('/')}`;
    const notInContract = () => invalid(`${route} is not part of the contract`);
    if (collection === 'me' && oid === 'info' && extra.length === 0 && method === 'GET') {
      if ([...query.keys()].length > 0) throw invalid(`GET /me/info takes no query parameters`);
      return { status: 200, body: { object: { objectType: 'UserProfile', userName: `admin@${tenant.name}`, commonName: 'Provisioning administrator', isAdministrator: true }, links: [] } };
    }
    if (collection === 'tenants') throw new SimError(400, 10063, 'this is not the master tenant');
    if (collection === undefined || !(collection in COLLECTION_RULES) || extra.length > 0) throw notInContract();
    const c = collection as Collection;
    const rules = COLLECTION_RULES[c];
    if (oid === undefined) {
      if (method === 'GET') return list(tenant, c, query);
      if (method === 'POST') {
        if ([...query.keys()].length > 0) throw invalid(`POST /${c} takes no query parameters`);
        const created = CREATE[c](tenant, body);
        return { status: 201, body: envelope(tenant, c, tenant.view(created)) };
      }
      throw notInContract();
    }
    if ([...query.keys()].length > 0) throw invalid(`${route} takes no query parameters`);
    if (method === 'GET' && rules.getOne) return { status: 200, body: envelope(tenant, c, tenant.view(tenant.get(c, oid))) };
    if (method === 'PATCH' && rules.patch) {
      patchObject(tenant, c, oid, body);
      return { status: 204 };
    }
    throw notInContract();
  }

  // -------------------------------------------------------------------------------------------
  // External services beside Xelion (spec: "External services beside Xelion")
  // -------------------------------------------------------------------------------------------

  async function external(req: IncomingMessage, path: string[], body: unknown): Promise<Answer> {
    const method = req.method ?? 'GET';
    const countExternal = (route: string) => state.externalCalls.set(route, (state.externalCalls.get(route) ?? 0) + 1);
    // POST {numbers.url}/v1/numbers/reservations with numbers.url = {simulator}/numbers
    if (path[0] === 'numbers' && path.slice(1).join('/') === 'v1/numbers/reservations' && method === 'POST') {
      const route = 'POST /numbers/reservations';
      countExternal(route);
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${options.numbersApiKey}`) return { status: 401, body: { error: 'invalid api key' } };
      return run(route, undefined, true, route, () => reserve(body));
    }
    // PUT {redirection.url}/v1/devices/{MAC} with redirection.url = {simulator}/redirection
    if (path[0] === 'redirection' && path[1] === 'v1' && path[2] === 'devices' && path.length === 4 && method === 'PUT') {
      const route = 'PUT /redirection/devices/:mac';
      countExternal(route);
      const expected = `Basic ${Buffer.from(`${options.redirectionUsername}:${options.redirectionPassword}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return { status: 401, headers: { 'www-authenticate': 'Basic realm="redirection"' }, body: { error: 'invalid credentials' } };
      return run(route, undefined, true, route, () => register(decodeURIComponent(path[3]), body));
    }
    return { status: 404, body: { error: `no resource ${method} /${path.join('/')}` } };
  }

  function reserve(body: unknown): Answer {
    if (!isObject(body)) return { status: 400, body: { error: 'the body must be a JSON object' } };
    const { country, area, label, reference } = body;
    if (typeof country !== 'string' || !(country.toUpperCase() in COUNTRY_CODES)) return { status: 400, body: { error: `country must be one of ${Object.keys(COUNTRY_CODES).join(', ')}` } };
    if (typeof area !== 'string' || !/^0?\d{1,5}$/.test(area)) return { status: 400, body: { error: 'area must be an area code (digits)' } };
    if (typeof reference !== 'string' || reference === '' || reference.length > 200) return { status: 400, body: { error: 'reference is required' } };
    if (label !== undefined && typeof label !== 'string') return { status: 400, body: { error: 'label must be a string' } };
    const existing = state.reservations.get(reference);
    if (existing) return { status: 200, body: { number: existing.number, reference } };
    const number = state.allocateNumber(country.toUpperCase(), area);
    state.reservations.set(reference, { number, reference, country: country.toUpperCase(), area, label: (label as string | undefined) ?? '', createdAt: new Date().toISOString() });
    return { status: 201, body: { number, reference } };
  }

  function register(mac: string, body: unknown): Answer {
    if (!/^[0-9A-Fa-f]{12}$/.test(mac)) return { status: 400, body: { error: 'the MAC address must be 12 hex digits without separators' } };
    if (!isObject(body) || typeof body.provisioningUrl !== 'string' || !/^https?:\/\//.test(body.provisioningUrl)) {
      return { status: 400, body: { error: 'provisioningUrl must be an http(s) URL' } };
    }
    const key = mac.toUpperCase();
    const existing = state.registrations.get(key);
    const registration: Registration = {
      mac: key,
      provisioningUrl: body.provisioningUrl,
      label: typeof body.label === 'string' ? body.label : '',
      updatedAt: new Date().toISOString(),
      updates: (existing?.updates ?? 0) + 1,
    };
    state.registrations.set(key, registration);
    return { status: existing ? 200 : 201, body: { mac: key, provisioningUrl: registration.provisioningUrl, label: registration.label } };
  }

  // -------------------------------------------------------------------------------------------
  // /_sim: read-only dumps and test controls (not part of Xelion's API)
  // -------------------------------------------------------------------------------------------

  function calls(name: string): CallSummary {
    const tenant = state.tenant(name);
    return {
      total: tenant.totalCalls,
      byRoute: Object.fromEntries([...tenant.calls].sort()),
      byStatus: Object.fromEntries(tenant.statuses),
      inFlight: tenant.inFlight,
      peakInFlight: tenant.peakInFlight,
      sessions: [...tenant.sessions.values()].map((s) => ({ session: s.id, peakInFlight: s.peak, inFlight: s.inFlight })),
      rejected429: tenant.rejected429,
    };
  }

  function externalDump(): Obj {
    return {
      reservations: [...state.reservations.values()] as unknown as Json,
      registrations: [...state.registrations.values()] as unknown as Json,
      calls: Object.fromEntries(state.externalCalls),
    };
  }

  function dump(name: string): Obj {
    const tenant = state.tenant(name);
    const registrations = [...state.registrations.values()].filter((r) => r.provisioningUrl.endsWith(`/provisioning/${name}`));
    return { ...tenant.dump(), registrations: registrations as unknown as Json, reservations: [...state.reservations.values()] as unknown as Json };
  }

  function setOptions(changes: Partial<SimulatorOptions>): void {
    const allowed: (keyof SimulatorOptions)[] = [
      'latencyMs', 'latencyJitterMs', 'errorRate', 'errorPhase', 'burst429', 'burst429Every', 'concurrencyLimit',
      'retryAfter', 'maxPageSize', 'numbersApiKey', 'redirectionUsername', 'redirectionPassword', 'seed', 'recordRequests',
    ];
    for (const key of Object.keys(changes) as (keyof SimulatorOptions)[]) {
      if (!allowed.includes(key)) throw new HttpAnswer({ status: 400, body: { error: `unknown or fixed option ${key}` } });
    }
    Object.assign(options, changes);
    if ('burst429' in changes) {
      state.burstLeft = options.burst429;
      state.sinceBurst = 0;
    }
    if ('seed' in changes) random = options.seed === null ? Math.random : mulberry32(options.seed);
  }

  /** Back to the start: the options given to startSimulator, the seeded tenants, nothing else. */
  function reset(): void {
    Object.assign(options, structuredClone(initialOptions));
    random = options.seed === null ? Math.random : mulberry32(options.seed);
    state.burstLeft = 0;
    state.sinceBurst = 0;
    state.tenants.clear();
    state.reservations.clear();
    state.registrations.clear();
    state.externalCalls.clear();
    state.faults = [];
    state.requestLog.length = 0;
    seed();
  }

  function addFault(rule: FaultRule): void {
    if (typeof rule.status !== 'number' || rule.status < 100 || rule.status > 599) throw new HttpAnswer({ status: 400, body: { error: 'status must be an HTTP status' } });
    state.faults.push({ ...rule, remaining: rule.times ?? 1 });
  }

  function control(method: string, path: string[], body: unknown): Answer {
    const [, resource, name, sub, subKey] = path;
    const ok = (payload: unknown = { ok: true }): Answer => ({ status: 200, body: payload });
    const input = isObject(body) ? body : {};
    if (method === 'GET') {
      if (resource === 'options' && !name) return ok({ ...options, tenants: undefined });
      if (resource === 'external' && !name) return ok(externalDump());
      if (resource === 'tenants' && !name) return ok({ tenants: [...state.tenants.keys()] });
      if (resource === 'tenants' && name && sub === 'state' && !subKey) return ok(dump(name));
      if (resource === 'tenants' && name && sub === 'calls' && !subKey) return ok(calls(name));
      if (resource === 'faults' && !name) return ok({ faults: state.faults });
    }
    if (method === 'POST') {
      if (resource === 'options' && !name) {
        setOptions(input as Partial<SimulatorOptions>);
        return ok({ ...options, tenants: undefined });
      }
      if (resource === 'reset' && !name) {
        reset();
        return ok();
      }
      if (resource === 'faults' && !name) {
        addFault(input as unknown as FaultRule);
        return ok({ faults: state.faults });
      }
      if (resource === 'tenants' && !name) {
        if (typeof input.name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(input.name)) return { status: 400, body: { error: 'name is required' } };
        const tokens = Array.isArray(input.tokens) ? input.tokens.filter((t): t is string => typeof t === 'string') : [];
        state.addTenant(input.name, tokens);
        return ok({ tenant: input.name });
      }
      if (resource === 'tenants' && name && sub === 'tokens' && !subKey) {
        if (typeof input.token !== 'string' || input.token === '') return { status: 400, body: { error: 'token is required' } };
        state.tenant(name).tokens.add(input.token);
        return ok();
      }
      if (resource === 'tenants' && name && sub === 'calls' && subKey === 'reset') {
        state.tenant(name).resetCalls();
        return ok();
      }
    }
    if (method === 'DELETE') {
      if (resource === 'faults' && !name) {
        state.faults = [];
        return ok();
      }
      if (resource === 'tenants' && name && sub === 'tokens' && subKey) {
        state.tenant(name).tokens.delete(decodeURIComponent(subKey));
        return ok();
      }
    }
    return { status: 404, body: { error: `no control ${method} /${path.join('/')}` } };
  }

  // -------------------------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------------------------

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1024 * 1024) throw new SimError(400, 10202, 'the payload is too large');
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new SimError(400, 10202, 'the payload is not valid JSON');
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname.split('/').filter(Boolean).map((part) => decodeURIComponent(part));
    let answer: Answer;
    let info = `resource=${req.method} ${url.pathname}`;
    const isTenantApi = path[0] === 'api' && path[1] === 'v1' && path.length >= 3;
    const record: RequestRecord | undefined =
      options.recordRequests && isTenantApi
        ? { tenant: path[2], method: req.method ?? '', path: `/${path.slice(3).join('/')}`, query: url.search, agent: String(req.headers['user-agent'] ?? ''), startedAt: performance.now(), endedAt: 0, status: 0 }
        : undefined;
    if (record) state.requestLog.push(record);
    try {
      const body = await readBody(req);
      if (record && body !== undefined) record.body = body;
      if (isTenantApi && path[2] === 'master') {
        info = `resource=${req.method} /${path.slice(3).join('/')}`;
        await latency();
        if (!state.park) throw new SimError(404, 10060, 'this server has no multi-tenant configuration');
        answer = state.park.handle(req.method ?? 'GET', path.slice(3), url.searchParams, { authorization: req.headers.authorization }, body);
      } else if (isTenantApi) {
        info = `resource=${req.method} /${path.slice(3).join('/')}`;
        answer = await tenantApi(req, path[2], path.slice(3), url.searchParams, body);
      } else if (path[0] === '_sim') {
        answer = control(req.method ?? 'GET', path, body);
      } else if (path[0] === 'numbers' || path[0] === 'redirection') {
        answer = await external(req, path, body);
      } else {
        answer = { status: 404, body: { errorCode: 10100, message: 'not found', info } };
      }
    } catch (error) {
      if (error instanceof SimError) answer = { status: error.status, body: { errorCode: error.errorCode, message: error.message, info } };
      else if (error instanceof HttpAnswer) answer = error.answer;
      else answer = { status: 500, body: { errorCode: 11000, message: `Internal server error: ${(error as Error).message}`, info } };
    }
    const headers: Record<string, string> = { ...answer.headers };
    let payload: string | undefined;
    if (answer.body !== undefined && answer.status !== 204) {
      payload = JSON.stringify(answer.body);
      headers['content-type'] = 'application/json';
    }
    if (record) {
      record.endedAt = performance.now();
      record.status = answer.status;
    }
    res.writeHead(answer.status, headers);
    res.end(payload);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
  baseUrl = `http://${host}:${port}`;

  return {
    url: baseUrl,
    port,
    state,
    options,
    setOptions,
    reset,
    addFault,
    addToken: (tenant, token) => void state.tenant(tenant).tokens.add(token),
    revokeToken: (tenant, token) => void state.tenant(tenant).tokens.delete(token),
    dump,
    calls,
    requests: (tenant) => (tenant === undefined ? [...state.requestLog] : state.requestLog.filter((entry) => entry.tenant === tenant)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
