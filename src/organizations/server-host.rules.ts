import ipaddr from 'ipaddr.js';

/**
 * `allowedServerHosts`: which Xelion servers the orders of an organization's subtree may target, and
 * so where inherited secrets may be sent (docs/credentials.md, "Where credentials may be sent").
 * Entries are exact host names, IP literals or `*.suffix` patterns; they are validated strictly and
 * stored in one canonical form, so that matching is plain string comparison.
 */

export const MAX_ALLOWED_SERVER_HOSTS = 100;
const MAX_HOST_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const SERVER_HOST_RULE =
  'an exact host name (letters, digits and "-" in dot-separated labels, ASCII/xn-- form), an IPv4 or IPv6 address, or "*." followed by a host name of at least two labels';

/** A host name of LDH labels whose last label is not all digits (so that it is never a partial IP address). */
function isHostName(value: string, minLabels: number): boolean {
  if (value.length === 0 || value.length > MAX_HOST_LENGTH) return false;
  const labels = value.split('.');
  if (labels.length < minLabels || !labels.every((label) => LABEL.test(label))) return false;
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/** The canonical text of an IP literal (IPv6 without brackets, compressed), or undefined for anything else. */
function canonicalIp(value: string): string | undefined {
  const bracketed = value.startsWith('[') && value.endsWith(']');
  const bare = bracketed ? value.slice(1, -1) : value;
  if (bare.includes(':')) return ipaddr.IPv6.isValid(bare) ? ipaddr.IPv6.parse(bare).toString() : undefined;
  return !bracketed && ipaddr.IPv4.isValidFourPartDecimal(bare) ? ipaddr.IPv4.parse(bare).toString() : undefined;
}

/** One entry in its stored form, or undefined when it is not acceptable (the caller names it). */
export function normalizeServerHostEntry(entry: string): string | undefined {
  if (entry !== entry.trim() || entry === '') return undefined;
  const ip = canonicalIp(entry);
  if (ip !== undefined) return ip;
  const lower = entry.toLowerCase();
  if (lower.startsWith('*.')) return isHostName(lower.slice(2), 2) ? lower : undefined;
  return isHostName(lower, 1) ? lower : undefined;
}

export type ServerHostListCheck = { ok: true; hosts: string[] } | { ok: false; index: number; message: string };

/** Validates and normalizes a whole list (duplicates after normalization are kept once). */
export function checkServerHostList(entries: readonly string[]): ServerHostListCheck {
  if (entries.length > MAX_ALLOWED_SERVER_HOSTS) {
    return { ok: false, index: -1, message: `allowedServerHosts has ${entries.length} entries, at most ${MAX_ALLOWED_SERVER_HOSTS} are allowed` };
  }
  const hosts: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const normalized = normalizeServerHostEntry(entry);
    if (normalized === undefined) {
      const shown = entry.length > 80 ? `${entry.slice(0, 80)}…` : entry;
      return { ok: false, index, message: `allowedServerHosts[${index}] ${JSON.stringify(shown)} is not acceptable: it must be ${SERVER_HOST_RULE}` };
    }
    if (!hosts.includes(normalized)) hosts.push(normalized);
  }
  return { ok: true, hosts };
}

/** The host of an order's server URL as the lists compare it: lower case, IPs canonical, no trailing dot. */
export function serverHostOf(serverUrl: string): string {
  const hostname = new URL(serverUrl).hostname.toLowerCase();
  return canonicalIp(hostname) ?? hostname.replace(/\.$/, '');
}

/** Whether `host` (from serverHostOf) matches one entry of the list. A pattern never matches an IP address. */
export function hostAllowedBy(host: string, list: readonly string[]): boolean {
  const isIp = canonicalIp(host) !== undefined;
  return list.some((entry) => {
    if (entry === host) return true;
    return !isIp && entry.startsWith('*.') && host.endsWith(entry.slice(1)) && host.length > entry.length - 1;
  });
}
