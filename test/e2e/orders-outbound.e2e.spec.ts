import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Server and callback URLs may not resolve to internal addresses unless OUTBOUND_ALLOW_PRIVATE=true
 *. Its own file: one application per process (the API key strategy is process-wide).
 */
const CONFIG = { version: 1, organization: { name: 'Fairy Tail' } };
const headers = (extra: Record<string, string>) => ({
  'Xelion-Server-Url': 'http://93.184.215.14',
  'Xelion-Tenant-Name': 'pbx1',
  'Xelion-Tenant-Token': 'token-outbound',
  ...extra,
});

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ EXECUTOR_ENABLED: 'false', OUTBOUND_ALLOW_PRIVATE: 'false' });
});
afterAll(() => app?.close());

it.each([
  ['Xelion-Server-Url', 'http://10.0.0.1'],
  ['Xelion-Server-Url', 'http://127.0.0.1:8080'],
  ['Xelion-Server-Url', 'http://[::1]'],
  ['X-Callback-Url', 'http://169.254.169.254/latest'],
  ['X-Callback-Url', 'http://192.168.1.10/hook'],
])('refuses %s %s: a 400 naming the header', async (header, url) => {
  const response = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: CONFIG, headers: headers({ [header]: url }) });
  expect(response.status, response.text).toBe(400);
  expect(response.body.message).toMatch(new RegExp(`^${header} header is not acceptable: .*internal address`));
  expect(response.body.details[0].field).toBe(header);
});

it.each(['Xelion-Server-Url', 'X-Callback-Url'])('refuses %s with a host name that resolves inside, without saying where it points', async (header) => {
  const response = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: CONFIG, headers: headers({ [header]: 'http://localhost:8080/x' }) });
  expect(response.status, response.text).toBe(400);
  expect(response.body.message).toMatch(new RegExp(`^${header} header is not acceptable: the host localhost is not allowed`));
  expect(response.text).not.toMatch(/127\.0\.0\.1|::1|loopback/);
});

it('accepts public addresses', async () => {
  const response = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: CONFIG, headers: headers({ 'X-Callback-Url': 'https://93.184.215.14/hook' }) });
  expect(response.status, response.text).toBe(201);
});
