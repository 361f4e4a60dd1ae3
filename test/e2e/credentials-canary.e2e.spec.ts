import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBoxError } from '../../src/common/crypto/secret-box.js';
import { CREDENTIAL_GROUPS } from '../../src/credentials/credential.groups.js';
import { CredentialsService, MissingCredentialError } from '../../src/credentials/credentials.service.js';
import { buildTree, createOrganization, type Tree } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type RequestOptions, type TestApp, type TestResponse } from '../support/test-app.js';

/**
 * "No endpoint, error message or log line ever contains a value": canary values are stored under
 * several keys and organizations, every credentials endpoint is called (errors included, with
 * canaries in the rejected requests), and every response and the whole log (at trace level) are
 * scanned for them.
 */
describe('credential values never leave the service', () => {
  let app: TestApp;
  let tree: Tree;
  const canaries: string[] = [];
  const responses: { what: string; response: TestResponse }[] = [];
  const canary = () => {
    const value = `canary-${randomBytes(12).toString('hex')}`;
    canaries.push(value);
    return value;
  };
  const call = async (what: string, method: string, path: string, options: RequestOptions, status: number) => {
    const response = await app.request(method, path, options);
    responses.push({ what, response });
    expect(response.status, `${what}: ${response.text}`).toBe(status);
    return response;
  };
  const creds = (orgId: number | string, key = '') => `/api/v1/organizations/${orgId}/credentials${key ? `/${key}` : ''}`;

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'trace' });
    tree = await buildTree(app, 'canary');
  });
  afterAll(() => app?.close());

  it('stores canaries and calls every endpoint, errors included', async () => {
    const { self, parent, child, unrelated, disabled } = tree;
    // Stores and replaces, on several organizations and keys.
    await call('put own', 'PUT', creds(self.id, 'sipTrunk.password'), { key: self.key, body: { value: canary() } }, 204);
    await call('replace', 'PUT', creds(self.id, 'sipTrunk.password'), { key: self.key, body: { value: canary() } }, 204);
    await call('put parent', 'PUT', creds(parent.id, 'numbers.apiKey'), { key: parent.key, body: { value: canary(), inherit: true } }, 204);
    await call('put parent url', 'PUT', creds(parent.id, 'numbers.url'), { key: parent.key, body: { value: canary() } }, 204);
    await call('share parent url', 'PATCH', creds(parent.id, 'numbers.url'), { key: parent.key, body: { inherit: true } }, 200);
    await call('put child', 'PUT', creds(child.id, 'numbers.apiKey'), { key: child.key, body: { value: canary() } }, 204);
    await call('put by ancestor', 'PUT', creds(child.id, 'redirection.password'), { key: ROOT_KEY, body: { value: canary() } }, 204);
    await call('put root', 'PUT', creds(tree.root.id, 'redirection.password'), { key: ROOT_KEY, body: { value: canary() } }, 204);

    // Lists.
    for (const org of [self, parent, child, tree.root]) {
      await call(`list ${org.name}`, 'GET', creds(org.id), { key: org.key }, 200);
    }
    await call('list descendant', 'GET', creds(child.id), { key: ROOT_KEY }, 200);
    await call('list disabled', 'GET', creds(disabled.id), { key: self.key }, 200);

    // Rejected writes, each carrying a canary.
    await call('bad key', 'PUT', creds(self.id, '1bad'), { key: self.key, body: { value: canary() } }, 400);
    await call('too long', 'PUT', creds(self.id, 'long'), { key: self.key, body: { value: `${canary()}${'x'.repeat(4096)}` } }, 400);
    await call('array', 'PUT', creds(self.id, 'arr'), { key: self.key, body: { value: [canary()] } }, 400);
    await call('object', 'PUT', creds(self.id, 'obj'), { key: self.key, body: { value: { nested: canary() } } }, 400);
    await call('extra property', 'PUT', creds(self.id, 'extra'), { key: self.key, body: { value: canary(), other: canary() } }, 400);
    await call('out of scope', 'PUT', creds(parent.id, 'x'), { key: self.key, body: { value: canary() } }, 404);
    await call('unrelated', 'PUT', creds(unrelated.id, 'x'), { key: self.key, body: { value: canary() } }, 404);
    await call('no such org', 'PUT', creds(999_999, 'x'), { key: ROOT_KEY, body: { value: canary() } }, 404);
    await call('bad id', 'PUT', creds('abc', 'x'), { key: ROOT_KEY, body: { value: canary() } }, 400);
    await call('disabled', 'PUT', creds(disabled.id, 'x'), { key: self.key, body: { value: canary() } }, 409);
    await call('no key', 'PUT', creds(self.id, 'x'), { body: { value: canary() } }, 401);
    await call('revoked key', 'PUT', creds(self.id, 'x'), { key: tree.revokedKey, body: { value: canary() } }, 401);
    await call('text body', 'PUT', creds(self.id, 'x'), { key: self.key, rawBody: canary(), headers: { 'content-type': 'text/plain' } }, 400);
    await call('malformed json', 'PUT', creds(self.id, 'x'), {
      key: self.key,
      rawBody: `{"value": ${canary()}}`,
      headers: { 'content-type': 'application/json' },
    }, 400);
    await call('too large', 'PUT', creds(self.id, 'x'), { key: self.key, body: { value: `${canary()}${'x'.repeat(1_100_000)}` } }, 413);
    const full = await createOrganization(app, self.key, 'canary full', self.id);
    for (let i = 0; i < 100; i++) {
      expect((await app.request('PUT', creds(full.id, `k${i}`), { key: full.key, body: { value: 'filler' } })).status).toBe(204);
    }
    await call('over the limit', 'PUT', creds(full.id, 'one.more'), { key: full.key, body: { value: canary() } }, 409);

    // Inherit flag changes, and their refusals.
    await call('patch', 'PATCH', creds(self.id, 'sipTrunk.password'), { key: self.key, body: { inherit: true } }, 200);
    await call('patch not set', 'PATCH', creds(self.id, 'not.set'), { key: self.key, body: { inherit: true } }, 404);
    await call('patch bad body', 'PATCH', creds(self.id, 'sipTrunk.password'), { key: self.key, body: { inherit: canary() } }, 400);
    await call('patch with value', 'PATCH', creds(self.id, 'sipTrunk.password'), { key: self.key, body: { inherit: true, value: canary() } }, 400);
    await call('patch out of scope', 'PATCH', creds(parent.id, 'numbers.apiKey'), { key: self.key, body: { inherit: false } }, 404);
    await call('patch disabled', 'PATCH', creds(disabled.id, 'x'), { key: self.key, body: { inherit: true } }, 409);

    // Deletes.
    await call('delete', 'DELETE', creds(child.id, 'numbers.apiKey'), { key: child.key }, 204);
    await call('delete again', 'DELETE', creds(child.id, 'numbers.apiKey'), { key: child.key }, 404);
    await call('delete bad key', 'DELETE', creds(child.id, '-x'), { key: child.key }, 400);
    await call('delete out of scope', 'DELETE', creds(parent.id, 'numbers.apiKey'), { key: self.key }, 404);
    await call('delete disabled', 'DELETE', creds(disabled.id, 'x'), { key: self.key }, 409);

    // Resolution for a step, and its failures: the errors carry no value either.
    const service = app.app.get(CredentialsService);
    const target = { organizationId: child.id, serverHost: 'pbx.example.com' };
    // The parent's shared group, now that the child stores no numbers.* key of its own.
    expect(canaries).toContain((await service.requireGroup(target, CREDENTIAL_GROUPS.numbers)).values.get('numbers.apiKey'));
    const missing = await service.requireGroup(target, CREDENTIAL_GROUPS.park).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(MissingCredentialError);
    await app.dataSource.query(
      `UPDATE credentials SET sealed_value = (SELECT sealed_value FROM credentials WHERE organization_id = $1 AND key = 'sipTrunk.password')
        WHERE organization_id = $2 AND key = 'numbers.apiKey'`,
      [self.id, parent.id],
    );
    const swapped = await service.resolveGroup(target, CREDENTIAL_GROUPS.numbers).catch((e: unknown) => e);
    expect(swapped).toBeInstanceOf(SecretBoxError);
    for (const error of [missing, swapped] as Error[]) {
      for (const value of canaries) expect(`${error.message}\n${error.stack}`).not.toContain(value);
    }
  });

  it('no response body or header contains a canary', () => {
    expect(responses.length).toBeGreaterThan(30);
    for (const { what, response } of responses) {
      const lines: string[] = [];
      response.headers.forEach((value, name) => lines.push(`${name}: ${value}`));
      const headers = lines.join('\n');
      for (const value of canaries) {
        expect(response.text, what).not.toContain(value);
        expect(headers, what).not.toContain(value);
      }
    }
  });

  it('no log line contains a canary, and the database holds none in clear', async () => {
    const logs = app.logs();
    // The scan is not vacuous: the requests and the writes are in the log.
    expect(logs).toContain('credential \\"sipTrunk.password\\" stored for organization');
    expect(logs).toContain('/credentials/one.more');
    for (const value of canaries) expect(logs).not.toContain(value);

    const dump: { row: string }[] = await app.dataSource.query('SELECT row_to_json(c)::text AS row FROM credentials c');
    const text = dump.map((d) => d.row).join('\n');
    expect(text).toContain('v1.');
    for (const value of canaries) expect(text).not.toContain(value);
  });
});
