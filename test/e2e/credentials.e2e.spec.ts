import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { keyId, SecretBox, SecretBoxError } from '../../src/common/crypto/secret-box.js';
import { CREDENTIAL_GROUPS } from '../../src/credentials/credential.groups.js';
import { CredentialsService, MissingCredentialError } from '../../src/credentials/credentials.service.js';
import { ExternalServicesFactory } from '../../src/provisioning/external-services.js';
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
      expect(Object.keys(before.body.data[0]).sort()).toEqual(['createdAt', 'inherit', 'key', 'updatedAt']);
      expect(before.text).not.toContain('first-value');

      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await put(org.key, org.id, 'sipTrunk.password', { value: 'second-value' })).status).toBe(204);
      const after = await app.request('GET', path(org.id), { key: org.key });
      const [b, a] = [before, after].map((r) => r.body.data.find((c: { key: string }) => c.key === 'sipTrunk.password'));
      expect(a.createdAt).toBe(b.createdAt);
      expect(new Date(a.updatedAt).getTime()).toBeGreaterThan(new Date(b.updatedAt).getTime());
      expect(await credentials.resolveOwn(org.id, 'sipTrunk.password')).toBe('second-value');

      // The row holds only the sealed value, under the current key.
      const row = await stored(org.id, 'sipTrunk.password');
      expect(row.sealed_value).toMatch(new RegExp(`^v1\\.${keyId(KEY_A)}\\.`));
      expect(row.sealed_value).not.toContain('second-value');

      expect((await app.request('DELETE', path(org.id, 'sipTrunk.password'), { key: org.key })).status).toBe(204);
      const gone = await app.request('DELETE', path(org.id, 'sipTrunk.password'), { key: org.key });
      expect(gone.status).toBe(404);
      expect(gone.body.message).toBe(`credential "sipTrunk.password" is not set for organization ${org.id}`);
      expect((await app.request('GET', path(org.id), { key: org.key })).body.data).toHaveLength(1);
      expect(await credentials.resolveOwn(org.id, 'sipTrunk.password')).toBeUndefined();
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
      expect(await credentials.resolveOwn(tree.self.id, 'unicode')).toBe('☎'.repeat(4096));
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

  describe('allowedServerHosts', () => {
    const org = (id: number) => `/api/v1/organizations/${id}`;

    it('is set, shown (GET, me), kept on rename and removed with null; a bad entry is a 400 naming it', async () => {
      const target = await createOrganization(app, tree.self.key, 'hosts', tree.self.id);
      const set = await app.request('PATCH', org(target.id), { key: tree.self.key, body: { allowedServerHosts: ['PBX.example.com', '*.Example.net', '[::1]', '127.0.0.1', 'pbx.example.com'] } });
      expect(set.status, set.text).toBe(200);
      expect(set.body.allowedServerHosts).toEqual(['pbx.example.com', '*.example.net', '::1', '127.0.0.1']);
      expect((await app.request('GET', org(target.id), { key: tree.self.key })).body.allowedServerHosts).toEqual(set.body.allowedServerHosts);
      expect((await app.request('GET', '/api/v1/organizations/me', { key: target.key })).body.allowedServerHosts).toEqual(set.body.allowedServerHosts);
      const renamed = await app.request('PATCH', org(target.id), { key: target.key, body: { name: 'hosts renamed' } });
      expect(renamed.body).toMatchObject({ name: 'hosts renamed', allowedServerHosts: set.body.allowedServerHosts });

      const cases: [unknown, string, string][] = [
        [['pbx.example.com', 'pbx.example.com:443'], 'allowedServerHosts[1]', 'allowedServerHosts[1] "pbx.example.com:443" is not acceptable'],
        [['https://pbx.example.com'], 'allowedServerHosts[0]', 'allowedServerHosts[0] "https://pbx.example.com" is not acceptable'],
        [['*'], 'allowedServerHosts[0]', 'allowedServerHosts[0] "*" is not acceptable'],
        [['*.com'], 'allowedServerHosts[0]', 'allowedServerHosts[0] "*.com" is not acceptable'],
        [['a.example.com', 'evil.*.example.com'], 'allowedServerHosts[1]', 'allowedServerHosts[1] "evil.*.example.com" is not acceptable'],
        ['pbx.example.com', 'allowedServerHosts', 'allowedServerHosts must be an array of strings or null'],
        [[42], 'allowedServerHosts', 'each entry of allowedServerHosts must be a string'],
        [Array.from({ length: 101 }, (_, i) => `h${i}.example.com`), 'allowedServerHosts', 'allowedServerHosts must have at most 100 entries'],
      ];
      for (const [allowedServerHosts, field, message] of cases) {
        const refused = await app.request('PATCH', org(target.id), { key: tree.self.key, body: { allowedServerHosts } });
        expect(refused.status, JSON.stringify(allowedServerHosts).slice(0, 60)).toBe(400);
        const detail = (refused.body.details as { field: string; message: string }[]).find((d) => d.message.includes(message));
        expect(detail?.field, refused.text).toBe(field);
      }
      expect((await app.request('PATCH', org(target.id), { key: tree.self.key, body: {} })).status).toBe(400);
      expect((await app.request('PATCH', org(target.id), { key: tree.self.key, body: { allowedServerHosts: ['x.example'], other: 1 } })).status).toBe(400);
      expect((await app.request('GET', org(target.id), { key: tree.self.key })).body.allowedServerHosts).toEqual(set.body.allowedServerHosts);

      // Only from above: a child cannot touch its parent's list.
      expect((await app.request('PATCH', org(tree.self.id), { key: tree.child.key, body: { allowedServerHosts: null } })).status).toBe(404);
      const cleared = await app.request('PATCH', org(target.id), { key: target.key, body: { allowedServerHosts: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.allowedServerHosts).toBeNull();
    });
  });

  describe('the inherit flag', () => {
    it('PUT without inherit: a new key is not shared, a replaced key keeps its flag; PATCH changes it alone; the list shows it', async () => {
      const org = await createOrganization(app, tree.self.key, 'inherit flag', tree.self.id);
      const flags = async () =>
        Object.fromEntries((await app.request('GET', path(org.id), { key: org.key })).body.data.map((c: { key: string; inherit: boolean }) => [c.key, c.inherit]));
      expect((await put(org.key, org.id, 'numbers.url', { value: 'https://n.example' })).status).toBe(204);
      expect((await put(org.key, org.id, 'numbers.apiKey', { value: 'k1', inherit: true })).status).toBe(204);
      expect(await flags()).toEqual({ 'numbers.apiKey': true, 'numbers.url': false });
      expect((await put(org.key, org.id, 'numbers.apiKey', { value: 'k2' })).status).toBe(204);
      expect((await put(org.key, org.id, 'numbers.url', { value: 'https://n2.example' })).status).toBe(204);
      expect(await flags()).toEqual({ 'numbers.apiKey': true, 'numbers.url': false });
      expect((await put(org.key, org.id, 'numbers.apiKey', { value: 'k3', inherit: false })).status).toBe(204);
      expect(await flags()).toEqual({ 'numbers.apiKey': false, 'numbers.url': false });

      const before = (await app.request('GET', path(org.id), { key: org.key })).body.data.find((c: { key: string }) => c.key === 'numbers.url');
      await new Promise((resolve) => setTimeout(resolve, 20));
      const patched = await app.request('PATCH', path(org.id, 'numbers.url'), { key: org.key, body: { inherit: true } });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body).toEqual({ key: 'numbers.url', inherit: true, createdAt: before.createdAt, updatedAt: before.updatedAt });
      expect(await flags()).toEqual({ 'numbers.apiKey': false, 'numbers.url': true });
      expect((await app.request('PATCH', path(tree.self.id, 'numbers.url'), { key: org.key, body: { inherit: true } })).status).toBe(404);
      expect((await app.request('PATCH', path(org.id, 'not.set'), { key: org.key, body: { inherit: true } })).status).toBe(404);
      for (const body of [{}, { inherit: 'true' }, { inherit: 1 }, { inherit: null }, { inherit: true, value: 'x' }]) {
        const refused = await app.request('PATCH', path(org.id, 'numbers.url'), { key: org.key, body });
        expect(refused.status, JSON.stringify(body)).toBe(400);
      }
      expect((await put(org.key, org.id, 'numbers.url', { value: 'v', inherit: 'yes' })).status).toBe(400);
      expect((await app.request('PATCH', path(tree.disabled.id, 'x'), { key: tree.self.key, body: { inherit: true } })).status).toBe(409);
    });
  });

  describe('groups along the tree', () => {
    const numbers = CREDENTIAL_GROUPS.numbers;
    const trunk = CREDENTIAL_GROUPS.sipTrunk;
    const target = (organizationId: number, serverHost = 'pbx.example.com') => ({ organizationId, serverHost });
    const values = async (organizationId: number, group = numbers, serverHost?: string): Promise<Record<string, string | number> | undefined> => {
      const resolved = await credentials.resolveGroup(target(organizationId, serverHost), group);
      return resolved && { owner: resolved.ownerId, ...Object.fromEntries(resolved.values) };
    };
    /** A fresh chain distributor → reseller → customer below `self`. */
    async function chain(label: string) {
      const distributor = await createOrganization(app, tree.self.key, `${label} distributor`, tree.self.id);
      const reseller = await createOrganization(app, distributor.key, `${label} reseller`, distributor.id);
      const customer = await createOrganization(app, reseller.key, `${label} customer`, reseller.id);
      return { distributor, reseller, customer };
    }
    const putGroup = async (org: { id: number; key: string }, entries: Record<string, string>, inherit?: boolean) => {
      for (const [key, value] of Object.entries(entries)) expect((await put(org.key, org.id, key, { value, inherit })).status).toBe(204);
    };

    it("uses the organization's own complete group; a partial own group fails naming the missing key and is never completed from above", async () => {
      const { distributor, customer } = await chain('own');
      await putGroup(distributor, { 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' }, true);
      expect(await values(customer.id)).toEqual({ owner: distributor.id, 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' });

      // The attack: the customer sets only the URL. It must not get the distributor's apiKey with it.
      await putGroup(customer, { 'numbers.url': 'https://attacker.example' });
      const error = await credentials.resolveGroup(target(customer.id), numbers).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MissingCredentialError);
      expect((error as MissingCredentialError).key).toBe('numbers.apiKey');
      expect((error as Error).message).toBe(
        `credential "numbers.apiKey" is not set for organization ${customer.id}, which stores other numbers.* keys: a group is used whole from one organization, never completed with an ancestor's keys`,
      );
      expect((error as Error).message).not.toContain('d-secret');

      await putGroup(customer, { 'numbers.apiKey': 'c-secret' });
      expect(await values(customer.id)).toEqual({ owner: customer.id, 'numbers.url': 'https://attacker.example', 'numbers.apiKey': 'c-secret' });
      // Deleting one key of the own group does not fall back to the ancestor's group: the own group is partial.
      expect((await app.request('DELETE', path(customer.id, 'numbers.apiKey'), { key: customer.key })).status).toBe(204);
      await expect(credentials.resolveGroup(target(customer.id), numbers)).rejects.toThrow(/"numbers\.apiKey"/);
      // Deleting the whole own group does.
      expect((await app.request('DELETE', path(customer.id, 'numbers.url'), { key: customer.key })).status).toBe(204);
      expect((await values(customer.id))?.owner).toBe(distributor.id);
    });

    it('inherits only a complete group whose every stored key is shared, from the nearest such ancestor', async () => {
      const { distributor, reseller, customer } = await chain('share');
      await putGroup(distributor, { 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' }, true);
      // The reseller's group is complete but not shared: skipped.
      await putGroup(reseller, { 'numbers.url': 'https://r.example', 'numbers.apiKey': 'r-secret' });
      expect((await values(customer.id))?.owner).toBe(distributor.id);
      // Its own orders use it all the same.
      expect((await values(reseller.id))?.owner).toBe(reseller.id);
      // One key shared out of two: still skipped.
      expect((await app.request('PATCH', path(reseller.id, 'numbers.apiKey'), { key: reseller.key, body: { inherit: true } })).status).toBe(200);
      expect((await values(customer.id))?.owner).toBe(distributor.id);
      // Both shared: the nearest wins.
      expect((await app.request('PATCH', path(reseller.id, 'numbers.url'), { key: reseller.key, body: { inherit: true } })).status).toBe(200);
      expect(await values(customer.id)).toEqual({ owner: reseller.id, 'numbers.url': 'https://r.example', 'numbers.apiKey': 'r-secret' });
      // A shared but incomplete group is skipped (never completed from the next ancestor).
      expect((await app.request('DELETE', path(reseller.id, 'numbers.apiKey'), { key: reseller.key })).status).toBe(204);
      expect((await values(customer.id))?.owner).toBe(distributor.id);
      // Nobody shares: nothing, and requireGroup names the first key.
      await app.dataSource.query(`UPDATE credentials SET inherit = false WHERE organization_id = $1`, [distributor.id]);
      expect(await values(customer.id)).toBeUndefined();
      await expect(credentials.requireGroup(target(customer.id), numbers)).rejects.toThrow(
        `credential "numbers.url" is not set for organization ${customer.id} (nor the rest of its numbers.* group), and no ancestor shares a complete numbers.* group with it`,
      );
      // An optional key added without inherit unshares the group too.
      await app.dataSource.query(`UPDATE credentials SET inherit = true WHERE organization_id = $1`, [distributor.id]);
      expect((await values(customer.id))?.owner).toBe(distributor.id);
    });

    it("sends an inherited SIP trunk only to a server in its owner's allowedServerHosts", async () => {
      const { distributor, reseller, customer } = await chain('trunk');
      const trunkValues = { 'sipTrunk.providerName': 'P', 'sipTrunk.host': 'sip.d.example', 'sipTrunk.account': 'acc', 'sipTrunk.password': 'trunk-secret' };
      await putGroup(distributor, { ...trunkValues, 'sipTrunk.port': '5061' }, true);
      // Its own orders: no list needed.
      expect((await values(distributor.id, trunk, 'anything.example'))?.owner).toBe(distributor.id);
      // An owner without a list gives its trunk to no descendant's order.
      expect(await values(customer.id, trunk, 'pbx.example.com')).toBeUndefined();
      const patch = (org: { id: number; key: string }, allowedServerHosts: string[] | null) =>
        app.request('PATCH', `/api/v1/organizations/${org.id}`, { key: org.key, body: { allowedServerHosts } });
      expect((await patch(distributor, ['pbx.example.com', '*.d.example'])).status).toBe(200);
      expect((await values(customer.id, trunk, 'pbx.example.com'))?.owner).toBe(distributor.id);
      expect((await values(customer.id, trunk, 'x.d.example'))?.['sipTrunk.port']).toBe('5061');
      expect(await values(customer.id, trunk, 'attacker.example')).toBeUndefined();
      // The reseller's (the descendant's) own list does not widen the owner's.
      expect((await patch(reseller, ['attacker.example'])).status).toBe(200);
      expect(await values(customer.id, trunk, 'attacker.example')).toBeUndefined();
      // numbers.* is not server-bound: no list involved.
      await putGroup(distributor, { 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' }, true);
      expect((await values(customer.id, numbers, 'attacker.example'))?.owner).toBe(distributor.id);
      // A distributor that drops its list stops giving the trunk.
      expect((await patch(distributor, null)).status).toBe(200);
      expect(await values(customer.id, trunk, 'pbx.example.com')).toBeUndefined();
    });

    it("keeps a run's group with the organization that first supplied it: keys read one by one are never mixed", async () => {
      const { distributor, customer } = await chain('pinned');
      const trunkValues = { 'sipTrunk.providerName': 'P', 'sipTrunk.host': 'sip.d.example', 'sipTrunk.account': 'd-account', 'sipTrunk.password': 'd-password' };
      await putGroup(distributor, trunkValues, true);
      expect((await app.request('PATCH', `/api/v1/organizations/${distributor.id}`, { key: distributor.key, body: { allowedServerHosts: ['pbx.example.com'] } })).status).toBe(200);
      const services = app.app.get(ExternalServicesFactory).forOrder({ organizationId: customer.id, serverUrl: 'https://pbx.example.com' });
      expect(await services.requireCredential(customer.id, 'sipTrunk.host')).toBe('sip.d.example');
      // The customer now stores a complete trunk of its own: this run must not take its password next to the distributor's host.
      await putGroup(customer, { ...trunkValues, 'sipTrunk.host': 'sip.attacker.example', 'sipTrunk.password': 'c-password' });
      const error = await services.requireCredential(customer.id, 'sipTrunk.password').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CREDENTIALS_CHANGED' });
      expect((error as Error).message).toBe('the sipTrunk.* credentials that apply to this order changed while it ran; retry the order');
      // A new run (a retry) takes the customer's own group.
      const next = app.app.get(ExternalServicesFactory).forOrder({ organizationId: customer.id, serverUrl: 'https://pbx.example.com' });
      expect(await next.requireCredential(customer.id, 'sipTrunk.password')).toBe('c-password');
      // The services of one order never answer for another organization.
      await expect(next.requireCredential(distributor.id, 'sipTrunk.password')).rejects.toThrow(/asked for an order of organization/);
    });

    it('decrypts only the values of the organization that supplies the group', async () => {
      const { distributor, reseller, customer } = await chain('decrypt');
      await putGroup(distributor, { 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' }, true);
      await putGroup(reseller, { 'numbers.url': 'https://r.example', 'numbers.apiKey': 'r-secret' }, true);
      const box = app.app.get(SecretBox);
      const open = vi.spyOn(box, 'open');
      try {
        expect((await values(customer.id))?.owner).toBe(reseller.id);
        expect(open).toHaveBeenCalledTimes(2);
        expect(await values(customer.id, CREDENTIAL_GROUPS.park)).toBeUndefined();
        expect(open).toHaveBeenCalledTimes(2);
      } finally {
        open.mockRestore();
      }
    });

    it('never uses the rows of a disabled organization', async () => {
      const { distributor, reseller, customer } = await chain('disabled');
      await putGroup(distributor, { 'numbers.url': 'https://d.example', 'numbers.apiKey': 'd-secret' }, true);
      await putGroup(reseller, { 'numbers.url': 'https://r.example', 'numbers.apiKey': 'r-secret' }, true);
      await putGroup(customer, { 'only.customer': 'customer-only' });
      expect((await values(customer.id))?.owner).toBe(reseller.id);
      expect(await credentials.resolveOwn(customer.id, 'only.customer')).toBe('customer-only');
      expect((await app.request('DELETE', `/api/v1/organizations/${reseller.id}`, { key: distributor.key })).status).toBe(204);
      expect((await values(customer.id))?.owner).toBe(distributor.id);
      expect(await credentials.resolveOwn(customer.id, 'only.customer')).toBeUndefined();
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
      await expect(credentials.resolveOwn(b.id, 'sipTrunk.password')).rejects.toThrow(SecretBoxError);
      // ... nor under another key name of A.
      await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE organization_id = $2 AND key = $3', [
        rowA.sealed_value,
        a.id,
        'sipTrunk.account',
      ]);
      await expect(credentials.resolveOwn(a.id, 'sipTrunk.account')).rejects.toThrow(/failed authentication/);
      // ... nor when the row is re-pointed at B (organization_id changed).
      await app.dataSource.query('UPDATE credentials SET organization_id = $1, key = $2 WHERE id = $3', [b.id, 'moved', rowA.id]);
      await expect(credentials.resolveOwn(b.id, 'moved')).rejects.toThrow(SecretBoxError);
      await app.dataSource.query('UPDATE credentials SET organization_id = $1, key = $2 WHERE id = $3', [a.id, 'sipTrunk.password', rowA.id]);
      expect(await credentials.resolveOwn(a.id, 'sipTrunk.password')).toBe('password-of-a');

      // One changed character of the ciphertext.
      const last = rowA.sealed_value.at(-3) === 'A' ? 'B' : 'A';
      const tampered = `${rowA.sealed_value.slice(0, -3)}${last}${rowA.sealed_value.slice(-2)}`;
      await app.dataSource.query('UPDATE credentials SET sealed_value = $1 WHERE id = $2', [tampered, rowA.id]);
      const error = await credentials.resolveOwn(a.id, 'sipTrunk.password').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as Error).message).not.toContain('password-of-a');
    });
  });
});
