import { randomBytes, randomInt } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import {
  DEFAULT_MAX_BODY_BYTES,
  isRetryableTransportError,
  isTimeout,
  outboundAxiosConfig,
  parseRetryAfterMs,
  requestNeverSent,
  requestWithDeadline,
  unsafeUrlCause,
  withRetry,
  type RetryDecision,
  type RetryPolicy,
} from '../common/http/outbound-http.js';
import type { SafeAgents } from '../common/http/url-safety.js';
import { isRepeatable, lineRef, XelionPatch } from './xelion-patch.builder.js';
import {
  XelionAuthError,
  XelionCallCancelledError,
  XelionDuplicateError,
  XelionError,
  XelionListTooLargeError,
  XelionNotFoundError,
  XelionPermanentError,
  XelionRetryableError,
  XelionTimeoutError,
} from './xelion.errors.js';
import type { Semaphore } from './tenant.semaphore.js';
import type {
  Addressable,
  AssignedNumber,
  DayNightMode,
  Employment,
  MeInfo,
  NewOrganisation,
  NewPerson,
  NewPhone,
  NewPhoneLine,
  NewTrunk,
  NewUser,
  Organisation,
  OrganisationChanges,
  PersonChanges,
  PhoneLineChanges,
  TrunkChanges,
  UserChanges,
  Person,
  Phone,
  PhoneLine,
  ServerVersion,
  TelecomAddress,
  Trunk,
  VisitAddress,
  XelionRef,
  XelionUser,
} from './xelion.types.js';

/**
 * The only code that speaks Xelion's dialect (docs/xelion-contract.md): base URL
 * `{serverUrl}/api/v1/{tenant}`, `Authorization: xelion {token}`, envelopes, paging with `limit` +
 * `after`, `where=` / `name=` / `include=`, PATCH documents with vids, and the error table.
 *
 * Retries (docs/xelion-contract.md "Errors"): 429 is always retried (the call was refused, not run), honouring Retry-After.
 * 5xx, timeouts and connection errors are retried for reads and for writes that are safe to repeat
 * (PATCH documents of only `replace` operations); a create (POST) or a PATCH with add/remove is NOT
 * repeated unless the request certainly never left (connection refused) — it fails with
 * `XelionRetryableError { outcomeUnknown: true }` and the caller looks the object up before trying again.
 * At most `maxConcurrency` requests of one tenant are in flight in the whole process.
 */

type CallKind = 'read' | 'repeatable' | 'once';

export interface XelionClientOptions {
  serverUrl: string;
  tenant: string;
  timeoutMs: number;
  retryPolicy: RetryPolicy;
  agents: SafeAgents;
  semaphore: Semaphore;
  /** Page size for lists (the server caps it at 100). */
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Told of every HTTP request's end (metrics): `status` undefined when no answer came. */
  observe?: (method: string, status: number | undefined, startedMs: number) => void;
  /** Asked right before every request (retries included); false cancels the call (XelionCallCancelledError). */
  mayCall?: () => boolean;
  /** Sent as User-Agent (Xelion's logs then name the instance that called). */
  userAgent?: string;
  /** XELION_LIST_MAX_ITEMS / XELION_LIST_MAX_BYTES: the most one list read keeps (docs/security.md). */
  listMaxItems?: number;
  listMaxBytes?: number;
}

/** Defaults of XELION_LIST_MAX_ITEMS and XELION_LIST_MAX_BYTES. */
export const LIST_MAX_ITEMS = 50_000;
export const LIST_MAX_BYTES = 64 * 1024 * 1024;

export interface XelionCallStats {
  /** HTTP requests sent, retries included. */
  calls: number;
  retries: number;
}

interface RawEnvelope {
  object?: unknown;
  links?: unknown;
}

type Raw = Record<string, unknown>;

const MAX_PAGES = 10_000;

/** Xelion's errorCode of a 500: a server error, and also its answer to a duplicate (docs/xelion-contract.md, "Errors"). */
const SERVER_ERROR = 11000;

/** `80-5e-c0-12-34-56`, `805EC0123456` → `80:5E:C0:12:34:56`; throws on anything else. */
export function normalizeMac(mac: string): string {
  const hex = mac.replace(/[:\-.\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{12}$/.test(hex)) throw new XelionPermanentError(`"${mac}" is not a MAC address`);
  return hex.match(/../g)!.join(':');
}

const PASSWORD_CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#%+-=?@_~'];

/** 24 characters from a CSPRNG, with at least one of each class. Used for new users; never kept. */
export function generatePassword(length = 24): string {
  const all = PASSWORD_CLASSES.join('');
  const chars = PASSWORD_CLASSES.map((set) => set[randomInt(set.length)]);
  const bytes = randomBytes(length);
  for (let i = chars.length; i < length; i += 1) chars.push(all[bytes[i] % all.length]);
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}

/** Parses a JSON answer as axios would (text that is not JSON stays text), telling its size in bytes first. */
function measuredJson(raw: unknown, measured: (bytes: number) => void): unknown {
  if (typeof raw !== 'string') return raw;
  measured(Buffer.byteLength(raw));
  if (raw === '') return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function isObject(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function ref(value: unknown): XelionRef | null {
  if (!isObject(value) || str(value.oid) === null) return null;
  return {
    oid: str(value.oid)!,
    objectType: str(value.objectType) ?? '',
    ...(typeof value.commonName === 'string' ? { commonName: value.commonName } : {}),
  };
}

function array(value: unknown): Raw[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

export class XelionTenantClient {
  private readonly logger = new Logger('XelionClient');
  private readonly baseUrl: string;
  private readonly axiosConfig: AxiosRequestConfig;
  private readonly pageSize: number;
  private readonly counters: XelionCallStats = { calls: 0, retries: 0 };

  constructor(
    private readonly http: Pick<AxiosInstance, 'request'>,
    private readonly options: XelionClientOptions,
    token: string,
  ) {
    this.baseUrl = `${options.serverUrl}/api/v1/${encodeURIComponent(options.tenant)}`;
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    const base = outboundAxiosConfig({ agents: options.agents, timeoutMs: options.timeoutMs });
    // The token lives only in this header object; it is never logged and never part of an error.
    this.axiosConfig = {
      ...base,
      headers: { Authorization: `xelion ${token}`, Accept: 'application/json', ...(options.userAgent ? { 'User-Agent': options.userAgent } : {}) },
      responseType: 'json',
    };
  }

  /** HTTP calls made by this client so far (retries included) — for the benchmark. */
  get stats(): XelionCallStats {
    return { ...this.counters };
  }

  get tenant(): string {
    return this.options.tenant;
  }

  // ---------------------------------------------------------------------------------------------
  // Transport
  // ---------------------------------------------------------------------------------------------

  private async send(
    kind: CallKind,
    method: string,
    path: string,
    params?: Record<string, string>,
    body?: unknown,
    /** A smaller body cap for this call, and told the size of the answer's body (list reads). */
    bodyLimit?: { maxBytes: number; measured: (bytes: number) => void },
  ): Promise<AxiosResponse> {
    const info = `${method} ${path}`;
    const config: AxiosRequestConfig = bodyLimit
      ? { ...this.axiosConfig, maxContentLength: bodyLimit.maxBytes, transformResponse: [(raw: unknown) => measuredJson(raw, bodyLimit.measured)] }
      : this.axiosConfig;
    const retryOnResult = (response: AxiosResponse): RetryDecision => {
      const retryAfterMs = parseRetryAfterMs(response.headers?.['retry-after']);
      // 429 means "not run": always safe to try again.
      if (response.status === 429) return { retry: true, retryAfterMs };
      if (response.status >= 500 && response.status !== 501 && response.status !== 505 && kind !== 'once') return { retry: true, retryAfterMs };
      return { retry: false };
    };
    const retryOnError = (error: unknown): RetryDecision => {
      if (!isRetryableTransportError(error)) return { retry: false };
      return kind !== 'once' || requestNeverSent(error) ? { retry: true } : { retry: false };
    };
    try {
      const response = await withRetry(
        async (attempt) => {
          if (attempt > 1) this.counters.retries += 1;
          const release = await this.options.semaphore.acquire();
          try {
            // Checked after the wait for a slot, right before sending: the wait may have been long.
            if (this.options.mayCall && !this.options.mayCall()) throw new XelionCallCancelledError(info);
            this.counters.calls += 1;
            const started = performance.now();
            const request = { ...config, method, url: `${this.baseUrl}${path}`, params, data: body };
            const response = await requestWithDeadline(this.http, request, this.options.timeoutMs).catch((error: unknown) => {
              this.options.observe?.(method, undefined, started);
              throw error;
            });
            this.options.observe?.(method, response.status, started);
            return response;
          } finally {
            release();
          }
        },
        {
          policy: this.options.retryPolicy,
          retryOnResult,
          retryOnError,
          sleep: this.options.sleep,
          onRetry: ({ attempt, delayMs, reason }) =>
            this.logger.warn(`Xelion ${info} on tenant ${this.options.tenant}: ${reason}, retry ${attempt} in ${delayMs} ms`),
        },
      );
      return this.check(kind, info, response);
    } catch (error) {
      throw this.transportError(kind, info, error);
    }
  }

  private check(kind: CallKind, info: string, response: AxiosResponse): AxiosResponse {
    const { status } = response;
    if (status >= 200 && status < 300) return response;
    const data = isObject(response.data) ? response.data : {};
    const errorCode = typeof data.errorCode === 'number' ? data.errorCode : undefined;
    const xelionInfo = typeof data.info === 'string' ? data.info : undefined;
    const message = typeof data.message === 'string' && data.message !== '' ? data.message : `HTTP ${status}`;
    if (status === 401) throw new XelionAuthError(status, errorCode, xelionInfo);
    if (status === 404) throw new XelionNotFoundError(`${info}: not found (${message})`, errorCode, xelionInfo);
    if (status === 429) {
      throw new XelionRetryableError(`${info}: Xelion is busy (too many concurrent requests) after retries: ${message}`, status, errorCode, xelionInfo, false, parseRetryAfterMs(response.headers?.['retry-after']));
    }
    if (status >= 500 && status !== 501 && status !== 505) {
      const outcomeUnknown = kind === 'once';
      if (outcomeUnknown && status === 500 && errorCode === SERVER_ERROR) {
        throw new XelionDuplicateError(`${info}: Xelion server error ${status}/${errorCode} (also what Xelion answers for a duplicate): ${message}`, status, errorCode, xelionInfo);
      }
      throw new XelionRetryableError(`${info}: Xelion server error ${status}${errorCode !== undefined ? `/${errorCode}` : ''}: ${message}`, status, errorCode, xelionInfo, outcomeUnknown);
    }
    if (status === 403) throw new XelionPermanentError(`${info}: no permission or a licence is missing: ${message}`, status, errorCode, xelionInfo);
    if (status >= 300 && status < 400) throw new XelionPermanentError(`${info}: unexpected redirect (HTTP ${status}); check the server URL`, status, errorCode, xelionInfo);
    throw new XelionPermanentError(`${info}: ${message}`, status, errorCode, xelionInfo);
  }

  private transportError(kind: CallKind, info: string, error: unknown): Error {
    if (error instanceof XelionError || error instanceof XelionCallCancelledError) return error;
    const unsafe = unsafeUrlCause(error);
    if (unsafe) return unsafe;
    if (isTimeout(error)) {
      return new XelionTimeoutError(`${info}: no complete answer within ${this.options.timeoutMs} ms (XELION_TIMEOUT_MS)`, kind === 'once');
    }
    if (isRetryableTransportError(error)) {
      const code = (error as { code?: string }).code ?? 'connection error';
      return new XelionRetryableError(`${info}: connection failed (${code})`, undefined, undefined, undefined, kind === 'once' && !requestNeverSent(error));
    }
    const message = error instanceof Error ? error.message : String(error);
    return new XelionPermanentError(`${info}: ${message}`);
  }

  private async getObject(path: string, params?: Record<string, string>): Promise<Raw> {
    const response = await this.send('read', 'GET', path, params);
    return this.unwrap(`GET ${path}`, response.data);
  }

  private unwrap(info: string, data: unknown): Raw {
    const object = isObject(data) ? (data as RawEnvelope).object : undefined;
    if (!isObject(object)) throw new XelionPermanentError(`${info}: unexpected answer (no "object" envelope)`);
    return object;
  }

  private async create(path: string, body: Raw): Promise<Raw> {
    const response = await this.send('once', 'POST', path, undefined, body);
    const object = this.unwrap(`POST ${path}`, response.data);
    if (str(object.oid) === null) throw new XelionPermanentError(`POST ${path}: the answer has no oid`);
    return object;
  }

  /** Sends one PATCH document; an empty one sends nothing. Only `replace` documents are retried after a 5xx. */
  private async patch(path: string, patch: XelionPatch): Promise<void> {
    const ops = patch.operations;
    if (ops.length === 0) return;
    await this.send(isRepeatable(ops) ? 'repeatable' : 'once', 'PATCH', path, undefined, { operations: ops });
  }

  /**
   * Every item of a list, following pages (`limit` + `after` = the last oid) until a short or empty
   * page; at most XELION_LIST_MAX_ITEMS items and XELION_LIST_MAX_BYTES of answers in all, so that a
   * server that pages for ever or answers huge pages cannot exhaust memory (docs/security.md).
   */
  private async list(path: string, params: Record<string, string> = {}): Promise<Raw[]> {
    const items: Raw[] = [];
    const maxItems = this.options.listMaxItems ?? LIST_MAX_ITEMS;
    const maxBytes = this.options.listMaxBytes ?? LIST_MAX_BYTES;
    let bytes = 0;
    let after: string | undefined;
    const tooLarge = () =>
      new XelionListTooLargeError(`GET ${path}: the list is larger than XELION_LIST_MAX_BYTES (${maxBytes} bytes); reading stopped`);
    for (let page = 0; page < MAX_PAGES; page += 1) {
      // Each page may only use what is left of the list's byte budget (the transport stops reading past it).
      const bodyLimit = { maxBytes: Math.min(DEFAULT_MAX_BODY_BYTES, maxBytes - bytes), measured: (size: number) => (bytes += size) };
      const response = await this.send('read', 'GET', path, { ...params, limit: String(this.pageSize), ...(after ? { after } : {}) }, undefined, bodyLimit).catch(
        (error: unknown) => {
          throw /maxContentLength/.test(String((error as Error)?.message)) && bodyLimit.maxBytes < DEFAULT_MAX_BODY_BYTES ? tooLarge() : error;
        },
      );
      if (bytes > maxBytes) throw tooLarge();
      const data = isObject(response.data) ? response.data.data : undefined;
      if (!Array.isArray(data)) throw new XelionPermanentError(`GET ${path}: unexpected answer (no "data" list)`);
      const objects = data.map((entry) => (isObject(entry) && isObject(entry.object) ? entry.object : undefined)).filter((o): o is Raw => o !== undefined);
      if (items.length + objects.length > maxItems) {
        throw new XelionListTooLargeError(`GET ${path}: the list has more than XELION_LIST_MAX_ITEMS (${maxItems}) items; reading stopped`);
      }
      items.push(...objects);
      if (data.length < this.pageSize || objects.length === 0) return items;
      const last = str(objects[objects.length - 1].oid);
      if (last === null || last === after) return items;
      after = last;
    }
    throw new XelionPermanentError(`GET ${path}: more than ${MAX_PAGES} pages`);
  }

  // ---------------------------------------------------------------------------------------------
  // Preflight
  // ---------------------------------------------------------------------------------------------

  /** GET /server/version (no authentication needed): the server and tenant URL answer. */
  async serverVersion(): Promise<ServerVersion> {
    const response = await this.send('read', 'GET', '/server/version');
    if (!isObject(response.data) || typeof response.data.apiVersionMajor !== 'number') {
      throw new XelionPermanentError('GET /server/version: the answer is not a Xelion server version; check the server URL and tenant');
    }
    return response.data as ServerVersion;
  }

  /** GET /me/info: the token works (XelionAuthError otherwise). */
  async me(): Promise<MeInfo> {
    const object = await this.getObject('/me/info');
    return { ...object, userName: str(object.userName) ?? '' };
  }

  // ---------------------------------------------------------------------------------------------
  // Addressables
  // ---------------------------------------------------------------------------------------------

  private toAddressable(raw: Raw): Addressable {
    const telecomAddresses = array(raw.telecomAddresses).map((t) => ({ addressType: t.addressType, address: t.address }) as TelecomAddress);
    if (raw.objectType === 'Person') {
      const person: Person = {
        oid: str(raw.oid)!,
        objectType: 'Person',
        commonName: str(raw.commonName) ?? '',
        givenName: str(raw.givenName),
        familyName: str(raw.familyName),
        telecomAddresses,
        employments: array(raw.employments)
          .map((e) => ({ ...(str(e.oid) ? { oid: str(e.oid)! } : {}), organisation: ref(e.organisation) }))
          .filter((e): e is Employment => e.organisation !== null),
      };
      return person;
    }
    const organisation: Organisation = {
      oid: str(raw.oid)!,
      objectType: 'Organisation',
      commonName: str(raw.commonName) ?? str(raw.name) ?? '',
      name: str(raw.name) ?? str(raw.commonName) ?? '',
      telecomAddresses,
      addresses: array(raw.addresses).map(
        (a) =>
          ({
            addressType: 'Visit',
            street: str(a.street),
            streetNumber: str(a.streetNumber),
            zipCode: str(a.zipCode),
            city: str(a.city),
            country: str(a.country),
          }) as VisitAddress,
      ),
    };
    return organisation;
  }

  /** GET /addressables/{oid}, in full. */
  async getAddressable(oid: string): Promise<Addressable> {
    return this.toAddressable(await this.getObject(`/addressables/${encodeURIComponent(oid)}`));
  }

  /** The oids of addressables of `objType` whose common name is exactly `name` (the server matches substrings). */
  async searchAddressables(objType: 'Organisation' | 'Person', name: string): Promise<XelionRef[]> {
    const items = await this.list('/addressables', { where: `obj_type=${objType}`, name });
    return items
      .filter((item) => (item.objectType === undefined || item.objectType === objType) && (str(item.commonName) ?? str(item.name)) === name)
      .map((item) => ref(item))
      .filter((r): r is XelionRef => r !== null);
  }

  /** Organisations named exactly `name`, in full (a search, then one GET each). */
  async findOrganisations(name: string): Promise<Organisation[]> {
    const refs = await this.searchAddressables('Organisation', name);
    const found = await Promise.all(refs.map((r) => this.getAddressable(r.oid)));
    return found.filter((a): a is Organisation => a.objectType === 'Organisation');
  }

  /** The first (oldest) Organisation named exactly `name`, in full, or null. */
  async findOrganisation(name: string): Promise<Organisation | null> {
    const refs = await this.searchAddressables('Organisation', name);
    if (refs.length === 0) return null;
    const organisation = await this.getAddressable(refs[0].oid);
    return organisation.objectType === 'Organisation' ? organisation : null;
  }

  /** Persons whose common name (given + family name) is exactly `commonName`, in full. */
  async findPersons(commonName: string): Promise<Person[]> {
    const refs = await this.searchAddressables('Person', commonName);
    const found = await Promise.all(refs.map((r) => this.getAddressable(r.oid)));
    return found.filter((a): a is Person => a.objectType === 'Person');
  }

  /** POST /addressables (Organisation). Not repeated on failure: see XelionRetryableError.outcomeUnknown. */
  async createOrganisation(input: NewOrganisation): Promise<Organisation> {
    const raw = await this.create('/addressables', {
      objectType: 'Organisation',
      name: input.name,
      telecomAddresses: input.telecomAddresses ?? [],
      addresses: input.addresses ?? [],
    });
    return this.toAddressable({ ...raw, objectType: 'Organisation' }) as Organisation;
  }

  /** POST /addressables (Person), employed by `organisationOid` when given. */
  async createPerson(input: NewPerson): Promise<Person> {
    const raw = await this.create('/addressables', {
      objectType: 'Person',
      givenName: input.givenName ?? null,
      familyName: input.familyName ?? null,
      telecomAddresses: input.telecomAddresses ?? [],
      employments: input.organisationOid ? [{ organisation: { oid: input.organisationOid, objectType: 'Organisation' } }] : [],
    });
    return this.toAddressable({ ...raw, objectType: 'Person' }) as Person;
  }

  /** GET /addressables/{oid}, which must be a Person. */
  async getPerson(oid: string): Promise<Person> {
    const found = await this.getAddressable(oid);
    if (found.objectType !== 'Person') throw new XelionPermanentError(`GET /addressables/${oid}: a ${found.objectType as string}, not a Person`);
    return found;
  }

  /** PATCH /addressables/{oid} of an Organisation: `replace /name`, `/telecomAddresses`, `/addresses`. */
  updateOrganisation(oid: string, changes: OrganisationChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.name !== undefined) patch.replace('/name', changes.name);
    if (changes.telecomAddresses !== undefined) patch.replace('/telecomAddresses', changes.telecomAddresses);
    if (changes.addresses !== undefined) patch.replace('/addresses', changes.addresses);
    return this.patch(`/addressables/${encodeURIComponent(oid)}`, patch);
  }

  /** PATCH /addressables/{oid} of a Person: names, telecom addresses, and `add /employments/{vid}` with the organisation's oid. */
  updatePerson(oid: string, changes: PersonChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.givenName !== undefined) patch.replace('/givenName', changes.givenName);
    if (changes.familyName !== undefined) patch.replace('/familyName', changes.familyName);
    if (changes.telecomAddresses !== undefined) patch.replace('/telecomAddresses', changes.telecomAddresses);
    if (changes.employBy !== undefined) patch.addEmployment(changes.employBy);
    return this.patch(`/addressables/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Users
  // ---------------------------------------------------------------------------------------------

  private toUser(raw: Raw, userName: string): XelionUser {
    return {
      oid: str(raw.oid)!,
      userName: str(raw.userName) ?? userName,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      person: ref(raw.person),
      primaryLine: ref(raw.primaryLine),
      xccRole: str(raw.xccRole) ?? 'user',
      active: raw.active !== false,
    };
  }

  /**
   * GET /users?where=userName={userName}&include=person,primaryLine,xccRole,active — the user with this
   * user name (compared case-insensitively when the answer carries it), or null.
   */
  async findUser(userName: string): Promise<XelionUser | null> {
    const items = await this.list('/users', { where: `userName=${userName}`, include: 'person,primaryLine,xccRole,active' });
    const wanted = userName.toLowerCase();
    const match = items.find((item) => typeof item.userName !== 'string' || item.userName.toLowerCase() === wanted);
    return match ? this.toUser(match, userName) : null;
  }

  /**
   * POST /users with a strong random password that is generated here and forgotten at once (never
   * stored, logged or returned). The line becomes the user's primaryLine. A user name that exists
   * already is answered 500 / 11000: XelionRetryableError with outcomeUnknown — look the user up.
   */
  async createUser(input: NewUser): Promise<XelionUser> {
    const raw = await this.create('/users', {
      objectType: 'UserProfile',
      userName: input.userName,
      password: generatePassword(),
      active: input.active ?? true,
      xccRole: input.xccRole,
      userLicense: input.userLicense ?? true,
      person: { oid: input.personOid, objectType: 'Person' },
      lines: input.lineOid
        ? [
            {
              objectType: 'XCCConnectedUser',
              line: { oid: input.lineOid, objectType: 'XCCPhoneLine' },
              orderNumber: 1,
              incoming: true,
              outgoing: true,
              editable: 'INCOMINGANDOUTGOING',
            },
          ]
        : [],
    });
    return this.toUser(raw, input.userName);
  }

  /** PATCH /users/{oid}: `replace /xccRole`, `replace /active`. */
  updateUser(oid: string, changes: UserChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.xccRole !== undefined) patch.replace('/xccRole', changes.xccRole);
    if (changes.active !== undefined) patch.replace('/active', changes.active);
    return this.patch(`/users/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Phone lines
  // ---------------------------------------------------------------------------------------------

  private toLine(raw: Raw): PhoneLine {
    const dnm = isObject(raw.dayNightMode) ? raw.dayNightMode : null;
    const userPhoneLine = isObject(raw.userPhoneLine) ? raw.userPhoneLine : {};
    return {
      oid: str(raw.oid)!,
      objectType: 'XCCPhoneLine',
      commonName: str(raw.commonName) ?? '',
      extensions: array(raw.extensions).map((e) => ({ oid: str(e.oid) ?? '', address: str(e.address) ?? '' })),
      externalNumber: str(raw.externalNumber),
      users: array(raw.users)
        .map((u) => ({ oid: str(u.oid) ?? '', user: ref(u.user), incoming: u.incoming !== false, outgoing: u.outgoing !== false }))
        .filter((u): u is PhoneLine['users'][number] => u.user !== null),
      phones: array(raw.phones)
        .map((p) => ref(isObject(p.phone) ? p.phone : p))
        .filter((p): p is XelionRef => p !== null),
      recordCalls: raw.recordCalls === true,
      defaultFallback: ref(raw.defaultFallback),
      voicemailActive: userPhoneLine.voicemailActive === true,
      dayNightMode: dnm
        ? ({
            enableDayNightMode: dnm.enableDayNightMode === true,
            manualNightMode: dnm.manualNightMode === true,
            nightLine: ref(dnm.nightLine),
            timezone: str(dnm.timezone),
            schedule: array(dnm.schedule).map((s) => ({ day: s.day, from: s.from, to: s.to })),
            holidays: Array.isArray(dnm.holidays) ? dnm.holidays.filter((d): d is string => typeof d === 'string') : [],
          } as DayNightMode)
        : null,
    };
  }

  /** GET /phonelines/{oid}, in full. */
  async getPhoneLine(oid: string): Promise<PhoneLine> {
    return this.toLine(await this.getObject(`/phonelines/${encodeURIComponent(oid)}`));
  }

  /** Lines whose commonName is exactly `name` (GET /phonelines?name= is a substring search), in full, oldest first. */
  async findPhoneLines(name: string): Promise<PhoneLine[]> {
    const items = await this.list('/phonelines', { name });
    const oids = items.filter((item) => str(item.commonName) === name).map((item) => str(item.oid)!);
    return Promise.all(oids.map((oid) => this.getPhoneLine(oid)));
  }

  /** The first (oldest) line named exactly `name`, in full, or null. */
  async findPhoneLine(name: string): Promise<PhoneLine | null> {
    const items = await this.list('/phonelines', { name });
    const match = items.find((item) => str(item.commonName) === name);
    return match ? this.getPhoneLine(str(match.oid)!) : null;
  }

  /** POST /phonelines [assumed create, docs/xelion-contract.md "Phone lines"]. */
  async createPhoneLine(input: NewPhoneLine): Promise<PhoneLine> {
    const body: Raw = {
      objectType: 'XCCPhoneLine',
      commonName: input.commonName,
      extensions: input.extensions.map((address) => ({ address })),
    };
    if (input.externalNumber) body.externalNumber = input.externalNumber;
    if (input.users?.length) {
      body.users = input.users.map((u) => ({ objectType: 'XCCConnectedUser', user: { oid: u.userOid, objectType: 'UserProfile' }, incoming: u.incoming, outgoing: u.outgoing }));
    }
    if (input.recordCalls !== undefined) body.recordCalls = input.recordCalls;
    const raw = await this.create('/phonelines', body);
    return this.toLine(raw);
  }

  /**
   * PATCH /phonelines/{oid}: every change in one document — commonName, externalNumber, recordCalls,
   * voicemail (`userPhoneLine/voicemailActive`), defaultFallback, dayNightMode, new extensions, new
   * users with their directions, directions of existing users, new phones.
   */
  updatePhoneLine(oid: string, changes: PhoneLineChanges): Promise<void> {
    const patch = new XelionPatch();
    if (changes.commonName !== undefined) patch.replace('/commonName', changes.commonName);
    if (changes.externalNumber !== undefined) patch.replace('/externalNumber', changes.externalNumber);
    if (changes.recordCalls !== undefined) patch.replace('/recordCalls', changes.recordCalls);
    if (changes.voicemail !== undefined) patch.replace('/userPhoneLine/voicemailActive', changes.voicemail);
    if (changes.defaultFallbackOid !== undefined) patch.replace('/defaultFallback', changes.defaultFallbackOid === null ? null : lineRef(changes.defaultFallbackOid));
    if (changes.dayNightMode !== undefined) {
      const { nightLineOid, ...mode } = changes.dayNightMode;
      patch.replace('/dayNightMode', {
        enableDayNightMode: mode.enableDayNightMode,
        manualNightMode: mode.manualNightMode,
        nightLine: lineRef(nightLineOid),
        timezone: mode.timezone,
        schedule: mode.schedule.map((s) => ({ day: s.day, from: s.from, to: s.to })),
        holidays: [...mode.holidays],
      });
    }
    for (const address of changes.addExtensions ?? []) patch.addExtension(address);
    for (const user of changes.addUsers ?? []) patch.addLineUser(user.userOid, user);
    for (const relation of changes.userDirections ?? []) patch.setLineUserDirections(relation.relationOid, relation);
    for (const phoneOid of changes.addPhones ?? []) patch.addPhone(phoneOid);
    return this.patch(`/phonelines/${encodeURIComponent(oid)}`, patch);
  }

  // ---------------------------------------------------------------------------------------------
  // Phones
  // ---------------------------------------------------------------------------------------------

  private toPhone(raw: Raw, user: XelionRef | null): Phone {
    const info = isObject(raw.provisioningInfo) ? raw.provisioningInfo : {};
    const mac = str(info.macAddress);
    let macAddress = mac ?? '';
    try {
      if (mac) macAddress = normalizeMac(mac);
    } catch {
      // keep what the server said
    }
    return {
      oid: str(raw.oid)!,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      macAddress,
      phoneType: str(info.phoneType),
      user: ref(raw.user) ?? user,
    };
  }

  /** GET /phones?where=user={userOid}&include=provisioningInfo.macAddress,provisioningInfo.phoneType. */
  async findPhonesOfUser(userOid: string): Promise<Phone[]> {
    const items = await this.list('/phones', { where: `user=${userOid}`, include: 'provisioningInfo.macAddress,provisioningInfo.phoneType' });
    const userRef: XelionRef = { oid: userOid, objectType: 'UserProfile' };
    return items.map((item) => this.toPhone(item, userRef)).filter((phone) => phone.user === null || phone.user.oid === userOid);
  }

  /**
   * The phone with this MAC address anywhere in the tenant, or null. The contract filters phones by user
   * only, so this pages through `GET /phones` with the MAC address and user included and compares
   * itself: one request per 100 phones. Used only after a create was answered 500 / 11000.
   */
  async findPhoneByMac(mac: string): Promise<Phone | null> {
    const wanted = normalizeMac(mac);
    const items = await this.list('/phones', { include: 'provisioningInfo.macAddress,provisioningInfo.phoneType,user' });
    return items.map((item) => this.toPhone(item, null)).find((phone) => phone.macAddress === wanted) ?? null;
  }

  /** POST /phones [assumed create]. A MAC address in use is answered 500 / 11000 (outcomeUnknown: look it up). */
  async createPhone(input: NewPhone): Promise<Phone> {
    const macAddress = normalizeMac(input.macAddress);
    const raw = await this.create('/phones', {
      objectType: 'XCCPhone',
      commonName: input.commonName,
      active: input.active ?? true,
      user: { oid: input.userOid, objectType: 'UserProfile' },
      provisioningInfo: { macAddress, phoneType: input.phoneType },
    });
    return this.toPhone(raw, { oid: input.userOid, objectType: 'UserProfile' });
  }

  // ---------------------------------------------------------------------------------------------
  // Trunks
  // ---------------------------------------------------------------------------------------------

  private toTrunk(raw: Raw): Trunk {
    return {
      oid: str(raw.oid)!,
      ...(typeof raw.commonName === 'string' ? { commonName: raw.commonName } : {}),
      assignedNumbers: array(raw.assignedNumbers).map((n) => ({ oid: str(n.oid) ?? '', number: str(n.number) ?? '', line: ref(n.line) }) as AssignedNumber),
      defaultCallerNr: str(raw.defaultCallerNr),
    };
  }

  /** GET /trunks?include=assignedNumbers,defaultCallerNr, oldest first. */
  async listTrunks(): Promise<Trunk[]> {
    const items = await this.list('/trunks', { include: 'assignedNumbers,defaultCallerNr' });
    return items.map((item) => this.toTrunk(item));
  }

  /** POST /trunks [assumed path]. The password is sent once and is not part of the result. */
  async createTrunk(input: NewTrunk): Promise<Trunk> {
    const body: Raw = {
      objectType: 'XCCTrunk',
      providerName: input.providerName,
      host: input.host,
      account: input.account,
      password: input.password,
      transportType: input.transportType,
    };
    if (input.port !== undefined) body.port = input.port;
    if (input.authenticationAccount !== undefined) body.authenticationAccount = input.authenticationAccount;
    return this.toTrunk(await this.create('/trunks', body));
  }

  /** PATCH /trunks/{oid}: `add /assignedNumbers/{vid}` then its `line`, the line of assigned numbers, `replace /defaultCallerNr`. */
  updateTrunk(oid: string, changes: TrunkChanges): Promise<void> {
    const patch = new XelionPatch();
    for (const { number, lineOid } of changes.assign ?? []) patch.addAssignedNumber(number, lineOid);
    for (const { relationOid, lineOid } of changes.relink ?? []) patch.setAssignedNumberLine(relationOid, lineOid);
    if (changes.defaultCallerNr !== undefined) patch.replace('/defaultCallerNr', changes.defaultCallerNr);
    return this.patch(`/trunks/${encodeURIComponent(oid)}`, patch);
  }
}
