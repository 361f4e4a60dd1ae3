import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewrapSealedColumns } from '../../src/common/crypto/rewrap.js';
import { SEALED_COLUMNS } from '../../src/common/crypto/sealed-column.registry.js';
import { keyId, SecretBox } from '../../src/common/crypto/secret-box.js';
import { ORDER_HEADERS } from '../support/authorization-matrix.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** `npm run cli -- rewrap` covers every secret the service keeps, not only credentials. */
describe('rewrap of every sealed column', () => {
  const KEY_A = randomBytes(32);
  const KEY_B = randomBytes(32);
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ ENCRYPTION_KEY: KEY_A.toString('base64'), EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false' });
  });
  afterAll(() => app?.close());

  it('re-seals credentials, tenant tokens, master tokens and webhook secrets under the new key', async () => {
    const me = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body;
    expect((await app.request('PUT', `/api/v1/organizations/${me.id}/credentials/numbers.apiKey`, { key: ROOT_KEY, body: { value: 'v' } })).status).toBe(204);
    const secret = await app.request('GET', `/api/v1/organizations/${me.id}/webhook-secret`, { key: ROOT_KEY });
    expect(secret.status).toBe(200);
    const order = await app.request('POST', '/api/v1/provision', {
      key: ROOT_KEY,
      body: { version: 1, organization: { name: 'Rewrap' } },
      headers: ORDER_HEADERS,
    });
    expect(order.status).toBe(201);
    const { 'xelion-tenant-token': _tenantToken, ...serverAndName } = ORDER_HEADERS;
    const parkOrder = await app.request('POST', '/api/v1/provision', {
      key: ROOT_KEY,
      body: { version: 1, organization: { name: 'Rewrap park' } },
      headers: { ...serverAndName, 'Xelion-Master-Token': 'rewrap-master-token' },
    });
    expect(parkOrder.status, parkOrder.text).toBe(201);

    const sealedValues = async () => {
      const values: { column: string; sealed: string; aad: string }[] = [];
      // Every sealed value, read as its feature reads it (with its AAD): those not under KEY_B, then those
      // not under KEY_A; here every value is under one of the two.
      for (const column of SEALED_COLUMNS.columns) {
        const read = (pattern: string) => app.dataSource.transaction((tx) => column.lockStale(tx, 0, pattern, 1000));
        for (const value of await read(`v1.${keyId(KEY_B)}.%`)) values.push({ column: `${column.table}.${column.column}`, sealed: value.sealed, aad: value.aad });
        for (const value of await read(`v1.${keyId(KEY_A)}.%`)) values.push({ column: `${column.table}.${column.column}`, sealed: value.sealed, aad: value.aad });
      }
      return values;
    };
    const before = await sealedValues();
    expect(before.map((value) => value.column).sort()).toEqual(['credentials.sealed_value', 'orders.master_token_sealed', 'orders.tenant_token_sealed', 'webhook_secrets.secret_sealed']);
    expect(before.every((value) => value.sealed.split('.')[1] === keyId(KEY_A))).toBe(true);

    const result = await rewrapSealedColumns(app.dataSource, new SecretBox(KEY_B, [KEY_A]), SEALED_COLUMNS.columns);
    expect(result).toMatchObject({ resealed: 4, failed: 0, complete: true });

    const after = await sealedValues();
    const onlyB = new SecretBox(KEY_B, []);
    const oldBox = new SecretBox(KEY_A, []);
    for (const value of after) {
      expect(value.sealed.split('.')[1], value.column).toBe(keyId(KEY_B));
      const plain = onlyB.open(value.sealed, value.aad);
      const original = before.find((b) => b.column === value.column)!;
      expect(plain).toBe(oldBox.open(original.sealed, original.aad));
    }
    const webhookSecret = after.find((value) => value.column === 'webhook_secrets.secret_sealed')!;
    expect(onlyB.open(webhookSecret.sealed, webhookSecret.aad)).toBe(secret.body.secret);
  });
});
