import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../common/http/error-response.js';
import { checkUrlSyntax, UnsafeUrlError } from '../common/http/url-safety.js';

/** The headers of `POST /api/v1/provision` (docs/provisioning.md, "Creating an order"). */
export const HEADER = {
  serverUrl: 'Xelion-Server-Url',
  tenantName: 'Xelion-Tenant-Name',
  tenantToken: 'Xelion-Tenant-Token',
  callbackUrl: 'X-Callback-Url',
  idempotencyKey: 'Idempotency-Key',
  ifMatch: 'If-Match',
} as const;

export interface ProvisionHeaders {
  serverUrl: string;
  tenantName: string;
  tenantToken: string;
  callbackUrl: string | null;
  idempotencyKey: string | null;
  /** The plan the order must apply exactly (`If-Match: "sha256:…"`, from POST /api/v1/provision/plan), or null. */
  planHash: string | null;
}

/** The headers of `POST /api/v1/provision/plan`: where the tenant is and its token, nothing about an order. */
export type PlanHeaders = Pick<ProvisionHeaders, 'serverUrl' | 'tenantName' | 'tenantToken'>;

export type RawHeaders = Record<string, string | string[] | undefined>;

/** A tenant name is one path segment of Xelion's base URL (`{serverUrl}/api/v1/{tenant}`). */
const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
/** Session tokens are opaque; printable ASCII without spaces, bounded. */
const TOKEN = /^[\x21-\x7e]{1,4096}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** A plan hash as POST /api/v1/provision/plan answers it, as an entity tag (quoted; weak tags mean nothing here). */
const PLAN_TAG = /^"(sha256:[0-9a-f]{64})"$/;

function headerError(header: string, problem: string): ApiError {
  const message = `${header} header ${problem}`;
  return new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: header, message }] });
}

function single(headers: RawHeaders, header: string): string | undefined {
  const value = headers[header.toLowerCase()];
  if (Array.isArray(value)) throw headerError(header, 'must be sent once');
  return value === undefined ? undefined : value.trim();
}

function required(headers: RawHeaders, header: string): string {
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
export function parseTenantToken(headers: RawHeaders, isRequired: boolean): string | undefined {
  const value = single(headers, HEADER.tenantToken);
  if (value === undefined || value === '') {
    if (isRequired) throw headerError(HEADER.tenantToken, 'is required');
    return undefined;
  }
  if (!TOKEN.test(value)) throw headerError(HEADER.tenantToken, 'must be 1 to 4096 printable characters without spaces');
  return value;
}

/**
 * Checks the headers' syntax. Headers are checked before the body, so a request with a wrong header
 * and a wrong body is told about the header first (docs/provisioning.md). Whether a URL resolves to
 * an internal address is checked separately (it needs DNS).
 */
export function parseProvisionHeaders(headers: RawHeaders): ProvisionHeaders {
  const { serverUrl, tenantName, tenantToken } = parsePlanHeaders(headers, true);
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
    const match = PLAN_TAG.exec(tag);
    if (!match) throw headerError(HEADER.ifMatch, 'must be the planHash of POST /api/v1/provision/plan in double quotes: "sha256:<64 hex digits>"');
    planHash = match[1];
  }
  return { serverUrl, tenantName, tenantToken, callbackUrl, idempotencyKey, planHash };
}

/**
 * The headers of a plan: the tenant's server, name and token. A plan is not an order, so the order's own
 * headers are refused (unless `forOrder`) rather than silently ignored.
 */
export function parsePlanHeaders(headers: RawHeaders, forOrder = false): PlanHeaders {
  const serverUrl = url(HEADER.serverUrl, required(headers, HEADER.serverUrl)).replace(/\/+$/, '');
  const parsedServer = new URL(serverUrl);
  if (parsedServer.search !== '') throw headerError(HEADER.serverUrl, 'must not have a query string');
  const tenantName = required(headers, HEADER.tenantName);
  if (!TENANT_NAME.test(tenantName)) {
    throw headerError(HEADER.tenantName, 'must be 1 to 200 letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  const tenantToken = parseTenantToken(headers, true)!;
  if (!forOrder) {
    for (const header of [HEADER.callbackUrl, HEADER.idempotencyKey, HEADER.ifMatch]) {
      if (single(headers, header) !== undefined) throw headerError(header, 'belongs to POST /api/v1/provision, not to a plan');
    }
  }
  return { serverUrl, tenantName, tenantToken };
}
