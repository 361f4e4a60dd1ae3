import { expect } from 'vitest';
import { ROOT_KEY, type TestApp } from './test-app.js';

export interface OrgWithKey {
  id: number;
  name: string;
  key: string;
}

export async function createOrganization(app: TestApp, callerKey: string, name: string, parentId?: number): Promise<OrgWithKey> {
  const created = await app.request('POST', '/api/v1/organizations', { key: callerKey, body: { name, parentId } });
  expect(created.status, created.text).toBe(201);
  const key = await createApiKey(app, callerKey, created.body.id);
  return { id: created.body.id, name, key };
}

export async function createApiKey(app: TestApp, callerKey: string, organizationId: number, body: object = {}): Promise<string> {
  const response = await app.request('POST', `/api/v1/organizations/${organizationId}/api-keys`, { key: callerKey, body });
  expect(response.status, response.text).toBe(201);
  return response.body.key as string;
}

/**
 * The cast of the authorization matrix, around the organization `self`:
 *
 *   root ─┬─ grandparent ── parent ─┬─ self ─┬─ child
 *         │                         │        └─ disabled (disabled after its key was made)
 *         │                         └─ sibling
 *         └─ unrelated
 *
 * plus a revoked and an expired key of `self`.
 */
export interface Tree {
  root: OrgWithKey;
  grandparent: OrgWithKey;
  parent: OrgWithKey;
  self: OrgWithKey;
  child: OrgWithKey;
  sibling: OrgWithKey;
  unrelated: OrgWithKey;
  disabled: OrgWithKey;
  revokedKey: string;
  expiredKey: string;
}

export async function buildTree(app: TestApp, label = 'tree'): Promise<Tree> {
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  const root: OrgWithKey = { id: me.body.id, name: me.body.name, key: ROOT_KEY };
  const grandparent = await createOrganization(app, ROOT_KEY, `${label} grandparent`);
  const parent = await createOrganization(app, grandparent.key, `${label} parent`);
  const self = await createOrganization(app, parent.key, `${label} self`);
  const child = await createOrganization(app, self.key, `${label} child`);
  const sibling = await createOrganization(app, parent.key, `${label} sibling`);
  const unrelated = await createOrganization(app, ROOT_KEY, `${label} unrelated`);
  const disabled = await createOrganization(app, self.key, `${label} disabled`);
  expect((await app.request('DELETE', `/api/v1/organizations/${disabled.id}`, { key: self.key })).status).toBe(204);

  const revokedKey = await createApiKey(app, self.key, self.id, { name: 'revoked' });
  const keys = await app.request('GET', `/api/v1/organizations/${self.id}/api-keys`, { key: self.key });
  const revokedId = keys.body.data.find((k: { name: string }) => k.name === 'revoked').id;
  expect((await app.request('DELETE', `/api/v1/organizations/${self.id}/api-keys/${revokedId}`, { key: self.key })).status).toBe(204);

  const expiredKey = await createApiKey(app, self.key, self.id, { name: 'expired', expiresAt: new Date(Date.now() + 60_000).toISOString() });
  await app.dataSource.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE name = 'expired' AND organization_id = $1`, [self.id]);

  return { root, grandparent, parent, self, child, sibling, unrelated, disabled, revokedKey, expiredKey };
}
