import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { RecordingProxy } from '../support/recording-proxy.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The attack of docs/security.md, "Credentials and inheritance": a child stores only URLs that point
 * at its own server and orders against its own Xelion server, hoping to be sent its parent's secrets
 * with them. Everything the child's servers receive goes through a recording proxy and is scanned.
 * Real HTTP, real database, the Xelion simulator behind the proxy.
 */
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));
const TOKEN = 'canary-inherit-tenant-token-51c2';

const PARENT = {
  numbersApiKey: 'canary-parent-numbers-apikey-7f3e',
  redirectionUser: 'canary-parent-redirection-user',
  redirectionPassword: 'canary-parent-redirection-pw-9a1d',
  trunkAccount: 'canary-parent-trunk-account-2b7c',
  trunkPassword: 'canary-parent-trunk-pw-e40f',
};
const PARENT_SECRETS = Object.values(PARENT);
const CHILD_NUMBERS_KEY = 'child-own-numbers-key';

let app: TestApp;
/** The parent's own services (number provider, redirection server). */
let parentSim: RunningSimulator;
/** The child's Xelion server and services; the child reaches it only through `childServer`. */
let childSim: RunningSimulator;
let childServer: RecordingProxy;
let parent: OrgWithKey;
let child: OrgWithKey;

const creds = (org: OrgWithKey, key = '') => `/api/v1/organizations/${org.id}/credentials${key ? `/${key}` : ''}`;

async function put(org: OrgWithKey, key: string, value: string, inherit?: boolean): Promise<void> {
  const response = await app.request('PUT', creds(org, key), { key: org.key, body: { value, ...(inherit === undefined ? {} : { inherit }) } });
  expect(response.status, response.text).toBe(204);
}

async function clear(org: OrgWithKey): Promise<void> {
  for (const { key } of (await app.request('GET', creds(org), { key: org.key })).body.data as { key: string }[]) {
    expect((await app.request('DELETE', creds(org, key), { key: org.key })).status).toBe(204);
  }
}

function provision(serverUrl = childServer.url) {
  return app.request('POST', '/api/v1/provision', {
    key: child.key,
    body: SMALL_OFFICE,
    headers: { 'Xelion-Server-Url': serverUrl, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': TOKEN },
  });
}

async function finished(id: number) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await app.request('GET', `/api/v1/orders/${id}`, { key: child.key });
    if (['COMPLETED', 'FAILED'].includes(response.body.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`order ${id} is still ${response.body.status} at ${response.body.currentStep}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function setHosts(org: OrgWithKey, allowedServerHosts: string[] | null) {
  return app.request('PATCH', `/api/v1/organizations/${org.id}`, { key: org.key, body: { allowedServerHosts } });
}

/** No parent secret in anything the child's server received, nor in what the child can read of its order. */
async function expectNoParentSecretAtTheChild(orderId: number): Promise<void> {
  const received = childServer.text();
  const visible = [
    (await app.request('GET', `/api/v1/orders/${orderId}`, { key: child.key })).text,
    (await app.request('GET', `/api/v1/orders/${orderId}/steps`, { key: child.key })).text,
  ].join('\n');
  for (const secret of PARENT_SECRETS) {
    expect(received, `the child's server received ${secret}`).not.toContain(secret);
    expect(visible).not.toContain(secret);
  }
}

beforeAll(async () => {
  parentSim = await startSimulator({
    port: 0,
    tenants: [{ name: 'unused', tokens: ['unused-token'] }],
    numbersApiKey: PARENT.numbersApiKey,
    redirectionUsername: PARENT.redirectionUser,
    redirectionPassword: PARENT.redirectionPassword,
  });
  childSim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN] }], numbersApiKey: CHILD_NUMBERS_KEY });
  childServer = await RecordingProxy.start(childSim.url);
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  parent = await createOrganization(app, ROOT_KEY, 'victim reseller');
  child = await createOrganization(app, parent.key, 'hostile sub-reseller', parent.id);
});
beforeEach(async () => {
  childSim.reset();
  childSim.addToken('pbx1', TOKEN);
  childServer.received.length = 0;
  await clear(parent);
  await clear(child);
  expect((await setHosts(parent, null)).status).toBe(200);
  expect((await setHosts(child, null)).status).toBe(200);
  // The parent shares everything it has with its descendants.
  await put(parent, 'numbers.url', `${parentSim.url}/numbers`, true);
  await put(parent, 'numbers.apiKey', PARENT.numbersApiKey, true);
  await put(parent, 'redirection.url', `${parentSim.url}/redirection`, true);
  await put(parent, 'redirection.username', PARENT.redirectionUser, true);
  await put(parent, 'redirection.password', PARENT.redirectionPassword, true);
  await put(parent, 'sipTrunk.providerName', 'Parent SIP', true);
  await put(parent, 'sipTrunk.host', 'sip.parent.example', true);
  await put(parent, 'sipTrunk.account', PARENT.trunkAccount, true);
  await put(parent, 'sipTrunk.password', PARENT.trunkPassword, true);
});
afterAll(async () => {
  await app?.close();
  await childServer?.close();
  await childSim?.close();
  await parentSim?.close();
});

describe("a child cannot make the service send its parent's secrets to its own servers", () => {
  it('URLs of its own without the rest of their groups: the order fails naming the missing key, before anything is sent', async () => {
    // The child cannot read its parent's credentials, as before.
    expect((await app.request('GET', creds(parent), { key: child.key })).status).toBe(404);
    await put(child, 'numbers.url', `${childServer.url}/numbers`);
    await put(child, 'redirection.url', `${childServer.url}/redirection`);

    const created = await provision();
    expect(created.status, created.text).toBe(201);
    const order = await finished(created.body.id);
    expect(order.status).toBe('FAILED');
    expect(order.error).toMatchObject({ code: 'MISSING_CREDENTIAL', step: null });
    expect(order.error.message).toContain('credential "numbers.apiKey" is not set for organization');
    expect(order.error.message).toContain('which stores other numbers.* keys');
    // Failed before any step: the child's servers received nothing at all.
    expect(childServer.received).toEqual([]);
    await expectNoParentSecretAtTheChild(order.id);

    // The same with only the redirection URL of its own: it names redirection.username.
    await clear(child);
    await put(child, 'redirection.url', `${childServer.url}/redirection`);
    const second = await finished((await provision()).body.id);
    expect(second.error).toMatchObject({ code: 'MISSING_CREDENTIAL' });
    expect(second.error.message).toContain('credential "redirection.username" is not set for organization');
    expect(childServer.received).toEqual([]);
  });

  it("a complete group of its own is used; the parent's shared groups go only to the parent's own URLs, its trunk to no unlisted server", async () => {
    await put(child, 'numbers.url', `${childServer.url}/numbers`);
    await put(child, 'numbers.apiKey', CHILD_NUMBERS_KEY);

    const failed = await finished((await provision()).body.id);
    // The trunk, which the parent gives to no server outside a list of its own, is missing: the order's
    // preflight says so before anything is reserved or written.
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'MISSING_CREDENTIAL', step: 'preflight' });
    expect(failed.error.message).toContain('credential "sipTrunk.providerName" is not set for organization');
    expect(childServer.received.filter((r) => r.url === '/numbers/v1/numbers/reservations')).toEqual([]);
    expect(childServer.received.some((r) => r.method !== 'GET' && r.url.startsWith('/api/v1/pbx1/'))).toBe(false);

    // With a trunk group of its own, the retried order reserves numbers with the child's own key, and
    // registers phones at the parent's server only.
    for (const [key, value] of Object.entries({ 'sipTrunk.providerName': 'Child SIP', 'sipTrunk.host': 'sip.child.example', 'sipTrunk.account': 'child', 'sipTrunk.password': 'child-trunk-password' })) {
      await put(child, key, value);
    }
    const retried = await app.request('POST', `/api/v1/orders/${failed.id}/retry`, { key: child.key });
    expect(retried.status, retried.text).toBe(200);
    const order = await finished(failed.id);
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    const reservations = childServer.received.filter((r) => r.url === '/numbers/v1/numbers/reservations');
    expect(reservations.length).toBeGreaterThan(0);
    for (const reservation of reservations) expect(reservation.headers.authorization).toBe(`Bearer ${CHILD_NUMBERS_KEY}`);
    expect(childServer.received.some((r) => r.url.startsWith('/api/v1/pbx1/'))).toBe(true);
    expect(childServer.received.some((r) => r.url.startsWith('/redirection'))).toBe(false);
    expect(order.result?.numbersAllocated?.length ?? 0).toBeGreaterThan(0);
    await expectNoParentSecretAtTheChild(order.id);
  });

  it("the parent's allowedServerHosts binds its subtree; the child cannot widen it", async () => {
    expect((await setHosts(parent, ['pbx.parent.example', '*.parent.example'])).status).toBe(200);
    const refused = await provision();
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].field).toBe('Xelion-Server-Url');
    expect(refused.body.message).toBe(
      `Xelion-Server-Url header is not acceptable: its host "127.0.0.1" is not in the allowedServerHosts of organization ${parent.id}; ` +
        "an order's server must be allowed by the list of its organization and of every ancestor that has one",
    );
    expect((await setHosts(child, ['127.0.0.1'])).status).toBe(200);
    expect((await provision()).status).toBe(400);
    expect((await app.request('GET', '/api/v1/orders', { key: child.key })).body.data.every((o: { status: string }) => o.status !== 'NOT_STARTED')).toBe(true);
    expect(childServer.received).toEqual([]);
  });

  it('a retry to a server the lists no longer allow is a 400 naming Xelion-Server-Url', async () => {
    await put(child, 'numbers.url', `${childServer.url}/numbers`);
    const failed = await finished((await provision()).body.id);
    expect(failed.status).toBe('FAILED');
    expect((await setHosts(parent, ['pbx.parent.example'])).status).toBe(200);
    const retry = await app.request('POST', `/api/v1/orders/${failed.id}/retry`, { key: child.key });
    expect(retry.status).toBe(400);
    expect(retry.body.details[0].field).toBe('Xelion-Server-Url');
    expect(retry.body.message).toContain(`is not in the allowedServerHosts of organization ${parent.id}`);
    expect((await app.request('GET', `/api/v1/orders/${failed.id}`, { key: child.key })).body.status).toBe('FAILED');
  });

  it("the parent's trunk is sent to a server the parent lists, and only then", async () => {
    await put(child, 'numbers.url', `${childServer.url}/numbers`);
    await put(child, 'numbers.apiKey', CHILD_NUMBERS_KEY);
    expect((await setHosts(parent, ['127.0.0.1'])).status).toBe(200);
    const order = await finished((await provision()).body.id);
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    const trunk = childServer.received.find((r) => r.method === 'POST' && r.url.startsWith('/api/v1/pbx1/trunks'));
    expect(trunk?.body).toContain(PARENT.trunkPassword);
  });
});
