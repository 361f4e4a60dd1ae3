/**
 * The baseline that does the service's database work and nothing else: bare Fastify + `pg` on the
 * service's database (DATABASE_URL, already migrated by the service), with the service's own functions
 * for what is not framework — the key's hash, the configuration validator, the step plan, the token seal.
 *
 * - `GET /me`: the service's key look-up (the same SQL) as a named prepared statement, the same refusals,
 *   the same answer.
 * - `POST /provision`: the key look-up, the provisioning headers, the configuration validated with the same
 *   validator, the organization path's allowedServerHosts read, then the same rows (the order, its sealed token, its step journal) in one transaction.
 */
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import pg from 'pg';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { assertSafeUrl } from '../../src/common/http/url-safety.js';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';
import { tenantTokenAad } from '../../src/orders/order.sealed-column.js';
import { parseProvisionHeaders } from '../../src/orders/provision-headers.js';
import { hashApiKey, hasValidChecksum } from '../../src/organizations/api-key.token.js';
import { hostAllowedBy, serverHostOf } from '../../src/organizations/server-host.rules.js';
import type { Configuration } from '../../src/configuration/configuration.types.js';
import { planSteps } from '../../src/provisioning/provisioning-plan.js';
import { KEY_LOOKUP_SQL } from '../../src/organizations/api-key.repository.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.BARE_POOL_SIZE ?? 20) });
const box = new SecretBox(Buffer.from(process.env.ENCRYPTION_KEY!, 'base64'));
const validator = new ConfigurationValidator();

// The service's own key look-up, so that the baseline cannot drift from what it measures against.
const KEY_LOOKUP = { name: 'bare-key-lookup', text: KEY_LOOKUP_SQL };

/** The allowedServerHosts lists on the organization's path (OrganizationsService.serverHostRefusal's query). */
const HOST_LISTS = {
  name: 'bare-host-lists',
  text: `SELECT o.id, o.allowed_server_hosts AS hosts
           FROM organizations target JOIN organizations o ON o.id = ANY(target.ancestor_ids || target.id)
          WHERE target.id = $1 AND o.allowed_server_hosts IS NOT NULL
          ORDER BY cardinality(o.ancestor_ids) DESC`,
};

interface Caller {
  organizationId: number;
  organization: { id: number; name: string; parentId: number | null; createdAt: Date; allowedServerHosts: string[] | null };
}

async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> {
  const key = request.headers['x-auth-key'];
  if (typeof key !== 'string' || key.length > 512 || !hasValidChecksum(key)) return void reply.code(401).send({ message: 'Unknown API key' });
  const { rows } = await pool.query({ ...KEY_LOOKUP, values: [hashApiKey(key)] });
  const row = rows[0];
  const now = Date.now();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= now) || row.disabled_at) {
    return void reply.code(401).send({ message: 'API key refused' });
  }
  return {
    organizationId: row.organization_id,
    organization: { id: row.organization_id, name: row.name, parentId: row.parent_id, createdAt: row.created_at, allowedServerHosts: row.allowed_server_hosts },
  };
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

app.get('/me', async (request, reply) => {
  const caller = await authenticate(request, reply);
  if (!caller) return reply;
  return { ...caller.organization, disabled: false };
});

app.post('/provision', async (request, reply) => {
  const caller = await authenticate(request, reply);
  if (!caller) return reply;
  const headers = parseProvisionHeaders(request.headers as Record<string, string>);
  // The bare server measures token orders only.
  if (headers.tenantToken === null) return reply.code(400).send({ message: 'Xelion-Tenant-Token header is required' });
  const validation = await validator.validateAsync(request.body);
  if (!validation.valid) return reply.code(400).send({ errors: validation.errors });
  const configuration = validation.configuration as unknown as Configuration;
  await assertSafeUrl(headers.serverUrl, true);
  const host = serverHostOf(headers.serverUrl);
  const { rows: lists } = await pool.query({ ...HOST_LISTS, values: [caller.organizationId] });
  if (lists.some((list: { hosts: string[] }) => !hostAllowedBy(host, list.hosts))) return reply.code(400).send({ message: 'server not allowed' });
  const steps = planSteps(configuration);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query({
      name: 'bare-order',
      text: `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration,
                                 idempotency_key, request_hash, progress_total)
             VALUES ($1, 'NOT_STARTED', $2, $3, $4, $5::jsonb, NULL, NULL, $6) RETURNING id`,
      values: [caller.organizationId, headers.serverUrl, headers.tenantName, headers.callbackUrl, JSON.stringify(configuration), steps.length],
    });
    const id = rows[0].id as number;
    await client.query({ name: 'bare-seal', text: 'UPDATE orders SET tenant_token_sealed = $2 WHERE id = $1', values: [id, box.seal(headers.tenantToken, tenantTokenAad(id))] });
    await client.query({
      name: 'bare-steps',
      text: `INSERT INTO order_steps (order_id, seq, stage, kind, subject, name)
             SELECT $1, v.seq, v.stage, v.kind, v.subject, v.name
               FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) AS v(seq, stage, kind, subject, name)`,
      values: [id, steps.map((s) => s.seq), steps.map((s) => s.stage), steps.map((s) => s.kind), steps.map((s) => s.subject), steps.map((s) => s.name)],
    });
    await client.query('COMMIT');
    void reply.code(201).header('location', `/api/v1/orders/${id}`);
    return { id };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
});

await app.listen({ port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ listening: (app.server.address() as { port: number }).port }));
process.once('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
