import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpAnswer, type Answer } from './answer.js';
import { ExternalServices } from './external-services.js';
import { Faults } from './faults.js';
import { isObject, SimError, type Json, type Obj } from './model.js';
import { Park } from './park.js';
import { DEFAULT_OPTIONS, SimulatorState, type CallSummary, type FaultRule, type RequestRecord, type SimulatorOptions } from './state.js';
import { TenantApi } from './tenant-api.js';

export * from './state.js';

/**
 * The Xelion simulator: a standalone HTTP server implementing the contract in
 * docs/xelion-contract.md (and nothing more) with in-memory state — several tenants with their tokens, the
 * documented errors, the external services beside Xelion (number reservations, phone redirection),
 * fault injection (latency, random 500/11000, 429 bursts, a per-session concurrency limit) and
 * read-only `/_sim` endpoints that dump state and call counts. See tools/xelion-simulator/README.md.
 * Its parts: tenant-api.ts, park.ts (the master tenant), external-services.ts, faults.ts, state.ts.
 */

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
  /** A token of the tenant; `administrator: false` makes it a plain user's (reads only, 403 / 10101 on writes). */
  addToken(tenant: string, token: string, options?: { administrator?: boolean }): void;
  revokeToken(tenant: string, token: string): void;
  /** The `/_sim/tenants/{tenant}/state` dump. */
  dump(tenant: string): Obj;
  /** The `/_sim/tenants/{tenant}/calls` summary. */
  calls(tenant: string): CallSummary;
  /** The logged tenant API requests (`recordRequests`), in arrival order; of one tenant, or all. */
  requests(tenant?: string): RequestRecord[];
  close(): Promise<void>;
}

export async function startSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  const options: SimulatorOptions = { ...DEFAULT_OPTIONS, ...overrides, tenants: overrides.tenants ?? DEFAULT_OPTIONS.tenants.map((t) => ({ ...t, tokens: [...t.tokens] })) };
  const initialOptions: SimulatorOptions = structuredClone(options);
  const state = new SimulatorState();
  const faults = new Faults(options, state);
  const seed = () => {
    for (const tenant of options.tenants) state.addTenant(tenant.name, tenant.tokens);
    state.burstLeft = options.burst429;
    state.park = options.park
      ? new Park(structuredClone(options.park), { addTenantToken: (name, token) => void state.addTenant(name, [token]), newOid: () => state.oids.take() })
      : null;
  };
  seed();
  let baseUrl = '';
  const tenantApi = new TenantApi(state, options, faults, () => baseUrl);
  const external = new ExternalServices(state, options, faults);

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
    if ('seed' in changes) faults.reseed();
  }

  /** Back to the start: the options given to startSimulator, the seeded tenants, nothing else. */
  function reset(): void {
    Object.assign(options, structuredClone(initialOptions));
    faults.reseed();
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
        await faults.latency();
        if (!state.park) throw new SimError(404, 10060, 'this server has no multi-tenant configuration');
        answer = state.park.handle(req.method ?? 'GET', path.slice(3), url.searchParams, { authorization: req.headers.authorization }, body);
      } else if (isTenantApi) {
        info = `resource=${req.method} /${path.slice(3).join('/')}`;
        answer = await tenantApi.handle(req, path[2], path.slice(3), url.searchParams, body);
      } else if (path[0] === '_sim') {
        answer = control(req.method ?? 'GET', path, body);
      } else if (path[0] === 'numbers' || path[0] === 'redirection') {
        answer = await external.handle(req, path, body);
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
    addToken: (tenant, token, { administrator = true } = {}) => {
      state.tenant(tenant).tokens.add(token);
      if (!administrator) state.tenant(tenant).userTokens.add(token);
    },
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
