/**
 * The master tenant of a multi-tenant Xelion server (a "park"): log in, list, rename, license, start
 * and log in to the other tenants (docs/xelion-contract.md, "The master tenant"). Strict like the rest
 * of the simulator: what the contract does not define is refused with 400 / 10202. A tenant that is
 * started and logged in to becomes an ordinary tenant of the simulator, provisioned like any other.
 */
import { randomBytes } from 'node:crypto';
import { check, checkShape, invalid, isObject, SimError } from './contract.js';
import type { Json, Obj } from './model.js';

export interface ParkLicense {
  /** e.g. `license.user`, `license.phone`. */
  name: string;
  max: number;
  used?: number;
}

export interface ParkTenantSeed {
  databaseId: number;
  commonName: string;
  subDatabaseName: string;
  active: boolean;
  /** `PRELOADED` (available), `STARTED`, … */
  statusEnum: string;
  isTemplate: boolean;
  licenses: ParkLicense[];
}

export interface ParkSeed {
  /** Master-tenant users; only administrators may use the tenant calls. */
  users: { userName: string; password: string; administrator: boolean }[];
  tenants: ParkTenantSeed[];
}

/** A park with three preloaded tenants, one in use and one template; an administrator and a plain user. */
export function defaultPark(): ParkSeed {
  const licenses = (): ParkLicense[] => [
    { name: 'license.user', max: 5 },
    { name: 'license.phone', max: 5 },
  ];
  return {
    users: [
      { userName: 'park-admin', password: 'park-admin-password', administrator: true },
      { userName: 'park-viewer', password: 'park-viewer-password', administrator: false },
    ],
    tenants: [
      { databaseId: 10, commonName: 'template', subDatabaseName: 'template', active: false, statusEnum: 'PRELOADED', isTemplate: true, licenses: licenses() },
      { databaseId: 11, commonName: 'in use', subDatabaseName: 'customer-a', active: true, statusEnum: 'STARTED', isTemplate: false, licenses: licenses() },
      { databaseId: 12, commonName: 'preloaded 12', subDatabaseName: 'park12', active: false, statusEnum: 'PRELOADED', isTemplate: false, licenses: licenses() },
      { databaseId: 13, commonName: 'preloaded 13', subDatabaseName: 'park13', active: false, statusEnum: 'PRELOADED', isTemplate: false, licenses: licenses() },
      { databaseId: 14, commonName: 'preloaded 14', subDatabaseName: 'park14', active: false, statusEnum: 'PRELOADED', isTemplate: false, licenses: licenses() },
    ],
  };
}

interface Session {
  userName: string;
  userSpace: string;
  administrator: boolean;
}

interface LicenseCount {
  oid: string;
  name: string;
  max: number;
  used: number;
}

interface ParkTenant extends Omit<ParkTenantSeed, 'licenses'> {
  licenseCounts: LicenseCount[];
}

export interface ParkAnswer {
  status: number;
  body?: unknown;
}

/** What the park needs of the rest of the simulator: make a started tenant reachable with a token. */
export interface ParkHost {
  addTenantToken(tenant: string, token: string): void;
  newOid(): string;
}

export class Park {
  readonly tenants = new Map<number, ParkTenant>();
  private readonly users: ParkSeed['users'];
  /** Master sessions by token; and the user spaces with a session, per user (10005 on a second login). */
  private readonly sessions = new Map<string, Session>();
  /** Tenant sessions opened through `POST /tenants/{id}/login`, by tenant and user space. */
  private readonly tenantUserSpaces = new Set<string>();
  /** Every call, by route, for tests. */
  readonly calls = new Map<string, number>();

  constructor(
    seed: ParkSeed,
    private readonly host: ParkHost,
  ) {
    this.users = seed.users.map((u) => ({ ...u }));
    for (const tenant of seed.tenants) {
      const { licenses, ...rest } = tenant;
      this.tenants.set(tenant.databaseId, {
        ...rest,
        licenseCounts: licenses.map((l) => ({ oid: host.newOid(), name: l.name, max: l.max, used: l.used ?? 0 })),
      });
    }
  }

  /** `/api/v1/master/{rest}`. */
  handle(method: string, rest: string[], query: URLSearchParams, headers: { authorization?: string }, body: unknown): ParkAnswer {
    const route = `${method} /${rest.map((part) => (/^\d+$/.test(part) ? '{id}' : part)).join('/')}`;
    this.calls.set(route, (this.calls.get(route) ?? 0) + 1);
    if (route === 'POST /me/login') return this.login(query, body);
    const session = this.authenticate(headers.authorization);
    if (route === 'POST /me/logout') {
      this.noQuery(query, route);
      this.sessions.delete(this.token(headers.authorization)!);
      return { status: 204 };
    }
    if (route === 'GET /me/info') {
      this.noQuery(query, route);
      return { status: 200, body: { object: { objectType: 'UserProfile', userName: session.userName, isAdministrator: session.administrator }, links: [] } };
    }
    const [collection, id, action, ...more] = rest;
    if (collection !== 'tenants' || more.length > 0) throw invalid(`${route} is not part of the contract`);
    if (!session.administrator) throw new SimError(403, 10101, 'only a master administrator may do this');
    if (id === undefined) {
      if (method !== 'GET') throw invalid(`${route} is not part of the contract`);
      return this.list(query);
    }
    const tenant = this.tenant(id);
    if (action === undefined && method === 'GET') {
      this.noQuery(query, route);
      return { status: 200, body: this.envelope(tenant, true) };
    }
    if (action === undefined && method === 'PATCH') {
      this.noQuery(query, route);
      this.patch(tenant, body);
      return { status: 204 };
    }
    if (action === 'start' && method === 'POST') {
      this.noQuery(query, route);
      if (body !== undefined) throw invalid('POST /tenants/{id}/start takes no body');
      if (tenant.active) throw new SimError(400, 10062, `tenant ${tenant.databaseId} is started already`);
      if (tenant.isTemplate) throw new SimError(400, 10074, `tenant ${tenant.databaseId} could not be started: it is a template`);
      tenant.active = true;
      tenant.statusEnum = 'STARTED';
      return { status: 204 };
    }
    if (action === 'login' && method === 'POST') {
      this.noQuery(query, route);
      if (!isObject(body)) throw new SimError(400, 10200, 'the payload is empty');
      checkShape(body, { userSpace: { kind: 'string', required: true } });
      if (!tenant.active) throw invalid(`tenant ${tenant.databaseId} is not started`);
      const key = `${tenant.databaseId}\u0000${body.userSpace as string}`;
      if (this.tenantUserSpaces.has(key)) throw new SimError(401, 10005, `user space ${body.userSpace as string} has a session already`);
      this.tenantUserSpaces.add(key);
      const token = `tenant-session-${randomBytes(12).toString('hex')}`;
      this.host.addTenantToken(tenant.subDatabaseName, token);
      return { status: 200, body: this.loginAnswer(token) };
    }
    throw invalid(`${route} is not part of the contract`);
  }

  private login(query: URLSearchParams, body: unknown): ParkAnswer {
    this.noQuery(query, 'POST /me/login');
    if (!isObject(body)) throw new SimError(400, 10200, 'the payload is empty');
    checkShape(body, { userName: { kind: 'string', required: true }, password: { kind: 'string', required: true }, userSpace: { kind: 'string', required: true } });
    const user = this.users.find((u) => u.userName === body.userName && u.password === body.password);
    if (!user) throw new SimError(401, 10004, 'wrong user name or password');
    if ([...this.sessions.values()].some((s) => s.userName === user.userName && s.userSpace === body.userSpace)) {
      throw new SimError(401, 10005, `user space ${body.userSpace as string} has a session already`);
    }
    const token = `master-session-${randomBytes(12).toString('hex')}`;
    this.sessions.set(token, { userName: user.userName, userSpace: body.userSpace as string, administrator: user.administrator });
    return { status: 200, body: this.loginAnswer(token) };
  }

  private loginAnswer(token: string): Obj {
    const validUntil = new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    return { authentication: token, renewalToken: `renew-${randomBytes(8).toString('hex')}`, validUntil };
  }

  private token(header: string | undefined): string | undefined {
    return header ? /^xelion\s+(.+)$/i.exec(header)?.[1].trim() : undefined;
  }

  private authenticate(header: string | undefined): Session {
    if (!header) throw new SimError(401, 10000, 'not authenticated');
    const session = this.sessions.get(this.token(header) ?? '');
    if (!session) throw new SimError(401, 10021, 'the token is invalid or expired');
    return session;
  }

  private noQuery(query: URLSearchParams, route: string): void {
    if ([...query.keys()].length > 0) throw invalid(`${route} takes no query parameters`);
  }

  private tenant(id: string): ParkTenant {
    const tenant = this.tenants.get(Number(id));
    if (!/^\d+$/.test(id) || !tenant) throw new SimError(404, 10100, `no tenant with id ${id}`);
    return tenant;
  }

  private envelope(tenant: ParkTenant, withLicenses: boolean): Obj {
    const object: Obj = {
      oid: String(tenant.databaseId),
      objectType: 'XCCTenant',
      commonName: tenant.commonName,
      subDatabaseName: tenant.subDatabaseName,
      active: tenant.active,
      statusEnum: tenant.statusEnum,
      isTemplate: tenant.isTemplate,
    };
    if (withLicenses) {
      object.licenseCounts = tenant.licenseCounts.map((c) => ({ oid: c.oid, license: { oid: `${c.oid}0`, commonName: c.name }, maxLicenses: c.max, usedLicenses: c.used })) as Json;
    }
    return { object, links: [] };
  }

  private list(query: URLSearchParams): ParkAnswer {
    let items = [...this.tenants.values()].sort((a, b) => a.databaseId - b.databaseId);
    let include = false;
    let limit = 100;
    const seen = new Set<string>();
    for (const [key, value] of query) {
      if (seen.has(key)) throw invalid(`query parameter ${key} is given twice on /tenants (one where= per request)`);
      seen.add(key);
      if (key === 'name') items = items.filter((t) => t.commonName.toLowerCase().includes(value.toLowerCase()));
      else if (key === 'where') {
        const match = /^(active|isTemplate)=(true|false)$/.exec(value);
        if (!match) throw invalid(`where=${value.split('=')[0]} is not a filter of /tenants (active or isTemplate, true or false)`);
        items = items.filter((t) => String(t[match[1] as 'active' | 'isTemplate']) === match[2]);
      } else if (key === 'include') {
        if (value !== 'licenseCounts') throw invalid(`include: ${JSON.stringify(value)} is not a field of /tenants`);
        include = true;
      } else if (key === 'limit') {
        if (!/^\d+$/.test(value) || Number(value) < 1) throw invalid(`limit must be a positive number, got ${JSON.stringify(value)}`);
        limit = Math.min(100, Number(value));
      } else if (key === 'after') {
        if (!/^\d+$/.test(value)) throw invalid(`after must be an oid, got ${JSON.stringify(value)}`);
        items = items.filter((t) => t.databaseId > Number(value));
      } else throw invalid(`query parameter ${key} is not documented for /tenants`);
    }
    const page = items.slice(0, limit);
    const paging: Obj = {};
    if (page.length > 0) paging.previousId = String(page[0].databaseId);
    if (items.length > limit) paging.nextId = String(page[page.length - 1].databaseId);
    return { status: 200, body: { data: page.map((t) => this.envelope(t, include)), meta: { paging } } };
  }

  /** `replace /commonName`, `replace /subDatabaseName` (not while active), `replace /licenseCounts/{oid}/maxLicenses`; all or nothing. */
  private patch(tenant: ParkTenant, body: unknown): void {
    if (!isObject(body) || !Array.isArray(body.operations) || body.operations.length === 0) throw new SimError(400, 10200, 'operations must be a non-empty array');
    for (const key of Object.keys(body)) if (key !== 'operations') throw invalid(`${key} is not a field of a PATCH document`);
    const copy: ParkTenant = structuredClone(tenant);
    for (const [i, op] of (body.operations as unknown[]).entries()) {
      if (!isObject(op) || op.op !== 'replace' || typeof op.path !== 'string') throw invalid(`operations[${i}] is not an operation of XCCTenant in the contract`);
      for (const key of Object.keys(op)) if (!['op', 'path', 'value'].includes(key)) throw invalid(`operations[${i}].${key} is not a field of an operation`);
      const [field, key, sub, ...rest] = op.path.slice(1).split('/');
      if (field === 'commonName' && key === undefined) {
        check(op.value, { kind: 'string', required: true }, op.path);
        copy.commonName = op.value as string;
      } else if (field === 'subDatabaseName' && key === undefined) {
        check(op.value, { kind: 'string', required: true, pattern: /^[A-Za-z0-9._-]{1,200}$/, patternName: 'a tenant name' }, op.path);
        if (copy.active) throw invalid('subDatabaseName can only be changed while the tenant is not active');
        if ([...this.tenants.values()].some((t) => t.databaseId !== copy.databaseId && t.subDatabaseName === op.value)) throw invalid(`subDatabaseName ${op.value as string} is in use`);
        copy.subDatabaseName = op.value as string;
      } else if (field === 'licenseCounts' && key !== undefined && sub === 'maxLicenses' && rest.length === 0) {
        check(op.value, { kind: 'integer', required: true, min: 0 }, op.path);
        const count = copy.licenseCounts.find((c) => c.oid === key);
        if (!count) throw invalid(`${op.path}: no licence count ${key}`);
        count.max = op.value as number;
      } else throw invalid(`replace ${op.path} is not an operation of XCCTenant in the contract`);
    }
    this.tenants.set(tenant.databaseId, copy);
  }
}

