import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound URL safety (orders issue): "Server and callback URLs must be `http`/`https` without
 * credentials, and may not resolve to loopback, private, link-local or other internal addresses unless
 * `OUTBOUND_ALLOW_PRIVATE=true` (for development and tests). The check is repeated when connecting, so
 * DNS changes cannot get around it."
 *
 * Three layers:
 * - `checkUrlSyntax` — synchronous, for request validation;
 * - `assertSafeUrl` — syntax plus DNS: every address the host resolves to must be public;
 * - `createSafeAgents` — http/https agents whose connections re-check the address actually connected
 *   to (the resolved one, or the literal), so a DNS answer that changes after validation (rebinding)
 *   cannot reach an internal address.
 */

export type UnsafeUrlReason = 'syntax' | 'internal-address' | 'unresolvable';

export class UnsafeUrlError extends Error {
  readonly code = 'UNSAFE_URL';
  constructor(
    message: string,
    readonly reason: UnsafeUrlReason,
  ) {
    super(message);
    this.name = 'UnsafeUrlError';
  }
}

const MAX_URL_LENGTH = 2048;

/** Parses `url` and checks it is an http(s) URL without credentials or fragment. Throws `UnsafeUrlError`. */
export function checkUrlSyntax(url: string): URL {
  if (typeof url !== 'string' || url.trim() === '') throw new UnsafeUrlError('the URL is empty', 'syntax');
  if (url.length > MAX_URL_LENGTH) {
    throw new UnsafeUrlError(`the URL is longer than ${MAX_URL_LENGTH} characters`, 'syntax');
  }
  if (url !== url.trim() || /\s/.test(url) || [...url].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new UnsafeUrlError('the URL contains white space or control characters', 'syntax');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError('the value is not a valid URL', 'syntax');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UnsafeUrlError(`the URL scheme "${parsed.protocol.replace(/:$/, '')}" is not http or https`, 'syntax');
  }
  if (parsed.username !== '' || parsed.password !== '' || /^[a-z]+:\/\/[^/?#]*@/i.test(url)) {
    // The credentials themselves are never repeated in the message.
    throw new UnsafeUrlError('the URL contains credentials (user:password@); pass them separately', 'syntax');
  }
  if (url.includes('#')) throw new UnsafeUrlError('the URL has a fragment (#…)', 'syntax');
  if (parsed.hostname === '') throw new UnsafeUrlError('the URL has no host', 'syntax');
  return parsed;
}

/**
 * Why `address` (an IPv4 or IPv6 literal) is internal — e.g. "loopback", "private", "linkLocal" — or
 * `null` when it is a public unicast address. IPv4-mapped IPv6 addresses are judged as the IPv4 address.
 * Anything that is not a literal is "invalid".
 */
export function internalAddressKind(address: string): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  // Zone ids (fe80::1%eth0) only appear on link-local addresses.
  if (bare.includes('%')) return 'linkLocal';
  if (!ipaddr.isValid(bare) || isIP(bare) === 0) return 'invalid';
  const parsed = ipaddr.process(bare);
  const range = parsed.range();
  if (range !== 'unicast') return range;
  if (parsed.kind() === 'ipv6') {
    // Only global unicast (2000::/3) is public; the rest of the IPv6 space is reserved or special.
    const [first] = (parsed as ipaddr.IPv6).parts;
    if ((first & 0xe000) !== 0x2000) return 'reserved';
  }
  return null;
}

export function isInternalAddress(address: string): boolean {
  return internalAddressKind(address) !== null;
}

function hostOf(url: URL): string {
  // URL keeps the brackets of an IPv6 literal in `hostname`.
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * The refusal names what the caller gave (the host, or the address literal with its range), never
 * what a host name resolves to: that would let a caller map internal names (docs/security.md,
 * "Smaller protections").
 */
function internalError(host: string, address: string, kind: string): UnsafeUrlError {
  const what =
    host === address
      ? `the address ${address} is ${kind === 'invalid' ? 'not a valid address' : `an internal address (${kind})`}`
      : `the host ${host} is not allowed: it does not resolve to public addresses only`;
  return new UnsafeUrlError(`${what}; outbound requests to internal addresses are refused (OUTBOUND_ALLOW_PRIVATE=false)`, 'internal-address');
}

/** Resolves every address of `host` (DNS or hosts file). */
async function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses);
    });
  });
}

/**
 * Syntax check plus resolution: with `allowPrivate` false, every address the host resolves to must be
 * public. A host that does not exist is refused ("unresolvable"); a temporary DNS failure is thrown as is.
 */
export async function assertSafeUrl(url: string, allowPrivate: boolean): Promise<URL> {
  const parsed = checkUrlSyntax(url);
  if (allowPrivate) return parsed;
  const host = hostOf(parsed);
  if (isIP(host) !== 0) {
    const kind = internalAddressKind(host);
    if (kind !== null) throw internalError(host, host, kind);
    return parsed;
  }
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') {
      throw new UnsafeUrlError(`the host ${host} does not resolve to any address`, 'unresolvable');
    }
    throw error;
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`the host ${host} does not resolve to any address`, 'unresolvable');
  for (const { address } of addresses) {
    const kind = internalAddressKind(address);
    if (kind !== null) throw internalError(host, address, kind);
  }
  return parsed;
}

/**
 * A `lookup` for sockets that resolves like `dns.lookup` and then refuses the connection when any
 * resolved address is internal. Used at connect time, so the address checked is the address used.
 */
export const safeLookup: LookupFunction = (hostname, options, callback) => {
  const opts = (typeof options === 'object' && options !== null ? options : {}) as LookupOptions;
  dnsLookup(hostname, { ...opts, all: true }, (error, addresses) => {
    if (error) {
      (callback as (err: Error) => void)(error);
      return;
    }
    for (const { address } of addresses) {
      const kind = internalAddressKind(address);
      if (kind !== null) {
        (callback as (err: Error) => void)(internalError(hostname, address, kind));
        return;
      }
    }
    if (opts.all) {
      (callback as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
    } else if (addresses.length === 0) {
      (callback as (err: Error) => void)(new UnsafeUrlError(`the host ${hostname} does not resolve`, 'unresolvable'));
    } else {
      (callback as (err: null, address: string, family: number) => void)(null, addresses[0].address, addresses[0].family);
    }
  });
};

type CreateConnection = (options: Record<string, unknown>, callback: (error: Error | null, socket?: unknown) => void) => unknown;

/**
 * Agents whose every connection is checked at connect time: host names go through `safeLookup`, and
 * address literals (which skip the lookup) are checked directly.
 */
function guard<T extends HttpAgent>(agent: T): T {
  const original = (agent as unknown as { createConnection: CreateConnection }).createConnection.bind(agent);
  (agent as unknown as { createConnection: CreateConnection }).createConnection = (options, callback) => {
    const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      const kind = internalAddressKind(host);
      if (kind !== null) {
        // Reported through the callback: the request emits it as its 'error', no socket is opened.
        callback(internalError(host, host, kind));
        return undefined;
      }
    }
    return original({ ...options, lookup: safeLookup }, callback);
  };
  return agent;
}

export interface SafeAgents {
  httpAgent: HttpAgent;
  httpsAgent: HttpsAgent;
}

/**
 * An http/https agent pair for axios (`httpAgent`, `httpsAgent`). With `allowPrivate` false, every
 * connection re-checks the address it connects to. Keep-alive; one pair per process part is enough.
 */
export function createSafeAgents(allowPrivate: boolean, options: { keepAlive?: boolean; maxSockets?: number } = {}): SafeAgents {
  const agentOptions = { keepAlive: options.keepAlive ?? true, maxSockets: options.maxSockets ?? 64 };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  if (allowPrivate) return { httpAgent, httpsAgent };
  return { httpAgent: guard(httpAgent), httpsAgent: guard(httpsAgent) };
}
