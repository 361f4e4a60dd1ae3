import type { Tree } from './factories.js';
import { createApiKey, createOrganization } from './factories.js';
import type { TestApp } from './test-app.js';

/** The callers of the matrix, relative to the organization `self` that owns each target. */
export const CALLERS = [
  'self',
  'parent',
  'grandparent',
  'child',
  'sibling',
  'unrelated',
  'disabled organization',
  'revoked key',
  'expired key',
  'no key',
] as const;
export type CallerKind = (typeof CALLERS)[number];

export function keyOf(tree: Tree, caller: CallerKind): string | undefined {
  switch (caller) {
    case 'self':
      return tree.self.key;
    case 'parent':
      return tree.parent.key;
    case 'grandparent':
      return tree.grandparent.key;
    case 'child':
      return tree.child.key;
    case 'sibling':
      return tree.sibling.key;
    case 'unrelated':
      return tree.unrelated.key;
    case 'disabled organization':
      return tree.disabled.key;
    case 'revoked key':
      return tree.revokedKey;
    case 'expired key':
      return tree.expiredKey;
    case 'no key':
      return undefined;
  }
}

export interface PreparedRequest {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface MatrixEntry {
  /** As Nest declares it: `GET /api/v1/organizations/:id`. */
  route: string;
  /**
   * Builds one request whose target belongs to `self` (its own organization, or something inside
   * it). Called once per caller, so that a destructive request gets a fresh target every time.
   */
  prepare(app: TestApp, tree: Tree): Promise<PreparedRequest>;
  /** The status an allowed caller gets. */
  success: number;
  /**
   * `subtree`: only `self` and its ancestors may act (others get 404). `any`: every authenticated
   * caller acts on its own data (e.g. `GET /me`), so all valid keys succeed.
   */
  scope: 'subtree' | 'any';
}

/** What the matrix expects: 401 for a refused key, 404 outside the subtree, else the route's success. */
export function expectedStatus(entry: MatrixEntry, caller: CallerKind): number {
  if (['disabled organization', 'revoked key', 'expired key', 'no key'].includes(caller)) return 401;
  if (entry.scope === 'any') return entry.success;
  return ['self', 'parent', 'grandparent'].includes(caller) ? entry.success : 404;
}

const fixed = (path: string, body?: unknown) => async (): Promise<PreparedRequest> => ({ path, body });

const MINIMAL_CONFIGURATION = { version: 1, organization: { name: 'Matrix Tenant' } };

/**
 * Headers of an order the matrix app never runs (its executor is off). The callback URL points at a
 * closed local port: status changes still write webhook messages, which is all the matrix needs.
 */
export const ORDER_HEADERS = {
  'xelion-server-url': 'http://127.0.0.1:9',
  'xelion-tenant-name': 'matrix',
  'xelion-tenant-token': 'matrix-token',
  'x-callback-url': 'http://127.0.0.1:9/hook',
};

/** A new order of `self`, NOT_STARTED. */
async function orderOfSelf(app: TestApp, tree: Tree): Promise<number> {
  const created = await app.request('POST', '/api/v1/provision', { key: tree.self.key, body: MINIMAL_CONFIGURATION, headers: ORDER_HEADERS });
  if (created.status !== 201) throw new Error(`could not prepare an order: ${created.status} ${created.text}`);
  return created.body.id as number;
}

/** A new order of `self`, cancelled: FAILED, with one webhook message. */
async function failedOrderOfSelf(app: TestApp, tree: Tree): Promise<number> {
  const id = await orderOfSelf(app, tree);
  const cancelled = await app.request('POST', `/api/v1/orders/${id}/cancel`, { key: tree.self.key });
  if (cancelled.status !== 200) throw new Error(`could not cancel order ${id}: ${cancelled.status} ${cancelled.text}`);
  return id;
}

/** Organizations and API keys (the foundation). Later features add their entries below. */
export const MATRIX: MatrixEntry[] = [
  { route: 'GET /api/v1/organizations/me', scope: 'any', success: 200, prepare: fixed('/api/v1/organizations/me') },
  { route: 'GET /api/v1/organizations', scope: 'any', success: 200, prepare: fixed('/api/v1/organizations') },
  {
    route: 'POST /api/v1/organizations',
    scope: 'subtree',
    success: 201,
    prepare: async (_app, tree) => ({ path: '/api/v1/organizations', body: { name: 'matrix child', parentId: tree.self.id } }),
  },
  {
    route: 'GET /api/v1/organizations/:id',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}` }),
  },
  {
    route: 'PATCH /api/v1/organizations/:id',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}`, body: { name: tree.self.name } }),
  },
  {
    // The target is a fresh organization below self: nobody may disable its own organization (409, tested apart).
    route: 'DELETE /api/v1/organizations/:id',
    scope: 'subtree',
    success: 204,
    prepare: async (app, tree) => {
      const target = await createOrganization(app, tree.self.key, 'to be disabled');
      return { path: `/api/v1/organizations/${target.id}` };
    },
  },
  {
    route: 'POST /api/v1/organizations/:id/api-keys',
    scope: 'subtree',
    success: 201,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/api-keys`, body: { name: 'matrix' } }),
  },
  {
    route: 'GET /api/v1/organizations/:id/api-keys',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/api-keys` }),
  },
  {
    route: 'DELETE /api/v1/organizations/:id/api-keys/:keyId',
    scope: 'subtree',
    success: 204,
    prepare: async (app, tree) => {
      await createApiKey(app, tree.self.key, tree.self.id, { name: 'to be revoked' });
      const keys = await app.request('GET', `/api/v1/organizations/${tree.self.id}/api-keys`, { key: tree.self.key });
      const id = keys.body.data.find((key: { name: string; revokedAt: string | null }) => key.name === 'to be revoked' && !key.revokedAt).id;
      return { path: `/api/v1/organizations/${tree.self.id}/api-keys/${id}` };
    },
  },
  // Credentials.
  {
    route: 'PUT /api/v1/organizations/:id/credentials/:key',
    scope: 'subtree',
    success: 204,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/credentials/matrix.put`, body: { value: 'matrix value' } }),
  },
  {
    route: 'GET /api/v1/organizations/:id/credentials',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/credentials` }),
  },
  {
    route: 'PATCH /api/v1/organizations/:id/credentials/:key',
    scope: 'subtree',
    success: 200,
    prepare: async (app, tree) => {
      const path = `/api/v1/organizations/${tree.self.id}/credentials/matrix.patch`;
      const stored = await app.request('PUT', path, { key: tree.self.key, body: { value: 'to be shared' } });
      if (stored.status !== 204) throw new Error(`could not prepare a credential: ${stored.status} ${stored.text}`);
      return { path, body: { inherit: true } };
    },
  },
  {
    route: 'DELETE /api/v1/organizations/:id/credentials/:key',
    scope: 'subtree',
    success: 204,
    prepare: async (app, tree) => {
      const path = `/api/v1/organizations/${tree.self.id}/credentials/matrix.delete`;
      const stored = await app.request('PUT', path, { key: tree.self.key, body: { value: 'to be deleted' } });
      if (stored.status !== 204) throw new Error(`could not prepare a credential: ${stored.status} ${stored.text}`);
      return { path };
    },
  },
  // Orders. The matrix app's executor is off, so orders stay where the test puts them.
  {
    route: 'POST /api/v1/provision',
    scope: 'any',
    success: 201,
    prepare: async () => ({ path: '/api/v1/provision', body: MINIMAL_CONFIGURATION, headers: ORDER_HEADERS }),
  },
  {
    // Read-only; the tenant (nothing listens there) does not answer, which the plan reports as a requirement.
    route: 'POST /api/v1/provision/plan',
    scope: 'any',
    success: 200,
    prepare: async () => ({
      path: '/api/v1/provision/plan',
      body: MINIMAL_CONFIGURATION,
      headers: { 'xelion-server-url': ORDER_HEADERS['xelion-server-url'], 'xelion-tenant-name': 'matrix', 'xelion-tenant-token': 'matrix-token' },
    }),
  },
  { route: 'GET /api/v1/orders', scope: 'any', success: 200, prepare: fixed('/api/v1/orders') },
  {
    route: 'GET /api/v1/orders/:id',
    scope: 'subtree',
    success: 200,
    prepare: async (app, tree) => ({ path: `/api/v1/orders/${await orderOfSelf(app, tree)}` }),
  },
  {
    route: 'GET /api/v1/orders/:id/steps',
    scope: 'subtree',
    success: 200,
    prepare: async (app, tree) => ({ path: `/api/v1/orders/${await orderOfSelf(app, tree)}/steps` }),
  },
  {
    route: 'POST /api/v1/orders/:id/cancel',
    scope: 'subtree',
    success: 200,
    prepare: async (app, tree) => ({ path: `/api/v1/orders/${await orderOfSelf(app, tree)}/cancel` }),
  },
  {
    route: 'POST /api/v1/orders/:id/retry',
    scope: 'subtree',
    success: 200,
    // Cancelling erased the order's token, so the retry brings a new one.
    prepare: async (app, tree) => ({
      path: `/api/v1/orders/${await failedOrderOfSelf(app, tree)}/retry`,
      headers: { 'xelion-tenant-token': 'a-new-token' },
    }),
  },
  // Webhooks.
  {
    route: 'GET /api/v1/orders/:id/webhooks',
    scope: 'subtree',
    success: 200,
    prepare: async (app, tree) => ({ path: `/api/v1/orders/${await failedOrderOfSelf(app, tree)}/webhooks` }),
  },
  {
    route: 'POST /api/v1/orders/:id/webhooks/:mid/redeliver',
    scope: 'subtree',
    success: 202,
    prepare: async (app, tree) => {
      const id = await failedOrderOfSelf(app, tree);
      const messages = await app.request('GET', `/api/v1/orders/${id}/webhooks`, { key: tree.self.key });
      const mid = messages.body.data?.[0]?.mid;
      if (!mid) throw new Error(`order ${id} has no webhook message: ${messages.text}`);
      return { path: `/api/v1/orders/${id}/webhooks/${mid}/redeliver` };
    },
  },
  {
    route: 'GET /api/v1/organizations/:id/webhook-secret',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/webhook-secret` }),
  },
  {
    route: 'POST /api/v1/organizations/:id/webhook-secret/rotate',
    scope: 'subtree',
    success: 200,
    prepare: async (_app, tree) => ({ path: `/api/v1/organizations/${tree.self.id}/webhook-secret/rotate` }),
  },
];

/** Routes that need no key. Each must answer a request without X-Auth-Key with something other than 401. */
export const PUBLIC_ROUTES: Record<string, PreparedRequest> = {
  'GET /health': { path: '/health' },
  'GET /health/live': { path: '/health/live' },
  'GET /health/ready': { path: '/health/ready' },
  'GET /metrics': { path: '/metrics' },
  'POST /api/v1/provision/test': { path: '/api/v1/provision/test', body: { version: 1, organization: { name: 'Fairy Tail' } } },
  'GET /api/v1/schema/configuration': { path: '/api/v1/schema/configuration' },
};
