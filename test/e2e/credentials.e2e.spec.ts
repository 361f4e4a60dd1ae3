import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyId, SecretBox, SecretBoxError } from '../../src/common/crypto/secret-box.js';
import { CredentialsService, MissingCredentialError } from '../../src/credentials/credentials.service.js';
import { buildTree, createOrganization, type Tree } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

const KEY_A = randomBytes(32);

describe('organization credentials', () => {
  let app: TestApp;
  let tree: Tree;
  let credentials: CredentialsService;
  const path = (orgId: number, key = '') => `/api/v1/organizations/${orgId}/credentials${key ? `/${key}` : ''}`;
  const put = (callerKey: string, orgId: number, key: string, body: unknown) =>
    app.request('PUT', path(orgId, key), { key: callerKey, body });
  const stored = (orgId: number, key: string) =>
    app.dataSource
      .query<{ id: number; sealed_value: string }[]>('SELECT id, sealed_value FROM credentials WHERE organization_id = $1 AND key = $2', [orgId, key])
      .then((rows) => rows[0]);

  beforeAll(async () => {
    app = await startTestApp({ ENCRYPTION_KEY: KEY_A.toString('base64') });
    tree = await buildTree(app, 'cred');
    credentials = app.app.get(CredentialsService);
  });
  afterAll(() => app?.close());

  describe('API', () => {
    it('stores, replaces, lists (without values) and deletes', async () => {
      const org = await createOrganization(app, tree.self.key, 'api round trip', tree.self.id);
      expect((await put(org.key, org.id, 'sipTrunk.password', { value: 'first-value' })).status).toBe(204);
      expect((await put(org.key, org.id, 'numbers.url', { value: 'https://numbers.example' })).status).toBe(204);
      const before = await app.request('GET', path(org.id), { key: org.key });
      expect(before.status).toBe(200);
      expect(before.body.nextCursor).toBeNull();
      expect(before.body.data.map((c: { key: string }) => c.key)).toEqual(['numbers.url', 'sipTrunk.password']);
      expect(Object.keys(before.body.data[0]).sort()).toEqual(['createdAt', 'key', 'updatedAt']);
      expect(before.text).not.toContain('first-value');

      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await put(org.key, org.id, 'sipTrunk.password', { value: 'second-value' })).status).toBe(204);
      const after = await app.request('GET', path(org.id), { key: org.key });
      const [b, a] = [before, after].map((r) => r.body.data.find((c: { key: string }) => c.key === 'sipTrunk.password'));
      expect(a.createdAt).toBe(b.createdAt);
      expect(new Date(a.updatedAt).getTime()).toBeGreaterThan(new Date(b.updatedAt).getTime());
      expect(await credentials.resolve(org.id, 'sipTrunk.password')).toBe('second-value');

      // The row holds only the sealed value, under the current key.
      const row = await stored(org.id, 'sipTrunk.password');
      expect(row.sealed_value).toMatch(new RegExp(`^v1\\.${keyId(KEY_A)}\\.`));
      expect(row.sealed_value).not.toContain('second-value');

      expect((await app.request('DELETE', path(org.id, 'sipTrunk.password'), { key: org.key })).status).toBe(204);
      const gone = await app.request('DELETE', path(org.id, 'sipTrunk.password'), { key: org.key });
      expect(gone.status).toBe(404);
      expect(gone.body.message).toBe(`credential "sipTrunk.password" is not set for organization ${org.id}`);
      expect((await app.request('GET', path(org.id), { key: org.key })).body.data).toHaveLength(1);
      expect(await credentials.resolve(org.id, 'sipTrunk.password')).toBeUndefined();
    });

    it('enforces the key name rule with a 400 that states it', async () => {
      const ok = ['a', 'A', `k${'x'.repeat(63)}`, 'sipTrunk.password', 'a_b-c.9'];
      for (const key of ok) expect((await put(tree.self.key, tree.self.id, key, { value: 'v' })).status, key).toBe(204);
      const bad = ['1abc', '_a', '.a', `k${'x'.repeat(64)}`, 'a%20b', 'a%2Fb', '%C3%A4bc', 'a:b', 'a%24'];
      for (const key of bad) {
        const response = await put(tree.self.key, tree.self.id, key, { value: 'v' });
        expect(response.status, key).toBe(400);
        expect(response.body.message).toBe('key must be 1 to 64 characters: a letter first, then letters, digits, ".", "_" or "-"');
        expect((await app.request('DELETE', path(tree.self.id, key), { key: tree.self.key })).status, key).toBe(400);
      }
    });

    it('accepts values of 1 to 4,096 characters, strings only', async () => {
      expect((await put(tree.self.key, tree.self.id, 'long', { value: 'x'.repeat(4096) })).status).toBe(204);
      expect((await put(tree.self.key, tree.self.id, 'unicode', { value: '☎'.repeat(4096) })).status).toBe(204);
      expect(await credentials.resolve(tree.self.id, 'unicode')).toBe('☎'.repeat(4096));
      const cases: [unknown, string][] = [
        [{ value: 'x'.repeat(4097) }, 'value must be 1 to 4096 characters'],
        [{ value: '' }, 'value must be 1 to 4096 characters'],
        [{ value: 42 }, 'value must be a string'],
        [{ value: ['x'] }, 'value must be a string'],
        [{ value: null }, 'value must be a string'],
        [{}, 'value must be a string'],
        [{ value: 'x', other: 1 }, 'property other should not exist'],
      ];
      for (const [body, message] of cases) {
        const response = await put(tree.self.key, tree.self.id, 'rejected', body);
        expect(response.status, JSON.stringify(body).slice(0, 40)).toBe(400);
        expect(response.body.details.map((d: { message: string }) => d.message)).toContain(message);
      }
      expect(await stored(tree.self.id, 'rejected')).toBeUndefined();
    });

    it('applies the tree scope: own subtree only, 404 outside it; disabled organizations are read-only', async () => {
      // Parent writes into a descendant; a child cannot reach its parent; siblings and strangers are 404.
      expect((await put(tree.parent.key, tree.self.id, 'fromParent', { value: 'v' })).status).toBe(204);
      expect((await put(tree.root.key, tree.child.id, 'fromRoot', { value: 'v' })).status).toBe(204);
      for (const [caller, orgId] of [
        [tree.child.key, tree.self.id],
        [tree.sibling.key, tree.self.id],
        [tree.unrelated.key, tree.self.id],
        [tree.self.key, tree.parent.id],
      ] as const) {
        expect((await put(caller, orgId, 'x', { value: 'v' })).status).toBe(404);
        expect((await app.request('GET', path(orgId), { key: caller })).status).toBe(404);
        expect((await app.request('DELETE', path(orgId, 'fromParent'), { key: caller })).status).toBe(404);
      }
      expect(await stored(tree.self.id, 'x')).toBeUndefined();
      expect((await app.request('GET', path(999_999), { key: ROOT_KEY })).status).toBe(404);
      // Not authenticated, or not usable keys.
      expect((await app.request('GET', path(tree.self.id))).status).toBe(401);
      expect((await put(tree.revokedKey, tree.self.id, 'x', { value: 'v' })).status).toBe(401);
      expect((await put(tree.expiredKey, tree.self.id, 'x', { value: 'v' })).status).toBe(401);

      const disabledWrite = await put(tree.self.key, tree.disabled.id, 'x', { value: 'v' });
      expect(disabledWrite.status).toBe(409);
      expect(disabledWrite.body.message).toBe(`organization ${tree.disabled.id} is disabled`);
      expect((await app.request('DELETE', path(tree.disabled.id, 'x'), { key: tree.self.key })).status).toBe(409);
      expect((await app.request('GET', path(tree.disabled.id), { key: tree.self.key })).status).toBe(200);
    });

    it('holds at most 100 keys per organization, also under concurrent writes', async () => {
      const org = await createOrganization(app, tree.self.key, 'limit', tree.self.id);
      for (let i = 0; i < 95; i++) expect((await put(org.key, org.id, `k${i}`, { value: 'v' })).status).toBe(204);
      const racing = await Promise.all(Array.from({ length: 12 }, (_, i) => put(org.key, org.id, `race${i}`, { value: 'v' })));
      const statuses = racing.map((r) => r.status).sort();
      expect(statuses, racing.map((r) => r.text).join('\n')).toEqual([...Array(5).fill(204), ...Array(7).fill(409)]);
      const refused = racing.find((r) => r.status === 409)!;
      expect(refused.body.message).toBe(`organization ${org.id} already has 100 credentials, the most allowed; delete one first`);
      const [{ count }] = await app.dataSource.query('SELECT count(*)::int AS count FROM credentials WHERE organization_id = $1', [org.id]);
      expect(count).toBe(100);
      // Replacing an existing key is still allowed at the limit; after a delete, a new key fits again.
      expect((await put(org.key, org.id, 'k0', { value: 'replaced' })).status).toBe(204);
      expect((await app.request('DELETE', path(org.id, 'k1'), { key: org.key })).status).toBe(204);
      expect((await put(org.key, org.id, 'new', { value: 'v' })).status).toBe(204);
      expect((await app.request('GET', path(org.id), { key: org.key })).body.data).toHaveLength(100);
    });
  });

  describe('resolution along the tree', () => {
    it('uses the own value, else the nearest ancestor that has the key; deleting falls back again', async () => {
      const key = 'numbers.apiKey';
      expect(await credentials.resolve(tree.child.id, key)).toBeUndefined();
      await put(ROOT_KEY, tree.root.id, key, { value: 'root-value' });
      await put(tree.grandparent.key, tree.grandparent.id, key, { value: 'distributor-value' });
      expect(await credentials.resolve(tree.child.id, key)).toBe('distributor-value');
      expect(await credentials.resolve(tree.sibling.id, key)).toBe('distributor-value');
      expect(await credentials.resolve(tree.root.id, key)).toBe('root-value');
      expect(await credentials.resolve(tree.unrelated.id, key)).toBe('root-value');

      await put(tree.self.key, tree.self.id, key, { value: 'reseller-override' });
      expect(await credentials.resolve(tree.self.id, key)).toBe('reseller-override');
      expect(await credentials.resolve(tree.child.id, key)).toBe('reseller-override');
      expect(await credentials.resolve(tree.sibling.id, key)).toBe('distributor-value');
      expect(await credentials.resolve(tree.parent.id, key)).toBe('distributor-value');

      await put(tree.child.key, tree.child.id, key, { value: 'child-own' });
      expect(await credentials.resolve(tree.child.id, key)).toBe('child-own');

      await app.request('DELETE', path(tree.self.id, key), { key: tree.self.key });
      expect(await credentials.resolve(tree.self.id, key)).toBe('distributor-value');
      expect(await credentials.resolve(tree.child.id, key)).toBe('child-own');
      expect(await credentials.resolve(999_999, key)).toBeUndefined();
    });

    it('decrypts exactly one value, the one returned', async () => {
      const key = 'redirection.password';
      for (const org of [tree.root, tree.grandparent, tree.parent, tree.self]) {
        await put(org.key, org.id, key, { value: `value-of-${org.id}` });
      }
      const box = app.app.get(SecretBox);
      const open = vi.spyOn(box, 'open');
      try {
        expect(await credentials.resolve(tree.child.id, key)).toBe(`value-of-${tree.self.id}`);
        expect(open).toHaveBeenCalledTimes(1);
        expect(await credentials.resolve(tree.child.id, 'not.there')).toBeUndefined();
        expect(open).toHaveBeenCalledTimes(1);
      } finally {
        open.mockRestore();
      }
    });

    it('resolves several keys in one query, each from its nearest owner, decrypting only those returned', async () => {
      await put(tree.grandparent.key, tree.grandparent.id, 'many.a', { value: 'a-from-distributor' });
      await put(tree.self.key, tree.self.id, 'many.a', { value: 'a-from-reseller' });
      await put(tree.parent.key, tree.parent.id, 'many.b', { value: 'b-from-parent' });
      const box = app.app.get(SecretBox);
      const open = vi.spyOn(box, 'open');
      try {
        const values = await credentials.resolveMany(tree.child.id, ['many.a', 'many.b', 'many.missing']);
        expect(Object.fromEntries(values)).toEqual({ 'many.a': 'a-from-reseller', 'many.b': 'b-from-parent' });
        expect(open).toHaveBeenCalledTimes(2);
      } finally {
        open.mockRestore();
      }
      await expect(credentials.requireMany(tree.child.id, ['many.a', 'many.missing', 'many.b'])).rejects.toThrow(/"many\.missing"/);
      expect(Object.fromEntries(await credentials.requireMany(tree.sibling.id, ['many.a']))).toEqual({ 'many.a': 'a-from-distributor' });
    });

    it('skips disabled organizations, including the organization itself', async () => {
      const key = 'sipTrunk.host';
      const reseller = await createOrganization(app, tree.self.key, 'to be disabled', tree.self.id);
      const customer = await createOrganization(app, reseller.key, 'below disabled', reseller.id);
      await put(tree.self.key, tree.self.id, key, { value: 'self-host' });
      await put(reseller.key, reseller.id, key, { value: 'reseller-host' });
      await put(customer.key, customer.id, 'only.customer', { value: 'customer-only' });
      expect(await credentials.resolve(customer.id, key)).toBe('reseller-host');

      expect((await app.request('DELETE', `/api/v1/organizations/${reseller.id}`, { key: tree.self.key })).status).toBe(204);
      // reseller and (by cascade) customer are disabled: their own rows are no longer used.
      expect(await credentials.resolve(reseller.id, key)).toBe('self-host');
      expect(await credentials.resolve(customer.id, key)).toBe('self-host');
      expect(await credentials.resolve(customer.id, 'only.customer')).toBeUndefined();
      // An ancestor disabled above an enabled organization (not reachable through the API, where
      // disabling cascades) is skipped too.
      const other = await createOrganization(app, tree.self.key, 'enabled below disabled', tree.self.id);
      await put(other.key, other.id, 'x.y', { value: 'own' });
      await app.dataSource.query('UPDATE organizations SET disabled_at = now() WHERE id = $1', [tree.self.id]);
      try {
        expect(await credentials.resolve(other.id, key)).toBeUndefined();
        expect(await credentials.resolve(other.id, 'x.y')).toBe('own');
      } finally {
        await app.dataSource.query('UPDATE organizations SET disabled_at = NULL WHERE id = $1', [tree.self.id]);
      }
      expect(await credentials.resolve(other.id, key)).toBe('self-host');
    });

    it('require() names the missing key and organization', async () => {
      await put(tree.self.key, tree.self.id, 'numbers.url', { value: 'https://n.example' });
      expect(await credentials.require(tree.child.id, 'numbers.url')).toBe('https://n.example');
      const error = await credentials.require(tree.sibling.id, 'numbers.nothing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingCredentialError);
      expect((error as Error).message).toBe(`credential "numbers.nothing" is not set for organization ${tree.sibling.id} or its ancestors`);
    });
  });

  describe('storage', () => {
    it('detects tampering and values moved to another organization or key', async () => {
      const a = await createOrganization(app, tree.self.key, 'swap a', tree.self.id);
      const b = await createOrganization(app, tree.self.key, 'swap b', tree.self.id);
      await put(a.key, a.id, 'sipTrunk.password', { value: 'password-of-a' });
      await put(b.key, b.id, 'sipTrunk.password', { value: 'password-of-b' });
      await put(a.key, a.id, 'sipTrunk.account', { value: 'account-of-a' });
      const rowA = await stored(a.id, 'sipTrunk.password');

      // A's sealed password copied into B's row: does not open there.
      await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE organization_id = $2 AND key = $3', [
        rowA.sealed_value,
        b.id,
        'sipTrunk.password',
      ]);
      await expect(credentials.resolve(b.id, 'sipTrunk.password')).rejects.toThrow(SecretBoxError);
      // ... nor under another key name of A.
      await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE organization_id = $2 AND key = $3', [
        rowA.sealed_value,
        a.id,
        'sipTrunk.account',
      ]);
      await expect(credentials.resolve(a.id, 'sipTrunk.account')).rejects.toThrow(/failed authentication/);
      // ... nor when the row is re-pointed at B (organization_id changed).
      await app.dataSource.query('UPDATE credentials SET organization_id = $1, key = $2 WHERE id = $3', [b.id, 'moved', rowA.id]);
      await expect(credentials.resolve(b.id, 'moved')).rejects.toThrow(SecretBoxError);
      await app.dataSource.query('UPDATE credentials SET organization_id = $1, key = $2 WHERE id = $3', [a.id, 'sipTrunk.password', rowA.id]);
      expect(await credentials.resolve(a.id, 'sipTrunk.password')).toBe('password-of-a');

      // One changed character of the ciphertext.
      const last = rowA.sealed_value.at(-3) === 'A' ? 'B' : 'A';
      const tampered = `${rowA.sealed_value.slice(0, -3)}${last}${rowA.sealed_value.slice(-2)}`;
      await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE id = $2', [tampered, rowA.id]);
      const error = await credentials.resolve(a.id, 'sipTrunk.password').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as Error).message).not.toContain('password-of-a');
    });
  });
});
