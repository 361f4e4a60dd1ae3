import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExecutorService } from '../../src/provisioning/executor.service.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { defaultPark, type ParkSeed } from '../../tools/xelion-simulator/park.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { request, ROOT_KEY, startOtherInstance, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Park orders (docs/provisioning.md, "Park orders") over real HTTP: the service, the simulator with a
 * park behind its master tenant (docs/xelion-contract.md, "The master tenant"), a real database.
 */
const ADMIN = { userName: 'park-admin', password: 'park-admin-password' };
const VIEWER = { userName: 'park-viewer', password: 'park-viewer-password' };

const CONFIGURATION = {
  version: 1,
  organization: { name: 'Park Office' },
  users: [
    { email: 'ann@park.example', firstName: 'Ann', lastName: 'Park', internalNumber: '201' },
    { email: 'bob@park.example', firstName: 'Bob', lastName: 'Park', internalNumber: '202', phones: [{ macAddress: '0200000000A1', model: 'Yealink T54W' }] },
  ],
  departments: [{ name: 'Sales', internalNumbers: ['300'], users: ['ann@park.example', 'bob@park.example'] }],
};

let sim: RunningSimulator;
let app: TestApp;
let alpha: OrgWithKey;
let beta: OrgWithKey;

/** A master-tenant session, as a reseller gets it (POST /me/login on the master tenant). */
async function masterToken(credentials = ADMIN, server = sim): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/master/me/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...credentials, userSpace: `test-${Math.random()}` }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { authentication: string }).authentication;
}

function provision(org: OrgWithKey, headers: Record<string, string>, body: unknown = CONFIGURATION, server = sim, target = app) {
  return target.request('POST', '/api/v1/provision', { key: org.key, body, headers: { 'Xelion-Server-Url': server.url, ...headers } });
}

async function finished(org: OrgWithKey, id: number, target: { baseUrl: string } = app) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await request(target.baseUrl, 'GET', `/api/v1/orders/${id}`, { key: org.key });
    if (['COMPLETED', 'FAILED'].includes(response.body.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`order ${id} is still ${response.body.status} at ${response.body.currentStep}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The park as the master tenant holds it: every tenant's name, state and licence maxima. */
function parkState(server = sim) {
  return [...server.state.park!.tenants.values()].map((t) => ({
    databaseId: t.databaseId,
    commonName: t.commonName,
    name: t.subDatabaseName,
    active: t.active,
    status: t.statusEnum,
    licenses: Object.fromEntries(t.licenseCounts.map((c) => [c.name, c.max])),
  }));
}

const parkCalls = (route: string, server = sim) => server.state.park!.calls.get(route) ?? 0;

async function putCredential(org: OrgWithKey, key: string, value: string): Promise<void> {
  const response = await app.request('PUT', `/api/v1/organizations/${org.id}/credentials/${key}`, { key: org.key, body: { value } });
  expect(response.status, response.text).toBe(204);
}

beforeAll(async () => {
  sim = await startTestSimulator({ park: defaultPark() });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50', LEASE_SECONDS: '2' });
  alpha = await createOrganization(app, ROOT_KEY, 'Alpha Reseller');
  beta = await createOrganization(app, ROOT_KEY, 'Beta Reseller');
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});
beforeEach(async () => {
  // A fresh park each time, and so no record of tenants taken from the previous one.
  sim.reset();
  await app.dataSource.query(`DELETE FROM park_tenant_intents`);
});

describe('park orders', () => {
  it('takes a PRELOADED tenant, names, licenses and starts it, provisions it; the same request again takes no second tenant', async () => {
    const token = await masterToken();
    const headers = { 'Xelion-Tenant-Name': 'acme', 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=25, phone=20', 'Idempotency-Key': 'park-order-1' };
    const created = await provision(alpha, headers);
    expect(created.status, created.text).toBe(201);
    const order = await finished(alpha, created.body.id);
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    expect(order.tenant).toEqual({ serverUrl: sim.url, name: 'acme', source: 'park', databaseId: '12', licenses: { user: 25, phone: 20 } });

    const taken = parkState().find((t) => t.databaseId === 12)!;
    expect(taken).toEqual({ databaseId: 12, commonName: 'acme', name: 'acme', active: true, status: 'STARTED', licenses: { 'license.user': 25, 'license.phone': 20 } });
    expect(parkState().filter((t) => t.status === 'PRELOADED' && t.databaseId !== 10).map((t) => t.databaseId)).toEqual([13, 14]);
    // Provisioned like any tenant, through the session the order opened on it.
    const tenant = sim.dump('acme') as Record<string, Record<string, unknown>[]>;
    expect(tenant.users.map((u) => u.userName).sort()).toEqual(['ann@park.example', 'bob@park.example']);
    const steps = (await app.request('GET', `/api/v1/orders/${created.body.id}/steps`, { key: alpha.key })).body.data;
    expect(steps[0]).toMatchObject({ seq: 1, kind: 'tenant', status: 'DONE', output: { tenant: { databaseId: '12', name: 'acme' }, started: true } });
    expect(steps[1]).toMatchObject({ kind: 'preflight', status: 'DONE' });

    // The same request again: the same order, and nothing more taken or changed.
    const before = parkState();
    const again = await provision(alpha, headers);
    expect(again.status, again.text).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(parkState()).toEqual(before);
    expect(parkCalls('PATCH /tenants/{id}')).toBe(1);

    // A later order of the same organization for the same name provisions the same tenant again.
    const later = await provision(alpha, { 'Xelion-Tenant-Name': 'acme', 'Xelion-Master-Token': await masterToken() });
    expect(later.status, later.text).toBe(201);
    const second = await finished(alpha, later.body.id);
    expect(second.status, JSON.stringify(second.error)).toBe('COMPLETED');
    expect(second.tenant.databaseId).toBe('12');
    expect(parkState()).toEqual(before);
    const rows = await app.dataSource.query(`SELECT tenant_token_sealed, master_token_sealed FROM orders WHERE id = ANY($1::int[])`, [[created.body.id, later.body.id]]);
    expect(rows).toEqual([
      { tenant_token_sealed: null, master_token_sealed: null },
      { tenant_token_sealed: null, master_token_sealed: null },
    ]);
  });

  it('stored park.* credentials work without a token header; the master session the service opened is ended', async () => {
    await putCredential(beta, 'park.userName', ADMIN.userName);
    await putCredential(beta, 'park.password', ADMIN.password);
    try {
      const created = await provision(beta, { 'Xelion-Tenant-Name': 'beta-office' });
      expect(created.status, created.text).toBe(201);
      const order = await finished(beta, created.body.id);
      expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
      expect(order.tenant).toMatchObject({ source: 'park', databaseId: '12', licenses: null });
      expect(parkState().find((t) => t.databaseId === 12)).toMatchObject({ name: 'beta-office', active: true });
      expect(parkCalls('POST /me/login')).toBe(1);
      expect(parkCalls('POST /me/logout')).toBe(1);
      expect(app.logs()).not.toContain(ADMIN.password);
    } finally {
      for (const key of ['park.userName', 'park.password']) await app.request('DELETE', `/api/v1/organizations/${beta.id}/credentials/${key}`, { key: beta.key });
    }
  });

  it('an empty park fails with NO_TENANT_AVAILABLE and changes nothing', async () => {
    const seed: ParkSeed = defaultPark();
    seed.tenants = seed.tenants.filter((t) => t.statusEnum !== 'PRELOADED' || t.isTemplate);
    const empty = await startTestSimulator({ park: seed });
    try {
      const before = parkState(empty);
      const created = await provision(alpha, { 'Xelion-Tenant-Name': 'nowhere', 'Xelion-Master-Token': await masterToken(ADMIN, empty) }, CONFIGURATION, empty);
      expect(created.status, created.text).toBe(201);
      const order = await finished(alpha, created.body.id);
      expect(order.status).toBe('FAILED');
      expect(order.error).toMatchObject({ code: 'NO_TENANT_AVAILABLE', step: 'tenant' });
      expect(order.tenant.databaseId).toBeNull();
      expect(parkState(empty)).toEqual(before);
      expect(parkCalls('PATCH /tenants/{id}', empty) + parkCalls('POST /tenants/{id}/start', empty)).toBe(0);
    } finally {
      await empty.close();
    }
  });

  it("a master token that is not a master administrator's fails naming it and changes nothing; a retry with an administrator's token completes", async () => {
    const before = parkState();
    const created = await provision(alpha, { 'Xelion-Tenant-Name': 'viewer-made', 'Xelion-Master-Token': await masterToken(VIEWER) });
    expect(created.status, created.text).toBe(201);
    const order = await finished(alpha, created.body.id);
    expect(order.status).toBe('FAILED');
    expect(order.error).toMatchObject({ code: 'PARK_ACCESS_REFUSED', step: 'tenant', xelionErrorCode: 10101 });
    expect(order.error.message).toContain("not a master administrator's");
    expect(parkState()).toEqual(before);

    const tenantTokenRetry = await app.request('POST', `/api/v1/orders/${created.body.id}/retry`, { key: alpha.key, headers: { 'Xelion-Tenant-Token': 'whatever' } });
    expect(tenantTokenRetry.status).toBe(400);
    expect(tenantTokenRetry.body.message).toContain('park order');
    const retried = await app.request('POST', `/api/v1/orders/${created.body.id}/retry`, { key: alpha.key, headers: { 'Xelion-Master-Token': await masterToken() } });
    expect(retried.status, retried.text).toBe(200);
    const done = await finished(alpha, created.body.id);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    expect(parkState().filter((t) => t.name === 'viewer-made')).toHaveLength(1);
  });

  it('a retry after a later step failed logs in to the taken tenant again, in a new user space, and takes no second tenant', async () => {
    const withNumber = {
      ...CONFIGURATION,
      organization: { name: 'Park Office', centralPhoneNumber: { new: false, value: '+31152100000' } },
      users: [{ ...CONFIGURATION.users[0], externalNumber: { new: false, value: '+31152100000' } }, CONFIGURATION.users[1]],
    };
    const created = await provision(beta, { 'Xelion-Tenant-Name': 'retry-co', 'Xelion-Master-Token': await masterToken() }, withNumber);
    expect(created.status, created.text).toBe(201);
    // The tenant has no trunk and beta has no sipTrunk.* credentials: the preflight after the tenant step
    // (which checks the taken tenant) fails, before anything is written to the tenant.
    const failed = await finished(beta, created.body.id);
    expect(failed.error).toMatchObject({ code: 'MISSING_CREDENTIAL', step: 'preflight' });
    expect(parkCalls('POST /tenants/{id}/login')).toBe(1);
    const trunk = Object.entries(simulatorCredentials(sim)).filter(([key]) => key.startsWith('sipTrunk.'));
    for (const [key, value] of trunk) await putCredential(beta, key, value);
    try {
      const retried = await app.request('POST', `/api/v1/orders/${created.body.id}/retry`, { key: beta.key });
      expect(retried.status, retried.text).toBe(200);
      const done = await finished(beta, created.body.id);
      expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
      expect(done.tenant.databaseId).toBe('12');
      // The simulator refuses a second session in one user space (10005): the second login used a new one.
      expect(parkCalls('POST /tenants/{id}/login')).toBe(2);
      expect(parkCalls('PATCH /tenants/{id}')).toBe(1);
      expect(parkState().filter((t) => t.name === 'retry-co')).toHaveLength(1);
      expect(parkState().filter((t) => t.status === 'PRELOADED' && t.databaseId !== 10)).toHaveLength(2);
      const [step] = (await app.request('GET', `/api/v1/orders/${created.body.id}/steps`, { key: beta.key })).body.data;
      expect(step).toMatchObject({ kind: 'tenant', status: 'DONE', attempts: 2 });
    } finally {
      for (const [key] of trunk) await app.request('DELETE', `/api/v1/organizations/${beta.id}/credentials/${key}`, { key: beta.key });
    }
  });

  it('a master token the master tenant rejects: PARK_LOGIN_REJECTED, the token erased, a retry needs a new one', async () => {
    const before = parkState();
    const created = await provision(alpha, { 'Xelion-Tenant-Name': 'rejected-co', 'Xelion-Master-Token': 'master-session-long-expired' });
    expect(created.status, created.text).toBe(201);
    const order = await finished(alpha, created.body.id);
    expect(order.error).toMatchObject({ code: 'PARK_LOGIN_REJECTED', step: 'tenant' });
    expect(parkState()).toEqual(before);
    const [row] = await app.dataSource.query(`SELECT master_token_sealed FROM orders WHERE id = $1`, [created.body.id]);
    expect(row.master_token_sealed).toBeNull();
    const bare = await app.request('POST', `/api/v1/orders/${created.body.id}/retry`, { key: alpha.key });
    expect(bare.status, bare.text).toBe(400);
    expect(bare.body.details[0].field).toBe('Xelion-Master-Token');
    expect(app.logs()).not.toContain('master-session-long-expired');
  });

  it("a name carried by a tenant this service did not take for the organization: TENANT_NAME_IN_USE, nothing touched", async () => {
    // Tenant 11 is in use as customer-a; this service never took it.
    const before = parkState();
    const foreign = await provision(alpha, { 'Xelion-Tenant-Name': 'customer-a', 'Xelion-Master-Token': await masterToken() });
    const failed = await finished(alpha, foreign.body.id);
    expect(failed.error).toMatchObject({ code: 'TENANT_NAME_IN_USE', step: 'tenant' });
    expect(parkState()).toEqual(before);

    // Taken by this service for alpha: beta may not reach it by naming it.
    const mine = await provision(alpha, { 'Xelion-Tenant-Name': 'alpha-only', 'Xelion-Master-Token': await masterToken() });
    expect((await finished(alpha, mine.body.id)).status).toBe('COMPLETED');
    const taken = parkState();
    const calls = sim.calls('alpha-only').total;
    const intrusion = await provision(beta, { 'Xelion-Tenant-Name': 'alpha-only', 'Xelion-Master-Token': await masterToken() });
    const refused = await finished(beta, intrusion.body.id);
    expect(refused.status).toBe('FAILED');
    expect(refused.error).toMatchObject({ code: 'TENANT_NAME_IN_USE', step: 'tenant' });
    expect(refused.tenant.databaseId).toBeNull();
    expect(parkState()).toEqual(taken);
    expect(sim.calls('alpha-only').total).toBe(calls);
  });

  it('wrong header combinations and malformed licences are 400s naming the headers, before the body is looked at', async () => {
    const token = await masterToken();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ 'Xelion-Tenant-Token': 't', 'Xelion-Master-Token': token }, 'Xelion-Master-Token', /does not go with Xelion-Tenant-Token/],
      [{ 'Xelion-Tenant-Token': 't', 'Xelion-Tenant-Licenses': 'user=5' }, 'Xelion-Tenant-Licenses', /goes with Xelion-Master-Token or stored park/],
      [{}, 'Xelion-Tenant-Token', /is required, or Xelion-Master-Token/],
      [{ 'Xelion-Tenant-Licenses': 'user=5' }, 'Xelion-Tenant-Token', /is required, or Xelion-Master-Token/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=abc' }, 'Xelion-Tenant-Licenses', /count of "user" must be a whole number/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=-1' }, 'Xelion-Tenant-Licenses', /count of "user" must be a whole number/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=100001' }, 'Xelion-Tenant-Licenses', /from 0 to 100000/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=1, user=2' }, 'Xelion-Tenant-Licenses', /names licence "user" twice/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user' }, 'Xelion-Tenant-Licenses', /is not name=count/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': 'user=1,,phone=2' }, 'Xelion-Tenant-Licenses', /empty entry/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': '9lives=1' }, 'Xelion-Tenant-Licenses', /licence name "9lives"/],
      [{ 'Xelion-Master-Token': token, 'Xelion-Tenant-Licenses': '' }, 'Xelion-Tenant-Licenses', /is empty/],
    ];
    for (const [headers, field, message] of cases) {
      const response = await provision(alpha, { 'Xelion-Tenant-Name': 'combo', ...headers }, { version: 1, organization: {} });
      expect(response.status, `${JSON.stringify(headers)}: ${response.text}`).toBe(400);
      expect(response.body.message, JSON.stringify(headers)).toMatch(message);
      expect(response.body.details?.[0]?.field, JSON.stringify(headers)).toBe(field);
      expect(response.text).not.toContain(token);
    }
    // An organization that stores part of the park.* group: the missing key is named.
    await putCredential(beta, 'park.userName', ADMIN.userName);
    try {
      const partial = await provision(beta, { 'Xelion-Tenant-Name': 'combo' });
      expect(partial.status, partial.text).toBe(400);
      expect(partial.body.message).toContain('park.password');
    } finally {
      await app.request('DELETE', `/api/v1/organizations/${beta.id}/credentials/park.userName`, { key: beta.key });
    }
    const [{ n }] = await app.dataSource.query(`SELECT count(*)::int AS n FROM orders WHERE tenant_name = 'combo'`);
    expect(n).toBe(0);
  });

  it('tokens never appear in responses or logs', async () => {
    const token = await masterToken();
    const created = await provision(alpha, { 'Xelion-Tenant-Name': 'secretive', 'Xelion-Master-Token': token, 'Idempotency-Key': 'secretive-1' });
    const order = await finished(alpha, created.body.id);
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    const tenantTokens = [...sim.state.tenant('secretive').tokens];
    expect(tenantTokens.length).toBeGreaterThan(0);
    const visible = [
      created.text,
      (await app.request('GET', `/api/v1/orders/${created.body.id}`, { key: alpha.key })).text,
      (await app.request('GET', `/api/v1/orders/${created.body.id}/steps`, { key: alpha.key })).text,
      (await app.request('GET', `/api/v1/orders`, { key: alpha.key })).text,
    ].join('\n');
    for (const secret of [token, ...tenantTokens]) {
      expect(visible).not.toContain(secret);
      expect(app.logs()).not.toContain(secret);
    }
  });
});

describe('a crash during the tenant step', () => {
  it('the instance that takes the order over finds the tenant the order recorded and takes no second one', async () => {
    sim.setOptions({ latencyMs: 150 });
    const created = await provision(alpha, { 'Xelion-Tenant-Name': 'crash-co', 'Xelion-Master-Token': await masterToken(), 'Xelion-Tenant-Licenses': 'user=7' });
    expect(created.status, created.text).toBe(201);
    // Killed after the tenant was renamed, before it was started (the executor stops writing and calling, as in a crash).
    const deadline = Date.now() + 15_000;
    while (parkCalls('PATCH /tenants/{id}') === 0) {
      if (Date.now() > deadline) throw new Error('the tenant step never renamed a tenant');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const victim = app.app.get(ExecutorService);
    victim.halt();
    const [held] = await app.dataSource.query(`SELECT status, tenant_database_id FROM orders WHERE id = $1`, [created.body.id]);
    expect(held).toEqual({ status: 'IN_PROGRESS', tenant_database_id: '12' });
    expect(parkState().find((t) => t.databaseId === 12)).toMatchObject({ name: 'crash-co' });

    const rescuer = await startOtherInstance(app, { LEASE_SECONDS: '2' });
    try {
      const order = await finished(alpha, created.body.id, rescuer);
      sim.setOptions({ latencyMs: 0 });
      expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
      expect(order.tenant.databaseId).toBe('12');
      expect(parkState().filter((t) => t.status !== 'PRELOADED' || t.databaseId === 10).map((t) => [t.databaseId, t.name, t.active])).toEqual([
        [10, 'template', false],
        [11, 'customer-a', true],
        [12, 'crash-co', true],
      ]);
      expect(parkCalls('PATCH /tenants/{id}')).toBe(1);
      const [step] = (await request(rescuer.baseUrl, 'GET', `/api/v1/orders/${created.body.id}/steps`, { key: alpha.key })).body.data;
      expect(step).toMatchObject({ kind: 'tenant', status: 'DONE', attempts: 2 });
    } finally {
      await rescuer.close();
    }
  });
});
