import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { startSimulator, type RequestRecord, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { expectTenantMatches } from '../support/tenant-expectations.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Every example configuration provisioned against the strict simulator (which refuses whatever the
 * Xelion contract does not define): each order ends COMPLETED, the tenant equals the configuration with
 * no object twice, and every request the service sent is one of the kinds below — a new kind of
 * request fails here until docs/xelion-contract.md, the simulator and this list know it.
 */
const KNOWN_REQUESTS = new Set([
  'GET /server/version',
  'GET /me/info',
  'GET /addressables?limit&name&where=obj_type',
  'GET /addressables?include=givenName,familyName,telecomAddresses,employments&limit&where=obj_type',
  'GET /addressables/{oid}',
  'POST /addressables Organisation',
  'POST /addressables Person',
  'PATCH /addressables/{oid} replace /telecomAddresses',
  'PATCH /addressables/{oid} replace /addresses',
  'PATCH /addressables/{oid} replace /givenName',
  'PATCH /addressables/{oid} replace /familyName',
  'PATCH /addressables/{oid} add /employments/{vid}',
  'GET /users?include=person,primaryLine,xccRole,active&limit&where=userName',
  'GET /users?include=userName,person,primaryLine,xccRole,active&limit',
  'POST /users UserProfile',
  'PATCH /users/{oid} replace /xccRole',
  'PATCH /users/{oid} replace /active',
  'GET /phonelines?limit&name',
  'GET /phonelines?include=extensions,externalNumber,users,recordCalls,userPhoneLine.voicemailActive,phones,defaultFallback,dayNightMode&limit',
  'GET /phonelines/{oid}',
  'POST /phonelines XCCPhoneLine',
  'PATCH /phonelines/{oid} replace /commonName',
  'PATCH /phonelines/{oid} replace /externalNumber',
  'PATCH /phonelines/{oid} replace /recordCalls',
  'PATCH /phonelines/{oid} replace /defaultFallback',
  'PATCH /phonelines/{oid} replace /userPhoneLine/voicemailActive',
  'PATCH /phonelines/{oid} replace /dayNightMode',
  'PATCH /phonelines/{oid} add /extensions/{vid}',
  'PATCH /phonelines/{oid} add /users/{vid}',
  'PATCH /phonelines/{oid} replace /users/{vid}/incoming',
  'PATCH /phonelines/{oid} replace /users/{vid}/outgoing',
  'PATCH /phonelines/{oid} add /phones/{vid}',
  'GET /phones?include=provisioningInfo.macAddress,provisioningInfo.phoneType&limit&where=user',
  'GET /phones?include=provisioningInfo.macAddress,provisioningInfo.phoneType,user&limit',
  'POST /phones XCCPhone',
  'GET /trunks?include=assignedNumbers,defaultCallerNr&limit',
  'POST /trunks XCCTrunk',
  'PATCH /trunks/{oid} add /assignedNumbers/{vid}',
  'PATCH /trunks/{oid} replace /assignedNumbers/{vid}/line',
  'PATCH /trunks/{oid} replace /defaultCallerNr',
]);

const template = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/{oid}');

/** What kind of request this is: method, path template, query keys (with the where= field), PATCH operations, created type. */
function kindsOf(record: RequestRecord): string[] {
  const path = template(record.path);
  if (record.method === 'GET') {
    const query = new URLSearchParams(record.query);
    const keys = [...new Set([...query.keys()].filter((key) => key !== 'after'))].sort().map((key) => {
      if (key === 'where') return `where=${query.get('where')!.split('=')[0]}`;
      if (key === 'include') return `include=${query.get('include')}`;
      return key;
    });
    return [`GET ${path}${keys.length ? `?${keys.join('&')}` : ''}`];
  }
  const body = (record.body ?? {}) as { objectType?: string; operations?: { op: string; path: string }[] };
  if (record.method === 'POST') return [`POST ${path} ${body.objectType}`];
  if (record.method === 'PATCH') return (body.operations ?? []).map((op) => `PATCH ${path} ${op.op} ${op.path.replace(/\/\d+(?=\/|$)/g, '/{vid}')}`);
  return [`${record.method} ${path}`];
}

const example = (name: string) => JSON.parse(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'));

let sim: RunningSimulator;
let app: TestApp;
let tenants = 0;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function provisionOnNewTenant(configuration: unknown): Promise<{ order: any; tenant: string; token: string }> {
  tenants += 1;
  const tenant = `conformance${tenants}`;
  const token = `conformance-token-${tenants}-a81f`;
  sim.state.addTenant(tenant, [token]);
  return { order: await provision(configuration, tenant, token), tenant, token };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function provision(configuration: unknown, tenant: string, token: string, timeoutMs = 540_000): Promise<any> {
  const response = await app.request('POST', '/api/v1/provision', {
    key: ROOT_KEY,
    body: configuration,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': tenant, 'Xelion-Tenant-Token': token },
  });
  expect(response.status, response.text).toBe(201);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = await app.request('GET', `/api/v1/orders/${response.body.id}`, { key: ROOT_KEY });
    if (order.body.status === 'COMPLETED' || order.body.status === 'FAILED') return order.body;
    if (Date.now() > deadline) throw new Error(`order ${response.body.id} is still ${order.body.status} at ${order.body.currentStep}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function expectConformant(tenant: string): void {
  const records = sim.requests(tenant);
  expect(records.length).toBeGreaterThan(0);
  const refused = records.filter((r) => r.status >= 400 && r.status !== 429 && r.status < 500).map((r) => `${r.status} ${r.method} ${r.path}${r.query}`);
  expect(refused, 'requests the strict simulator refused').toEqual([]);
  const unknown = [...new Set(records.flatMap(kindsOf))].filter((kind) => !KNOWN_REQUESTS.has(kind));
  expect(unknown, 'kinds of request the contract does not list').toEqual([]);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [], recordRequests: true, seed: 7 });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  for (const [key, value] of Object.entries(simulatorCredentials(sim, 'conformance-trunk-password'))) {
    const put = await app.request('PUT', `/api/v1/organizations/${me.body.id}/credentials/${key}`, { key: ROOT_KEY, body: { value } });
    expect(put.status, put.text).toBe(204);
  }
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('provisioning against the strict simulator (the Xelion contract and nothing more)', () => {
  it('the request classifier tells kinds apart (a new kind is not in the list)', () => {
    const record = (method: string, path: string, query = '', body?: unknown): RequestRecord => ({ tenant: 't', method, path, query, body, agent: '', startedAt: 0, endedAt: 0, status: 200 });
    expect(kindsOf(record('GET', '/phones', '?where=user=1001&include=provisioningInfo.macAddress,provisioningInfo.phoneType&limit=100&after=1002'))).toEqual([
      'GET /phones?include=provisioningInfo.macAddress,provisioningInfo.phoneType&limit&where=user',
    ]);
    expect(kindsOf(record('PATCH', '/phonelines/1044', '', { operations: [{ op: 'add', path: '/phones/1', value: '1050' }] }))).toEqual(['PATCH /phonelines/{oid} add /phones/{vid}']);
    expect(KNOWN_REQUESTS.has(kindsOf(record('GET', '/phones', '?where=provisioningInfo.macAddress=80:5E:C0:12:34:56&limit=100'))[0])).toBe(false);
    expect(KNOWN_REQUESTS.has(kindsOf(record('PATCH', '/phones/1050', '', { operations: [{ op: 'replace', path: '/user', value: null }] }))[0])).toBe(false);
  });

  for (const name of ['minimal', 'small-office', 'company-200']) {
    it(`${name}: COMPLETED, the tenant equals the configuration, every request within the contract`, { timeout: 300_000 }, async () => {
      const { order, tenant } = await provisionOnNewTenant(example(name));
      expect(order.error, JSON.stringify(order.error)).toBeNull();
      expect(order.status).toBe('COMPLETED');
      expectTenantMatches(sim.dump(tenant) as never, order.configuration, order.result);
      expectConformant(tenant);
    });
  }

  // About a minute on a quiet two-core machine; the bound leaves room for a loaded one.
  it('company-2000: COMPLETED, the tenant equals the configuration, every request within the contract', { timeout: 600_000 }, async () => {
    const { order, tenant } = await provisionOnNewTenant(example('company-2000'));
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    expect(order.status).toBe('COMPLETED');
    expectTenantMatches(sim.dump(tenant) as never, order.configuration, order.result);
    expectConformant(tenant);
  });

  it('a re-run on a provisioned tenant creates nothing, converges, and stays within the contract', async () => {
    const { order: first, tenant, token } = await provisionOnNewTenant(example('small-office'));
    expect(first.status).toBe('COMPLETED');
    const before = sim.dump(tenant) as Record<string, unknown[]>;
    const again = await provision(example('small-office'), tenant, token);
    expect(again.error, JSON.stringify(again.error)).toBeNull();
    expect(again.result.created).toEqual({});
    // `new: true` numbers are reserved once per order: a new order gets new numbers and assigns them.
    expect(Object.keys(again.result.updated).sort()).toEqual(again.result.numbersAllocated.length > 0 ? ['phoneLine', 'trunk'] : []);
    const after = sim.dump(tenant) as Record<string, unknown[]>;
    for (const kind of ['organisations', 'persons', 'users', 'phoneLines', 'phones', 'trunks']) expect(after[kind].length, kind).toBe(before[kind].length);
    expectTenantMatches(after as never, again.configuration, again.result);
    expectConformant(tenant);
  });

  it('a phone whose create was answered 500 / 11000 after it was made is found through its user, not made twice', async () => {
    const tenant = `conformance-phone-${Date.now()}`;
    const token = 'conformance-phone-token';
    sim.state.addTenant(tenant, [token]);
    sim.addFault({ route: 'POST /phones', tenant, status: 500, errorCode: 11000, phase: 'after', times: 2 });
    const order = await provision(example('small-office'), tenant, token);
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    expectTenantMatches(sim.dump(tenant) as never, order.configuration, order.result);
    expect(sim.calls(tenant).byStatus['500']).toBe(2);
    expectConformant(tenant);
  });

  it('a MAC address held by a phone of another user: FAILED in preflight with PHONE_IN_USE naming the MAC and its holder; nothing is written', async () => {
    const office = example('small-office');
    const { order: first, tenant, token } = await provisionOnNewTenant(office);
    expect(first.status).toBe('COMPLETED');
    const holder = first.configuration.users.find((u: { phones: unknown[] }) => u.phones.length > 0);
    const mac = holder.phones[0].macAddress as string;
    const newcomer = { email: 'newcomer@fairytail.example', firstName: 'New', lastName: 'Comer', internalNumber: '2999', phones: [{ macAddress: mac, model: 'Yealink T54W' }] };
    const failed = await provision({ ...office, users: [...office.users.map((u: { phones?: unknown }) => ({ ...u, phones: [] })), newcomer] }, tenant, token);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ code: 'PHONE_IN_USE', step: 'preflight' });
    expect((sim.dump(tenant).users as { userName: string }[]).map((u) => u.userName)).not.toContain(newcomer.email);
    expect(failed.error.message).toContain(mac);
    expect(failed.error.message).toContain(`${holder.firstName} ${holder.lastName}`);
    const phone = (sim.dump(tenant).phones as { provisioningInfo: { macAddress: string }; user: { commonName: string } }[]).find((p) => p.provisioningInfo.macAddress === mac)!;
    expect(phone.user.commonName).toBe(`${holder.firstName} ${holder.lastName}`);
    expectConformant(tenant);
  });

  it('500s after writes and 429 bursts: COMPLETED with nothing twice, every request within the contract', async () => {
    sim.setOptions({ errorRate: 0.06, errorPhase: 'after', burst429: 3, burst429Every: 40 });
    try {
      const { order, tenant } = await provisionOnNewTenant(example('small-office'));
      expect(order.error, JSON.stringify(order.error)).toBeNull();
      expect(order.status).toBe('COMPLETED');
      expectTenantMatches(sim.dump(tenant) as never, order.configuration, order.result);
      expectConformant(tenant);
      expect(sim.calls(tenant).byStatus['500'], 'faults were injected').toBeGreaterThan(0);
    } finally {
      sim.setOptions({ errorRate: 0, burst429: 0, burst429Every: 0 });
    }
  });
});
