import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_PATTERN } from '../../src/organizations/api-key.token.js';
import { buildTree, createApiKey, createOrganization, type Tree } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

let app: TestApp;
let tree: Tree;

beforeAll(async () => {
  app = await startTestApp();
  tree = await buildTree(app, 'orgs');
});
afterAll(() => app?.close());

describe('organizations', () => {
  it('creates below the caller by default, below a descendant when parentId names one', async () => {
    const own = await app.request('POST', '/api/v1/organizations', { key: tree.parent.key, body: { name: '  Padded  ' } });
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ name: 'Padded', parentId: tree.parent.id, disabled: false });
    const deeper = await app.request('POST', '/api/v1/organizations', { key: tree.parent.key, body: { name: 'Deeper', parentId: tree.self.id } });
    expect(deeper.body.parentId).toBe(tree.self.id);
  });

  it('refuses a parent outside the subtree as if it did not exist', async () => {
    const response = await app.request('POST', '/api/v1/organizations', { key: tree.self.key, body: { name: 'x', parentId: tree.sibling.id } });
    expect(response.status).toBe(404);
    expect(response.body.message).toBe(`organization ${tree.sibling.id} not found`);
  });

  it('refuses a disabled parent', async () => {
    const response = await app.request('POST', '/api/v1/organizations', { key: tree.self.key, body: { name: 'x', parentId: tree.disabled.id } });
    expect(response.status).toBe(409);
  });

  it('validates bodies strictly and names every field', async () => {
    const response = await app.request('POST', '/api/v1/organizations', {
      key: ROOT_KEY,
      body: { name: '', parentId: '3', extra: true },
    });
    expect(response.status).toBe(400);
    const fields = response.body.details.map((detail: { field: string }) => detail.field).sort();
    expect(fields).toEqual(expect.arrayContaining(['extra', 'name', 'parentId']));
    const long = await app.request('PATCH', `/api/v1/organizations/${tree.self.id}`, { key: ROOT_KEY, body: { name: 'x'.repeat(101) } });
    expect(long.status).toBe(400);
  });

  it('answers malformed JSON and bad ids with 400, never 500', async () => {
    const broken = await app.request('POST', '/api/v1/organizations', {
      key: ROOT_KEY,
      rawBody: '{"name":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.message).toMatch(/JSON/);
    for (const id of ['abc', '0', '-1', '99999999999', '1.5']) {
      const response = await app.request('GET', `/api/v1/organizations/${id}`, { key: ROOT_KEY });
      expect(response.status, id).toBe(400);
      expect(response.body.message).toBe('id must be a positive integer');
    }
    const missing = await app.request('GET', '/api/v1/organizations/2147483647', { key: ROOT_KEY });
    expect(missing.status).toBe(404);
  });

  it('lists the subtree, itself included, newest first, in stable pages', async () => {
    const branch = await createOrganization(app, ROOT_KEY, 'branch');
    const created: number[] = [];
    for (let i = 0; i < 7; i++) created.push((await createOrganization(app, branch.key, `leaf ${i}`)).id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = await app.request('GET', `/api/v1/organizations${query}`, { key: branch.key });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((org: { id: number }) => org.id));
      if (pages === 0) {
        // Inserted between pages: must not shift later pages or appear in them.
        await createOrganization(app, branch.key, 'late');
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual([...created].reverse().concat(branch.id));
    expect(pages).toBe(3);
  });

  it('rejects bad list parameters', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=abc', 'cursor=nonsense', 'other=1']) {
      const response = await app.request('GET', `/api/v1/organizations?${query}`, { key: ROOT_KEY });
      expect(response.status, query).toBe(400);
    }
  });

  it('disables a whole subtree at once; ancestors still read it; keys stop working', async () => {
    const top = await createOrganization(app, ROOT_KEY, 'doomed');
    const below = await createOrganization(app, top.key, 'doomed child');
    expect((await app.request('GET', '/api/v1/organizations/me', { key: below.key })).status).toBe(200);
    expect((await app.request('DELETE', `/api/v1/organizations/${top.id}`, { key: ROOT_KEY })).status).toBe(204);
    for (const key of [top.key, below.key]) {
      const refused = await app.request('GET', '/api/v1/organizations/me', { key });
      expect(refused.status).toBe(401);
      expect(refused.body.message).toBe("API key's organization has been disabled");
    }
    const read = await app.request('GET', `/api/v1/organizations/${below.id}`, { key: ROOT_KEY });
    expect(read.body.disabled).toBe(true);
    const newKey = await app.request('POST', `/api/v1/organizations/${below.id}/api-keys`, { key: ROOT_KEY, body: {} });
    expect(newKey.status).toBe(409);
  });

  it('does not let an organization disable itself', async () => {
    const response = await app.request('DELETE', `/api/v1/organizations/${tree.self.id}`, { key: tree.self.key });
    expect(response.status).toBe(409);
  });
});

describe('API keys', () => {
  it('shows a new key once, in a recognisable format, and never again', async () => {
    const created = await app.request('POST', `/api/v1/organizations/${tree.self.id}/api-keys`, {
      key: tree.self.key,
      body: { name: 'ci', expiresAt: '2099-01-01T00:00:00Z' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(API_KEY_PATTERN);
    expect(created.body.prefix).toBe(created.body.key.slice(0, 10));
    expect(created.body.expiresAt).toBe('2099-01-01T00:00:00.000Z');
    const list = await app.request('GET', `/api/v1/organizations/${tree.self.id}/api-keys`, { key: tree.self.key });
    expect(list.text).not.toContain(created.body.key);
    const listed = list.body.data.find((key: { id: number }) => key.id === created.body.id);
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);
    expect(app.logs()).not.toContain(created.body.key);
  });

  it('records when a key was last used', async () => {
    const key = await createApiKey(app, tree.self.key, tree.self.id, { name: 'used' });
    await app.request('GET', '/api/v1/organizations/me', { key });
    await expect
      .poll(async () => {
        const list = await app.request('GET', `/api/v1/organizations/${tree.self.id}/api-keys`, { key: tree.self.key });
        return list.body.data.find((k: { name: string }) => k.name === 'used').lastUsedAt;
      })
      .not.toBeNull();
  });

  it('refuses an expiry in the past and a malformed one', async () => {
    for (const expiresAt of ['2000-01-01T00:00:00Z', 'tomorrow', 5]) {
      const response = await app.request('POST', `/api/v1/organizations/${tree.self.id}/api-keys`, { key: tree.self.key, body: { expiresAt } });
      expect(response.status).toBe(400);
      expect(response.body.details[0].field).toBe('expiresAt');
    }
  });

  it('says why a key is refused, without telling anything about other keys', async () => {
    const cases: [string | undefined, string][] = [
      [undefined, 'Missing X-Auth-Key header: send an API key'],
      ['xpk_notavalidkeyatall', 'Unknown API key'],
      ['xpk_000000000000000000000000000000000000000000', 'Unknown API key'],
      ['some-operator-chosen-key-that-does-not-exist', 'Unknown API key'],
      [tree.revokedKey, 'API key has been revoked'],
      [tree.expiredKey, 'API key has expired'],
    ];
    for (const [key, message] of cases) {
      const response = await app.request('GET', '/api/v1/organizations/me', { key });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ statusCode: 401, error: 'Unauthorized', message });
    }
  });

  it('refuses a revoked key on its very next request', async () => {
    const key = await createApiKey(app, tree.self.key, tree.self.id, { name: 'short-lived' });
    expect((await app.request('GET', '/api/v1/organizations/me', { key })).status).toBe(200);
    const list = await app.request('GET', `/api/v1/organizations/${tree.self.id}/api-keys?limit=200`, { key: tree.self.key });
    const id = list.body.data.find((k: { name: string }) => k.name === 'short-lived').id;
    expect((await app.request('DELETE', `/api/v1/organizations/${tree.self.id}/api-keys/${id}`, { key })).status).toBe(204);
    expect((await app.request('GET', '/api/v1/organizations/me', { key })).status).toBe(401);
    const again = await app.request('DELETE', `/api/v1/organizations/${tree.self.id}/api-keys/999999`, { key: tree.self.key });
    expect(again.status).toBe(404);
  });
});

describe('errors and request ids', () => {
  it('returns the caller-provided request id, or a new one', async () => {
    const given = await app.request('GET', '/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const bad = await app.request('GET', '/health', { headers: { 'x-request-id': 'has spaces and <html>' } });
    expect(bad.headers.get('x-request-id')).not.toBe('has spaces and <html>');
  });

  it('answers unknown routes in the one error shape', async () => {
    const response = await app.request('GET', '/api/v1/nothing-here', { key: ROOT_KEY });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    expect(response.headers.get('x-request-id')).toBeTruthy();
  });

  it('writes the request id into the log line of the request', async () => {
    await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY, headers: { 'x-request-id': 'find-me-in-logs' } });
    const line = app
      .logs()
      .split('\n')
      .find((l) => l.includes('find-me-in-logs'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ reqId: 'find-me-in-logs', organizationId: 1, statusCode: 200 });
  });
});
