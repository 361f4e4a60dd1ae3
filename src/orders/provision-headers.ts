import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/http/error-response.js';
import { checkUrlSyntax, UnsafeUrlError } from '../common/http/url-safety.js';
import type { TenantLicenses, TenantSource } from './order.entity.js';

/** The headers of `POST /api/v1/provision` (docs/provisioning.md, "Creating an order"). */
export const HEADER = {
  serverUrl: 'Xelion-Server-Url',
  tenantName: 'Xelion-Tenant-Name',
  tenantToken: 'Xelion-Tenant-Token',
  masterToken: 'Xelion-Master-Token',
  tenantLicenses: 'Xelion-Tenant-Licenses',
  callbackUrl: 'X-Callback-Url',
  idempotencyKey: 'Idempotency-Key',
  ifMatch: 'If-Match',
} as const;

export interface ProvisionHeaders {
  serverUrl: string;
  tenantName: string;
  /**
   * `token`: Xelion-Tenant-Token was sent. `park`: the order takes a tenant named `tenantName` from the
   * park, with Xelion-Master-Token or, when `masterToken` is null, the organization's stored park.*
   * credentials (checked by the service: docs/provisioning.md, "Park orders").
   */
  source: TenantSource;
  /** Set when `source` is `token`. */
  tenantToken: string | null;
  masterToken: string | null;
  /** Xelion-Tenant-Licenses (park orders only). */
  licenses: TenantLicenses | null;
  callbackUrl: string | null;
  idempotencyKey: string | null;
  /** The plan the order must apply exactly (`If-Match: "sha256:…"`, from POST /api/v1/provision/plan), or null. */
  planHash: string | null;
}

/** The headers of `POST /api/v1/provision/plan`: where the tenant is and its token, nothing about an order. */
export interface PlanHeaders {
  serverUrl: string;
  tenantName: string;
  tenantToken: string;
}

export type RawHeaders = Record<string, string | string[] | undefined>;
type Headers = RawHeaders;

/** A tenant name is one path segment of Xelion's base URL (`{serverUrl}/api/v1/{tenant}`). */
const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Session tokens are opaque; printable ASCII without spaces, bounded. */
const TOKEN = /^[\x21-\x7e]{1,4096}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** A plan hash as POST /api/v1/provision/plan answers it, as an entity tag (quoted; weak tags mean nothing here). */
const PLAN_TAG = /^"(sha256:[0-9a-f]{64})"$/;

export function headerError(header: string, problem: string): ApiError {
  const message = `${header} header ${problem}`;
  return new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: header, message }] });
}

function single(headers: Headers, header: string): string | undefined {
  const value = headers[header.toLowerCase()];
  if (Array.isArray(value)) throw headerError(header, 'must be sent once');
  return value === undefined ? undefined : value.trim();
}

function required(headers: Headers, header: string): string {
  const value = single(headers, header);
  if (value === undefined || value === '') throw headerError(header, 'is required');
  return value;
}

function url(header: string, value: string): string {
  try {
    checkUrlSyntax(value);
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw headerError(header, `is not acceptable: ${error.message}`);
    throw error;
  }
  return value;
}

/** The tenant token alone (the retry endpoint takes an optional replacement). Never echoes the value. */
export function parseTenantToken(headers: Headers, isRequired: boolean): string | undefined {
  const value = single(headers, HEADER.tenantToken);
  if (value === undefined || value === '') {
    if (isRequired) throw headerError(HEADER.tenantToken, 'is required');
    return undefined;
  }
  if (!TOKEN.test(value)) throw headerError(HEADER.tenantToken, 'must be 1 to 4096 printable characters without spaces');
  return value;
}

/** An optional token header: undefined when absent or empty. Never echoes the value. */
function optionalToken(headers: Headers, header: string): string | undefined {
  const value = single(headers, header);
  if (value === undefined || value === '') return undefined;
  if (!TOKEN.test(value)) throw headerError(header, 'must be 1 to 4096 printable characters without spaces');
  return value;
}

/** The master-tenant token alone (the retry of a park order takes an optional replacement). */
export function parseMasterToken(headers: Headers): string | undefined {
  return optionalToken(headers, HEADER.masterToken);
}

/** A licence name as the header spells it (`user`, `phone`): the master tenant's `license.<name>`. */
const LICENSE_NAME = /^[a-z][A-Za-z0-9_]{0,63}$/;
/** Licence counts beyond this are surely a typing error, not a tenant. */
export const MAX_LICENSE_COUNT = 100_000;
const MAX_LICENSES = 32;

/**
 * `Xelion-Tenant-Licenses: user=25, phone=25`: comma-separated `name=count` pairs, each name once,
 * each count a whole number from 0 to MAX_LICENSE_COUNT. Anything else is a 400 naming the entry.
 */
export function parseLicenses(value: string): TenantLicenses {
  const header = HEADER.tenantLicenses;
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_LICENSES) throw headerError(header, `has ${entries.length} entries; at most ${MAX_LICENSES}`);
  const licenses: TenantLicenses = {};
  for (const [i, entry] of entries.entries()) {
    if (entry === '') throw headerError(header, `has an empty entry (number ${i + 1}); write name=count pairs separated by commas, e.g. "user=25, phone=25"`);
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    if (!match) throw headerError(header, `entry ${JSON.stringify(entry.slice(0, 80))} is not name=count, e.g. "user=25"`);
    const [, name, count] = match;
    if (!LICENSE_NAME.test(name)) throw headerError(header, `licence name ${JSON.stringify(name.slice(0, 80))} must be a letter followed by up to 63 letters, digits or "_" (e.g. user, phone)`);
    if (Object.hasOwn(licenses, name)) throw headerError(header, `names licence "${name}" twice`);
    if (!/^\d{1,6}$/.test(count) || Number(count) > MAX_LICENSE_COUNT) {
      throw headerError(header, `count of "${name}" must be a whole number from 0 to ${MAX_LICENSE_COUNT}, got ${JSON.stringify(count.slice(0, 80))}`);
    }
    licenses[name] = Number(count);
  }
  return licenses;
}

/**
 * Which tenant headers go together (docs/provisioning.md, "Park orders"): Xelion-Tenant-Token alone,
 * or Xelion-Master-Token, or neither (stored park.* credentials, checked by the service);
 * Xelion-Tenant-Licenses only without Xelion-Tenant-Token.
 */
function parseTenantSource(headers: Headers): Pick<ProvisionHeaders, 'source' | 'tenantToken' | 'masterToken' | 'licenses'> {
  const tenantToken = optionalToken(headers, HEADER.tenantToken);
  const masterToken = optionalToken(headers, HEADER.masterToken);
  const licensesText = single(headers, HEADER.tenantLicenses);
  if (tenantToken !== undefined && masterToken !== undefined) {
    throw headerError(
      HEADER.masterToken,
      `does not go with ${HEADER.tenantToken}: send ${HEADER.tenantToken} to provision a tenant you have, or ${HEADER.masterToken} ` +
        `(or neither, with stored park.* credentials) to take a tenant from a park`,
    );
  }
  if (tenantToken !== undefined && licensesText !== undefined) {
    throw headerError(HEADER.tenantLicenses, `goes with ${HEADER.masterToken} or stored park.* credentials (a park order), not with ${HEADER.tenantToken}`);
  }
  if (licensesText === '') throw headerError(HEADER.tenantLicenses, 'is empty; leave it out, or write name=count pairs such as "user=25, phone=25"');
  const licenses = licensesText === undefined ? null : parseLicenses(licensesText);
  if (tenantToken !== undefined) return { source: 'token', tenantToken, masterToken: null, licenses: null };
  return { source: 'park', tenantToken: null, masterToken: masterToken ?? null, licenses };
}

/** The 400 for a request with no token when the organization has no park.* credentials to use instead. */
export function tokenRequired(): ApiError {
  return headerError(
    HEADER.tenantToken,
    `is required, or ${HEADER.masterToken} to take a tenant from a park (or neither, when the organization has stored park.* credentials that apply to this server)`,
  );
}

/**
 * Checks the headers' syntax. Headers are checked before the body, so a request with a wrong header
 * and a wrong body is told about the header first (docs/provisioning.md). Whether a URL resolves to
 * an internal address is checked separately (it needs DNS).
 */
export function parseProvisionHeaders(headers: Headers): ProvisionHeaders {
  const { serverUrl, tenantName } = parseTarget(headers);
  const source = parseTenantSource(headers);
  const callback = single(headers, HEADER.callbackUrl);
  const callbackUrl = callback === undefined || callback === '' ? null : url(HEADER.callbackUrl, callback);
  const key = single(headers, HEADER.idempotencyKey);
  let idempotencyKey: string | null = null;
  if (key !== undefined) {
    if (!IDEMPOTENCY_KEY.test(key)) throw headerError(HEADER.idempotencyKey, 'must be 1 to 255 printable characters without spaces');
    idempotencyKey = key;
  }
  const tag = single(headers, HEADER.ifMatch);
  let planHash: string | null = null;
  if (tag !== undefined && tag !== '') {
    // A park order's tenant is not known before it is taken: there is no plan to match.
    if (source.source === 'park') throw headerError(HEADER.ifMatch, `goes with ${HEADER.tenantToken}: a park order has no plan to match before it takes its tenant`);
    const match = PLAN_TAG.exec(tag);
    if (!match) throw headerError(HEADER.ifMatch, 'must be the planHash of POST /api/v1/provision/plan in double quotes: "sha256:<64 hex digits>"');
    planHash = match[1];
  }
  return { serverUrl, tenantName, ...source, callbackUrl, idempotencyKey, planHash };
}

/**
 * The headers of a plan: the tenant's server, name and token. A plan is not an order, so the order's own
 * headers are refused rather than silently ignored, and so is a park order's (its tenant is not known yet).
 */
export function parsePlanHeaders(headers: Headers): PlanHeaders {
  const { serverUrl, tenantName } = parseTarget(headers);
  for (const header of [HEADER.callbackUrl, HEADER.idempotencyKey, HEADER.ifMatch]) {
    if (single(headers, header) !== undefined) throw headerError(header, 'belongs to POST /api/v1/provision, not to a plan');
  }
  for (const header of [HEADER.masterToken, HEADER.tenantLicenses]) {
    if (single(headers, header) !== undefined) throw headerError(header, `is not taken by a plan: a plan reads a tenant you have, with ${HEADER.tenantToken}`);
  }
  return { serverUrl, tenantName, tenantToken: parseTenantToken(headers, true)! };
}

function parseTarget(headers: Headers): { serverUrl: string; tenantName: string } {
  const serverUrl = url(HEADER.serverUrl, required(headers, HEADER.serverUrl)).replace(/\/+$/, '');
  const parsedServer = new URL(serverUrl);
  if (parsedServer.search !== '') throw headerError(HEADER.serverUrl, 'must not have a query string');
  const tenantName = required(headers, HEADER.tenantName);
  if (!TENANT_NAME.test(tenantName)) {
    throw headerError(HEADER.tenantName, 'must be 1 to 200 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return { serverUrl, tenantName };
}
