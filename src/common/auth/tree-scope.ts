import type { Caller } from './caller.js';

/**
 * The access rule, as SQL: a caller may act on its own organization and every descendant, and on
 * nothing else. Scope is always part of the query (WHERE), never a check after loading, so rows
 * outside it are simply not found (404). `ancestor_ids @> ARRAY[x]` is served by a GIN index.
 */
export const SCOPE_PARAM = 'scopeOrganizationId';

/** For the organizations table itself, under `alias`. */
export function organizationInScope(alias: string): string {
  return `(${alias}.id = :${SCOPE_PARAM} OR ${alias}.ancestor_ids @> ARRAY[:${SCOPE_PARAM}]::int[])`;
}

/** For any table with an organization id column (orders, credentials, …). */
export function ownedInScope(organizationIdColumn: string): string {
  return `${organizationIdColumn} IN (SELECT scope_org.id FROM organizations scope_org WHERE ${organizationInScope('scope_org')})`;
}

export function scopeParams(caller: Caller): Record<string, number> {
  return { [SCOPE_PARAM]: caller.organizationId };
}
