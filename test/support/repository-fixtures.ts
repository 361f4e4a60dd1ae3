import type { DataSource } from 'typeorm';

/**
 * Rows the repository tests need from tables other than the one under test, written with plain SQL so
 * that a repository's test depends on no other repository or service.
 */
export interface FixtureOrganization {
  id: number;
  /** Root first, parent last. */
  ancestorIds: number[];
}

export interface OrganizationOptions {
  disabled?: boolean;
  allowedServerHosts?: string[] | null;
}

/** An organization below `parent` (or a top-level one), with the ancestor list the service would write. */
export async function insertOrganization(
  db: DataSource,
  name: string,
  parent?: FixtureOrganization,
  options: OrganizationOptions = {},
): Promise<FixtureOrganization> {
  const ancestorIds = parent ? [...parent.ancestorIds, parent.id] : [];
  const [row] = (await db.query(
    `INSERT INTO organizations (name, parent_id, ancestor_ids, disabled_at, allowed_server_hosts)
     VALUES ($1, $2, $3::int[], CASE WHEN $4::boolean THEN now() END, $5::text[]) RETURNING id`,
    [name, parent?.id ?? null, ancestorIds, options.disabled ?? false, options.allowedServerHosts ?? null],
  )) as { id: number }[];
  return { id: row.id, ancestorIds };
}

/**
 *   root ─┬─ reseller ─┬─ customer ── site
 *         │            └─ sibling
 *         └─ other      (another subtree: nothing of it is in the reseller's scope, nor the reverse)
 */
export interface FixtureTree {
  root: FixtureOrganization;
  reseller: FixtureOrganization;
  customer: FixtureOrganization;
  site: FixtureOrganization;
  sibling: FixtureOrganization;
  other: FixtureOrganization;
}

export async function insertTree(db: DataSource, label = 'tree'): Promise<FixtureTree> {
  const root = await insertOrganization(db, `${label} root`);
  const reseller = await insertOrganization(db, `${label} reseller`, root);
  const customer = await insertOrganization(db, `${label} customer`, reseller);
  const site = await insertOrganization(db, `${label} site`, customer);
  const sibling = await insertOrganization(db, `${label} sibling`, reseller);
  const other = await insertOrganization(db, `${label} other`, root);
  return { root, reseller, customer, site, sibling, other };
}

/** An order row of `organizationId` (only what the webhook tables refer to). */
export async function insertOrder(db: DataSource, organizationId: number, callbackUrl: string | null = 'https://receiver.example/hook'): Promise<number> {
  const [row] = (await db.query(
    `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration)
     VALUES ($1, 'NOT_STARTED', 'https://tenant.example.com', 'repository-test', $2, '{}'::jsonb) RETURNING id`,
    [organizationId, callbackUrl],
  )) as { id: number }[];
  return row.id;
}

/** An order of `organizationId` that `owner` holds a lease on while it runs (the fenced writes' precondition). */
export async function insertLeasedOrder(
  db: DataSource,
  organizationId: number,
  owner: string,
  lease: { status?: string; leaseSeconds?: number } = {},
): Promise<number> {
  const id = await insertOrder(db, organizationId, null);
  await db.query(`UPDATE orders SET status = $2, locked_by = $3, locked_until = now() + make_interval(secs => $4) WHERE id = $1`, [
    id,
    lease.status ?? 'IN_PROGRESS',
    owner,
    lease.leaseSeconds ?? 300,
  ]);
  return id;
}

export interface ApiKeyOptions {
  revoked?: boolean;
  /** Seconds from now: negative for a key that has expired. */
  expiresInSeconds?: number;
}

/** An API key row of `organizationId` whose hash is `keyHash` (the key itself is never stored). */
export async function insertApiKey(db: DataSource, organizationId: number, keyHash: Buffer, options: ApiKeyOptions = {}): Promise<number> {
  const [row] = (await db.query(
    `INSERT INTO api_keys (organization_id, name, prefix, key_hash, expires_at, revoked_at)
     VALUES ($1, 'fixture key', 'xps_fixture', $2, now() + make_interval(secs => $3::double precision), CASE WHEN $4::boolean THEN now() END)
     RETURNING id`,
    [organizationId, keyHash, options.expiresInSeconds ?? null, options.revoked ?? false],
  )) as { id: number }[];
  return row.id;
}
