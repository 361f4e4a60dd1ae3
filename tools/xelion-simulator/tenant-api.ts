import type { IncomingMessage } from 'node:http';
import type { Answer } from './answer.js';
import { COLLECTION_RULES, invalid, parseListQuery } from './contract.js';
import type { Faults } from './faults.js';
import {
  createAddressable,
  createPhone,
  createPhoneLine,
  createTrunk,
  createUser,
  isObject,
  notFound,
  patchObject,
  SimError,
  type Collection,
  type Json,
  type Obj,
  type TenantState,
} from './model.js';
import type { SimulatorOptions, SimulatorState } from './state.js';

/** The tenant API, `/api/v1/{tenant}/…`: exactly the calls of docs/xelion-contract.md. */
export class TenantApi {
  constructor(
    private readonly state: SimulatorState,
    private readonly options: SimulatorOptions,
    private readonly faults: Faults,
    /** The simulator's own URL, for the envelopes' links (known once it listens). */
    private readonly baseUrl: () => string,
  ) {}

  private envelope(tenant: TenantState, collection: string, obj: Obj) {
    return {
      object: obj,
      links: [{ rel: 'self', href: `${this.baseUrl()}/api/v1/${tenant.name}/${collection}/${obj.oid as string}`, method: 'GET' }],
    };
  }

  /** Copies the field at `path` of `source` into `target`; through a list of objects, each item's field. */
  private pick(source: Obj, path: string[], target: Obj): void {
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
        if (isObject(item)) this.pick(item as Obj, rest, items[i]);
      });
      target[head] = items;
      return;
    }
    const inner = (isObject(target[head]) ? target[head] : {}) as Obj;
    target[head] = inner;
    this.pick(value as Obj, rest, inner);
  }

  private fieldValue(obj: Obj, field: string): Json | undefined {
    const value = obj[field];
    if (isObject(value) && typeof (value as Obj).oid === 'string') return (value as Obj).oid;
    return value;
  }

  /** A list, with exactly the parameters the contract documents for the collection (contract.ts). */
  private list(tenant: TenantState, collection: Collection, query: URLSearchParams): Answer {
    const { where, name, include, after, limit: asked } = parseListQuery(collection, query);
    // Filtered on the stored objects; only the page is viewed (cloned), so a look-up in a tenant of
    // thousands of objects stays cheap.
    let items = tenant.inCollection(collection);
    if (where) {
      const field = where.field === 'obj_type' ? 'objectType' : where.field;
      // User names compare case-insensitively, as Xelion's do; everything else exactly.
      const wanted = field === 'userName' ? where.value.toLowerCase() : where.value;
      items = items.filter((obj) => {
        const value = this.fieldValue(obj, field);
        return typeof value === 'string' && (field === 'userName' ? value.toLowerCase() : value) === wanted;
      });
    }
    if (name !== undefined && name !== '') {
      const needle = name.toLowerCase();
      // A substring match, as Xelion's name search: the client compares exact names itself.
      items = items.filter((obj) => String(obj.commonName ?? '').toLowerCase().includes(needle));
    }
    if (after !== undefined) items = items.filter((obj) => BigInt(obj.oid as string) > BigInt(after));
    const limit = Math.min(asked ?? this.options.maxPageSize, this.options.maxPageSize);
    const more = items.length > limit;
    const page = items.slice(0, limit).map((obj) => tenant.view(obj));
    const data = page.map((obj) => {
      const summary: Obj = { oid: obj.oid, objectType: obj.objectType, commonName: obj.commonName };
      if (obj.objectType === 'UserProfile') summary.userName = obj.userName;
      for (const path of include) this.pick(obj, path, summary);
      return this.envelope(tenant, collection, summary);
    });
    const paging: Obj = {};
    if (page.length > 0) paging.previousId = page[0].oid;
    if (more) paging.nextId = page[page.length - 1].oid;
    return { status: 200, body: { data, meta: { paging } } };
  }

  private readonly create: Record<Collection, (tenant: TenantState, body: unknown) => Obj> = {
    addressables: createAddressable,
    users: createUser,
    phonelines: createPhoneLine,
    phones: createPhone,
    trunks: createTrunk,
  };

  private authenticate(tenant: TenantState, req: IncomingMessage): string {
    const header = req.headers.authorization;
    if (!header) throw new SimError(401, 10000, 'not authenticated');
    const match = /^xelion\s+(.+)$/i.exec(header);
    if (!match || !tenant.tokens.has(match[1].trim())) throw new SimError(401, 10021, 'the token is invalid or expired');
    return match[1].trim();
  }

  /** `/api/v1/{tenant}/…`: authentication, session limits and 429 bursts, then the call (with latency and faults). */
  async handle(req: IncomingMessage, tenantName: string, rest: string[], query: URLSearchParams, body: unknown): Promise<Answer> {
    const method = req.method ?? 'GET';
    const info = `resource=${method} /${rest.join('/')}`;
    const tenant = this.state.tenants.get(tenantName);
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
      await this.faults.latency();
      count(200);
      return { status: 200, body: { apiVersionMajor: 1, apiVersionMinor: 4, buildNumber: '20180503.1', serverVersionMajor: 6, serverVersionMinor: 0, simulator: true } };
    }

    let token: string;
    try {
      token = this.authenticate(tenant, req);
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
          headers: this.options.retryAfter === null ? {} : { 'retry-after': String(this.options.retryAfter) },
          body: { errorCode, message, info },
        };
      };
      if (this.options.concurrencyLimit > 0 && session.inFlight > this.options.concurrencyLimit) {
        const answer = tooMany(10400, `too many concurrent requests in this session (limit ${this.options.concurrencyLimit})`);
        status = answer.status;
        return answer;
      }
      if (this.options.burst429Every > 0 && this.options.burst429 > 0) {
        this.state.sinceBurst += 1;
        if (this.state.sinceBurst >= this.options.burst429Every) {
          this.state.sinceBurst = 0;
          this.state.burstLeft = this.options.burst429;
        }
      }
      if (this.state.burstLeft > 0) {
        this.state.burstLeft -= 1;
        const answer = tooMany(10402, 'too many requests (simulated burst)');
        status = answer.status;
        return answer;
      }
      if (method !== 'GET' && tenant.userTokens.has(token)) {
        const answer: Answer = { status: 403, body: { errorCode: 10101, message: 'no permission: the user is not an administrator of this tenant', info } };
        status = answer.status;
        return answer;
      }
      const answer = await this.faults.run(route, tenant.name, method !== 'GET', info, () =>
        this.dispatch(tenant, method, collection, oid, extra, query, body, !tenant.userTokens.has(token)),
      );
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

  private dispatch(
    tenant: TenantState,
    method: string,
    collection: string | undefined,
    oid: string | undefined,
    extra: string[],
    query: URLSearchParams,
    body: unknown,
    administrator: boolean,
  ): Answer {
    const route = `${method} /${[collection, oid === undefined ? undefined : '{oid}', ...extra].filter(Boolean).join('/')}`;
    const notInContract = () => invalid(`${route} is not part of the contract`);
    if (collection === 'me' && oid === 'info' && extra.length === 0 && method === 'GET') {
      if ([...query.keys()].length > 0) throw invalid(`GET /me/info takes no query parameters`);
      const me = administrator
        ? { userName: `admin@${tenant.name}`, commonName: 'Provisioning administrator', isAdministrator: true }
        : { userName: `user@${tenant.name}`, commonName: 'A user', isAdministrator: false };
      return { status: 200, body: { object: { objectType: 'UserProfile', ...me }, links: [] } };
    }
    if (collection === 'tenants') throw new SimError(400, 10063, 'this is not the master tenant');
    if (collection === undefined || !(collection in COLLECTION_RULES) || extra.length > 0) throw notInContract();
    const c = collection as Collection;
    const rules = COLLECTION_RULES[c];
    if (oid === undefined) {
      if (method === 'GET') return this.list(tenant, c, query);
      if (method === 'POST') {
        if ([...query.keys()].length > 0) throw invalid(`POST /${c} takes no query parameters`);
        const created = this.create[c](tenant, body);
        return { status: 201, body: this.envelope(tenant, c, tenant.view(created)) };
      }
      throw notInContract();
    }
    if ([...query.keys()].length > 0) throw invalid(`${route} takes no query parameters`);
    if (method === 'GET' && rules.getOne) return { status: 200, body: this.envelope(tenant, c, tenant.view(tenant.get(c, oid))) };
    if (method === 'PATCH' && rules.patch) {
      patchObject(tenant, c, oid, body);
      return { status: 204 };
    }
    throw notInContract();
  }
}
