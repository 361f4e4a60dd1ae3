import { XelionPatch } from './xelion-patch.builder.js';
import { XelionAuthError, XelionError, XelionPermanentError } from './xelion.errors.js';
import { array, isObject, str, XelionTransport, type Raw } from './xelion-transport.js';

/**
 * The master tenant of a multi-tenant server (docs/xelion-contract.md, "The master tenant"): log in,
 * list the park's tenants, rename and license one, start it and open an administrator session on it.
 * The parts the contract marks [assumed] (the licence count's oid as the PATCH relation id, the answer
 * of a tenant login, what makes a tenant available) are kept in this file.
 */

/** A session: the token for `Authorization: xelion …` and when it ends (as the server says, UTC). */
export interface XelionSession {
  token: string;
  validUntil: string | null;
}

export interface ParkTenant {
  /** The tenant's databaseId (its oid). */
  databaseId: string;
  commonName: string;
  /** Its name in URLs (`subDatabaseName`). */
  name: string;
  active: boolean;
  status: string;
  isTemplate: boolean;
  /** By licence name without the `license.` prefix (`user`, `phone`), when the answer carried them. */
  licenses: { oid: string; name: string; max: number; used: number }[];
}

/** Refused by the master tenant: not a master administrator (403 / 10101), not the master tenant (10063), no park (10060). */
export class XelionMasterRefusedError extends XelionPermanentError {
  constructor(message: string, status: number | undefined, errorCode: number | undefined) {
    super(message, status, errorCode);
    this.name = 'XelionMasterRefusedError';
  }
}

/** The master tenant refused the user name and password, or the session (401). Never carries them. */
export class XelionMasterLoginError extends XelionError {
  constructor(message: string, status?: number, errorCode?: number) {
    super(message, status, errorCode);
    this.name = 'XelionMasterLoginError';
  }
}

const NOT_MASTER_ADMINISTRATOR = 10101;
const NOT_THE_MASTER_TENANT = 10063;
const NO_PARK = 10060;
const ALREADY_STARTED = 10062;

/** [assumed] A tenant that can be taken: preloaded from a template or backup and never started. */
export function isAvailable(tenant: ParkTenant): boolean {
  return !tenant.isTemplate && !tenant.active && tenant.status === 'PRELOADED';
}

function session(raw: unknown, what: string): XelionSession {
  const token = isObject(raw) ? str(raw.authentication) : null;
  if (!token) throw new XelionPermanentError(`${what}: the answer has no session`);
  return { token, validUntil: isObject(raw) ? str(raw.validUntil) : null };
}

function tenantOf(raw: Raw): ParkTenant {
  return {
    databaseId: str(raw.oid) ?? '',
    commonName: str(raw.commonName) ?? '',
    name: str(raw.subDatabaseName) ?? '',
    active: raw.active === true,
    status: str(raw.statusEnum) ?? '',
    isTemplate: raw.isTemplate === true,
    licenses: array(raw.licenseCounts).map((count) => {
      const license = isObject(count.license) ? (str(count.license.commonName) ?? '') : '';
      return {
        oid: str(count.oid) ?? '',
        name: license.replace(/^license\./, ''),
        max: typeof count.maxLicenses === 'number' ? count.maxLicenses : 0,
        used: typeof count.usedLicenses === 'number' ? count.usedLicenses : 0,
      };
    }),
  };
}

export class XelionMasterClient extends XelionTransport {
  /** `POST /me/login` (sent without Authorization): a master session. The password goes nowhere else. */
  async login(credentials: { userName: string; password: string }, userSpace: string): Promise<XelionSession> {
    const response = await this.master(() => this.send('once', 'POST', '/me/login', undefined, { userName: credentials.userName, password: credentials.password, userSpace }));
    return session(response.data, 'POST /me/login');
  }

  /** `POST /me/logout`: ends this client's session. */
  async logout(): Promise<void> {
    await this.master(() => this.send('repeatable', 'POST', '/me/logout'));
  }

  /** `GET /tenants` with at most one `where=` (the contract's rule) and the licence counts. */
  async listTenants(filter: { name?: string; active?: boolean; isTemplate?: boolean } = {}): Promise<ParkTenant[]> {
    if (filter.active !== undefined && filter.isTemplate !== undefined) throw new TypeError('one where= per request: filter on active or on isTemplate');
    const params: Record<string, string> = { include: 'licenseCounts' };
    if (filter.name !== undefined) params.name = filter.name;
    if (filter.active !== undefined) params.where = `active=${filter.active}`;
    if (filter.isTemplate !== undefined) params.where = `isTemplate=${filter.isTemplate}`;
    return (await this.master(() => this.list('/tenants', params))).map(tenantOf);
  }

  /** `GET /tenants/{databaseId}`, with the licence counts. */
  async getTenant(databaseId: string): Promise<ParkTenant> {
    return tenantOf(await this.master(() => this.getObject(`/tenants/${encodeURIComponent(databaseId)}`)));
  }

  /**
   * One `PATCH /tenants/{databaseId}`: the tenant gets `name` as its `commonName` and `subDatabaseName`,
   * and each licence count asked for (`{ user: 25 }`) its maximum. Only what differs from `tenant` is
   * sent (a started tenant's `subDatabaseName` cannot be replaced, even by the same value); nothing
   * at all when nothing differs — the answer says whether a PATCH was sent. A licence the tenant has
   * no count of is refused before anything is sent.
   */
  async prepareTenant(tenant: ParkTenant, changes: { name: string; licenses?: Record<string, number> }): Promise<boolean> {
    const patch = new XelionPatch();
    let changed = false;
    if (tenant.commonName !== changes.name) {
      patch.replace('/commonName', changes.name);
      changed = true;
    }
    if (tenant.name !== changes.name) {
      patch.replace('/subDatabaseName', changes.name);
      changed = true;
    }
    for (const [name, max] of Object.entries(changes.licenses ?? {})) {
      const count = tenant.licenses.find((license) => license.name === name);
      if (!count) throw new XelionPermanentError(`tenant ${tenant.databaseId} has no "${name}" licence count (it has ${tenant.licenses.map((l) => l.name).join(', ') || 'none'})`);
      if (count.max === max) continue;
      patch.replace(`/licenseCounts/${count.oid}/maxLicenses`, max);
      changed = true;
    }
    if (!changed) return false;
    await this.master(() => this.patch(`/tenants/${encodeURIComponent(tenant.databaseId)}`, patch));
    return true;
  }

  /** `POST /tenants/{databaseId}/start`; a tenant that runs already (400 / 10062) is fine. */
  async startTenant(databaseId: string): Promise<'started' | 'running'> {
    try {
      await this.master(() => this.send('repeatable', 'POST', `/tenants/${encodeURIComponent(databaseId)}/start`));
      return 'started';
    } catch (error) {
      if (error instanceof XelionPermanentError && error.errorCode === ALREADY_STARTED) return 'running';
      throw error;
    }
  }

  /** `POST /tenants/{databaseId}/login`: an administrator session on that tenant, in `userSpace`. */
  async loginToTenant(databaseId: string, userSpace: string): Promise<XelionSession> {
    const response = await this.master(() => this.send('once', 'POST', `/tenants/${encodeURIComponent(databaseId)}/login`, undefined, { userSpace }));
    return session(response.data, `POST /tenants/${databaseId}/login`);
  }

  /** The master tenant's refusals as their own errors: a step tells "not an administrator" from "bad token" by class. */
  private async master<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof XelionAuthError) throw new XelionMasterLoginError('the master tenant refused the login or the session', error.status, error.errorCode);
      if (error instanceof XelionError && [NOT_MASTER_ADMINISTRATOR, NOT_THE_MASTER_TENANT, NO_PARK].includes(error.errorCode ?? -1)) {
        const why =
          error.errorCode === NOT_MASTER_ADMINISTRATOR
            ? 'the session is not a master administrator\'s'
            : error.errorCode === NOT_THE_MASTER_TENANT
              ? 'this is not the master tenant'
              : 'the server has no multi-tenant configuration';
        throw new XelionMasterRefusedError(`${error.message} (${why})`, error.status, error.errorCode);
      }
      throw error;
    }
  }
}
