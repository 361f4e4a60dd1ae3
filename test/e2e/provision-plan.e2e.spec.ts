import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedUsers, type SeededUser } from '../../tools/xelion-simulator/seed.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { xelionFetch } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * POST /api/v1/provision/plan against the strict simulator, and the preflight every order runs with the
 * same checks (docs/provisioning.md, "Plan"): a plan only reads; an order that would fail on a requirement,
 * a conflict or a stale plan fails before its first write.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The small office with fixed numbers only: a re-run then changes nothing (a `new` number is reserved anew by each order). */
function office(): Json {
  const configuration = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));
  let n = 0;
  const fixed = (number: Json) => (number?.new ? { new: false, value: `+3115210${String(9000 + n++)}` } : number);
  for (const user of configuration.users) user.externalNumber = fixed(user.externalNumber);
  for (const department of configuration.departments ?? []) department.externalNumbers = (department.externalNumbers ?? []).map(fixed);
  return configuration;
}

let sim: RunningSimulator;
let app: TestApp;
let tenants = 0;

function newTenant(options: { administrator?: boolean } = {}): { tenant: string; token: string } {
  tenants += 1;
  const tenant = `plan${tenants}`;
  const token = `plan-token-${tenants}-5e1b`;
  sim.state.addTenant(tenant, []);
  sim.addToken(tenant, token, options);
  return { tenant, token };
}

const headersOf = (tenant: string, token: string) => ({ 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': tenant, 'Xelion-Tenant-Token': token });

async function plan(configuration: unknown, tenant: string, token: string, key = ROOT_KEY): Promise<{ status: number; text: string; body: Json }> {
  return app.request('POST', '/api/v1/provision/plan', { key, body: configuration, headers: headersOf(tenant, token) });
}

async function provision(configuration: unknown, tenant: string, token: string, extra: Record<string, string> = {}): Promise<Json> {
  const response = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: configuration, headers: { ...headersOf(tenant, token), ...extra } });
  expect(response.status, response.text).toBe(201);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const order = await app.request('GET', `/api/v1/orders/${response.body.id}`, { key: ROOT_KEY });
    if (order.body.status === 'COMPLETED' || order.body.status === 'FAILED') return order.body;
    if (Date.now() > deadline) throw new Error(`order ${response.body.id} is still ${order.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The requests that changed something in the tenant (anything but GET), since `from`. */
function writes(tenant: string, from = 0): string[] {
  return sim
    .requests(tenant)
    .slice(from)
    .filter((r) => r.method !== 'GET')
    .map((r) => `${r.method} ${r.path}`);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [], recordRequests: true, seed: 11 });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  for (const [key, value] of Object.entries(simulatorCredentials(sim, 'plan-trunk-password'))) {
    const put = await app.request('PUT', `/api/v1/organizations/${me.body.id}/credentials/${key}`, { key: ROOT_KEY, body: { value } });
    expect(put.status, put.text).toBe(204);
  }
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('POST /api/v1/provision/plan', () => {
  it('an empty tenant: everything is a create, every requirement is met, and only reads are sent', async () => {
    const { tenant, token } = newTenant();
    const answer = await plan(office(), tenant, token);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.planHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(answer.body.tenant).toEqual({ serverUrl: sim.url, name: tenant, version: '1.4' });
    expect(answer.body.requirements.filter((r: Json) => !r.ok)).toEqual([]);
    expect(answer.body.requirements.map((r: Json) => r.name)).toEqual(['server', 'token', 'administrator', 'tenantRead', 'sipTrunk', 'redirection']);
    expect(answer.body.conflicts).toEqual([]);
    const actions = new Set(answer.body.changes.map((c: Json) => c.action));
    expect([...actions]).toEqual(['create']);
    expect(answer.body.summary).toEqual({ create: answer.body.changes.length, update: 0, unchanged: 0 });
    const configuration = office();
    const kinds = (kind: string) => answer.body.changes.filter((c: Json) => c.kind === kind).length;
    expect(kinds('user')).toBe(configuration.users.length);
    expect(kinds('person')).toBe(configuration.users.length);
    expect(kinds('phone')).toBe(configuration.users.flatMap((u: Json) => u.phones ?? []).length);
    expect(kinds('trunk')).toBe(1);
    expect(answer.body.changes.find((c: Json) => c.kind === 'user')).toMatchObject({ key: configuration.users[0].email, path: '/users/0' });
    expect(writes(tenant)).toEqual([]);
    expect(sim.requests(tenant).length).toBeGreaterThan(0);
    expect(answer.text).not.toContain(token);
  });

  it('a provisioned tenant: everything unchanged, the same hash twice; a change behind the service\'s back is an update with from → to', async () => {
    const { tenant, token } = newTenant();
    const order = await provision(office(), tenant, token);
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    const seen = sim.requests(tenant).length;
    const first = await plan(office(), tenant, token);
    const second = await plan(office(), tenant, token);
    expect(first.status, first.text).toBe(200);
    expect(first.body.changes.filter((c: Json) => c.action !== 'unchanged')).toEqual([]);
    expect(first.body.summary.unchanged).toBe(first.body.changes.length);
    expect(second.body.planHash).toBe(first.body.planHash);
    expect(writes(tenant, seen)).toEqual([]);

    // Someone records the calls of a department's line in the tenant itself.
    const department = office().departments[0];
    const line = (sim.dump(tenant).phoneLines as Json[]).find((l) => l.commonName === department.name);
    const patched = await xelionFetch(sim, 'PATCH', `/phonelines/${line.oid}`, { operations: [{ op: 'replace', path: '/recordCalls', value: !line.recordCalls }] }, { tenant, token });
    expect(patched.status).toBeLessThan(300);
    const third = await plan(office(), tenant, token);
    const updates = third.body.changes.filter((c: Json) => c.action === 'update');
    expect(updates).toEqual([
      { action: 'update', kind: 'phoneLine', key: department.name, path: '/departments/0', fields: { recordCalls: { from: !line.recordCalls, to: line.recordCalls } } },
    ]);
    expect(third.body.planHash).not.toBe(first.body.planHash);
  });

  it('names each conflict: an extension on another line, a MAC address on another user\'s phone, a user name held by another person', async () => {
    const { tenant, token } = newTenant();
    const configuration = office();
    const [first, second, third] = configuration.users;
    // Another line holds the first user's extension.
    const sales = await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'Sales', extensions: [{ address: first.internalNumber }] }, { tenant, token });
    expect(sales.status, JSON.stringify(sales.body)).toBeLessThan(300);
    // Another person's user has the second user's e-mail as user name.
    const person = await xelionFetch(sim, 'POST', '/addressables', {
      objectType: 'Person', givenName: 'Some', familyName: 'One Else', telecomAddresses: [{ addressType: 'Email', address: 'someone@else.example' }], employments: [],
    }, { tenant, token });
    expect(person.status, JSON.stringify(person.body)).toBeLessThan(300);
    const user = await xelionFetch(sim, 'POST', '/users', {
      objectType: 'UserProfile', userName: second.email, password: 'Xy7!long-enough-password', active: true, xccRole: 'user', userLicense: true,
      person: { oid: person.body.object.oid, objectType: 'Person' }, lines: [],
    }, { tenant, token });
    expect(user.status, JSON.stringify(user.body)).toBeLessThan(300);
    // That user has the third user's phone.
    const mac = third.phones[0].macAddress.replace(/-/g, ':').toUpperCase();
    const phone = await xelionFetch(sim, 'POST', '/phones', {
      objectType: 'XCCPhone', commonName: 'Desk', active: true, user: { oid: user.body.object.oid, objectType: 'UserProfile' }, provisioningInfo: { macAddress: mac, phoneType: 'Yealink T54W' },
    }, { tenant, token });
    expect(phone.status, JSON.stringify(phone.body)).toBeLessThan(300);

    const answer = await plan(configuration, tenant, token);
    expect(answer.status, answer.text).toBe(200);
    const byCode = Object.fromEntries(answer.body.conflicts.map((c: Json) => [c.code, c]));
    expect(Object.keys(byCode).sort()).toEqual(['EXTENSION_IN_USE', 'PHONE_IN_USE', 'USER_NAME_IN_USE']);
    expect(byCode.EXTENSION_IN_USE).toMatchObject({ path: '/users/0/internalNumber', message: `${first.internalNumber} belongs to line "Sales" (oid ${sales.body.object.oid})` });
    expect(byCode.PHONE_IN_USE.path).toBe('/users/2/phones/0/macAddress');
    expect(byCode.PHONE_IN_USE.message).toContain(mac);
    expect(byCode.USER_NAME_IN_USE).toMatchObject({ path: '/users/1/email' });
    expect(byCode.USER_NAME_IN_USE.message).toContain('someone@else.example');

    // The order fails in preflight on the first of them, and writes nothing.
    const seen = sim.requests(tenant).length;
    const order = await provision(configuration, tenant, token);
    expect(order.status).toBe('FAILED');
    expect(order.error).toMatchObject({ step: 'preflight' });
    expect(['EXTENSION_IN_USE', 'PHONE_IN_USE', 'USER_NAME_IN_USE']).toContain(order.error.code);
    expect(writes(tenant, seen)).toEqual([]);
  });

  it('a token of a user who is not an administrator: the requirement fails with what to do, and an order fails in preflight writing nothing', async () => {
    const { tenant, token } = newTenant({ administrator: false });
    const answer = await plan(office(), tenant, token);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.requirements.find((r: Json) => r.name === 'administrator')).toMatchObject({ ok: false, severity: 'error', code: 'NOT_TENANT_ADMINISTRATOR' });
    const order = await provision(office(), tenant, token);
    expect(order.error).toMatchObject({ code: 'NOT_TENANT_ADMINISTRATOR', step: 'preflight' });
    expect(writes(tenant)).toEqual([]);
  });

  it('a rejected token and a missing credential are requirements that say what to do', async () => {
    const { tenant } = newTenant();
    const rejected = await plan(office(), tenant, 'not-a-valid-token');
    expect(rejected.status, rejected.text).toBe(200);
    expect(rejected.body.planHash).toBeNull();
    expect(rejected.body.requirements.find((r: Json) => r.name === 'token')).toMatchObject({ ok: false, code: 'TENANT_TOKEN_REJECTED' });
    expect(rejected.text).not.toContain('not-a-valid-token');

    // Credentials are the caller's (and what an ancestor shares with it): a child without any sees them missing.
    const child: OrgWithKey = await createOrganization(app, ROOT_KEY, `plan-child-${Date.now()}`);
    const { tenant: other, token } = newTenant();
    const answer = await plan(office(), other, token, child.key);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.requirements.find((r: Json) => r.name === 'sipTrunk')).toMatchObject({ ok: false, code: 'MISSING_CREDENTIAL' });
    expect(answer.body.requirements.find((r: Json) => r.name === 'redirection')).toMatchObject({ ok: false, severity: 'warning' });
  });

  it('refuses headers that belong to an order, or to a park order, and a bad body, with a 400 that names them', async () => {
    const { tenant, token } = newTenant();
    for (const [header, value] of [
      ['X-Callback-Url', 'https://hooks.example.com/x'],
      ['Idempotency-Key', 'k1'],
      ['If-Match', '"sha256:' + '0'.repeat(64) + '"'],
      ['Xelion-Master-Token', 'master'],
    ]) {
      const response = await app.request('POST', '/api/v1/provision/plan', { key: ROOT_KEY, body: office(), headers: { ...headersOf(tenant, token), [header]: value } });
      expect(response.status, header).toBe(400);
      expect(response.body.details[0].field).toBe(header);
    }
    const invalid = await plan({ version: 1, organization: {}, users: [] }, tenant, token);
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors.length).toBeGreaterThan(0);
    const noKey = await app.request('POST', '/api/v1/provision/plan', { body: office(), headers: headersOf(tenant, token) });
    expect(noKey.status).toBe(401);
    expect(sim.requests(tenant)).toEqual([]);
  });
});

describe('POST /api/v1/provision with If-Match', () => {
  it('applies exactly the plan it was given; a stale plan fails with PLAN_STALE and changes nothing', async () => {
    const { tenant, token } = newTenant();
    const planned = await plan(office(), tenant, token);
    expect(planned.status).toBe(200);
    const malformed = await app.request('POST', '/api/v1/provision', { key: ROOT_KEY, body: office(), headers: { ...headersOf(tenant, token), 'If-Match': planned.body.planHash } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.details[0].field).toBe('If-Match');

    // The tenant changes between the plan and the order: a line takes the first department's name.
    const department = office().departments[0];
    const made = await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: department.name, extensions: [] }, { tenant, token });
    expect(made.status).toBeLessThan(300);
    const seen = sim.requests(tenant).length;
    const stale = await provision(office(), tenant, token, { 'If-Match': `"${planned.body.planHash}"` });
    expect(stale.status).toBe('FAILED');
    expect(stale.error).toMatchObject({ code: 'PLAN_STALE', step: 'preflight' });
    expect(writes(tenant, seen)).toEqual([]);

    const again = await plan(office(), tenant, token);
    expect(again.body.planHash).not.toBe(planned.body.planHash);
    expect(again.body.changes.find((c: Json) => c.key === department.name && c.kind === 'phoneLine').action).toBe('update');
    const applied = await provision(office(), tenant, token, { 'If-Match': `"${again.body.planHash}"` });
    expect(applied.status, JSON.stringify(applied.error)).toBe('COMPLETED');
  });
});

describe('reading a large tenant', () => {
  /** 250 users made in the tenant before (three pages of each collection), and a configuration of two users and a department. */
  function large(): { tenant: string; token: string; seeded: SeededUser[] } {
    const { tenant, token } = newTenant();
    return { tenant, token, seeded: seedUsers(sim, tenant, 250) };
  }

  function twoUsers(existing: SeededUser, options: { extensions?: boolean; newExtension?: string } = {}): Json {
    const extensions = options.extensions ?? true;
    return {
      version: 1,
      organization: { name: 'Seeded Org' },
      users: [
        { email: existing.userName, firstName: existing.givenName, lastName: existing.familyName, ...(extensions ? { internalNumber: existing.extension } : {}) },
        { email: 'newcomer@seed.example', firstName: 'New', lastName: 'Comer', ...(extensions ? { internalNumber: options.newExtension ?? '301' } : {}) },
      ],
      departments: [{ name: 'Front desk', users: ['newcomer@seed.example'], ...(extensions ? { internalNumbers: ['300'] } : {}) }],
    };
  }

  /** The tenant's GET requests since `from`, as `path?query`, in the order sent. */
  function reads(tenant: string, from: number): string[] {
    return sim
      .requests(tenant)
      .slice(from)
      .filter((r) => r.method === 'GET')
      .map((r) => `${r.path}${decodeURIComponent(r.query.replace(/\+/g, ' '))}`);
  }

  it('looks the configuration\'s users and persons up instead of reading 250 of each, and still finds every extension in use', async () => {
    const { tenant, token, seeded } = large();
    const existing = seeded[240];
    const answer = await plan(twoUsers(existing), tenant, token);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.conflicts).toEqual([]);
    const byKind = (kind: string, key: string) => answer.body.changes.find((c: Json) => c.kind === kind && c.key === key);
    expect(byKind('user', existing.userName).action).toBe('unchanged');
    expect(byKind('person', existing.userName).action).toBe('update'); // the Person is not employed by the organisation yet
    // The seeded line has voicemail off; the configuration's default is on.
    expect(byKind('phoneLine', `${existing.givenName} ${existing.familyName}`)).toMatchObject({ action: 'update', fields: { voicemail: { from: false, to: true } } });
    expect(byKind('user', 'newcomer@seed.example').action).toBe('create');
    expect(byKind('phoneLine', 'Front desk').action).toBe('create');
    expect(answer.body.requirements.find((r: Json) => r.name === 'tenantRead')).toMatchObject({ ok: true });
    expect(answer.body.requirements.find((r: Json) => r.name === 'tenantRead').message).toMatch(/users: 2 looked up, 1 found/);

    // Two pages of users (as many as there are users to look up), then a look-up of each user not on them;
    // one page of persons, then the one person not on it; every line (to find extensions in use); no phones.
    const sent = reads(tenant, 0);
    const lists = (path: string) => sent.filter((r) => r.startsWith(`${path}?`) && !r.includes('where=userName') && !r.includes('name=')).length;
    expect(lists('/users')).toBe(2);
    const lookedUp = sent.filter((r) => r.includes('where=userName=')).map((r) => /where=userName=([^&]+)/.exec(r)![1]);
    expect(lookedUp.sort()).toEqual(['newcomer@seed.example', existing.userName]);
    expect(lists('/addressables')).toBe(1);
    expect(sent.filter((r) => /^\/addressables\/[^?/]+$/.test(r))).toHaveLength(1);
    expect(lists('/phonelines')).toBe(3);
    expect(sent.filter((r) => r.startsWith('/phones'))).toEqual([]);

    // An extension of a user the configuration does not name is still found.
    const taken = await plan(twoUsers(existing, { newExtension: seeded[100].extension }), tenant, token);
    expect(taken.body.conflicts).toEqual([
      { code: 'EXTENSION_IN_USE', path: '/users/1/internalNumber', message: expect.stringContaining(`belongs to line "Seed Person100"`) },
    ]);
  });

  it('an order on the large tenant applies the plan it was given, and a second plan finds everything unchanged', async () => {
    const { tenant, token, seeded } = large();
    const configuration = twoUsers(seeded[240]);
    const planned = await plan(configuration, tenant, token);
    expect(planned.status, planned.text).toBe(200);
    const before = sim.requests(tenant).length;
    const order = await provision(configuration, tenant, token, { 'If-Match': `"${planned.body.planHash}"` });
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
    // The run's steps answered their user look-ups from the preflight's reading: only the preflight looked users up.
    expect(reads(tenant, before).filter((r) => r.includes('where=userName='))).toHaveLength(2);
    const again = await plan(configuration, tenant, token);
    expect(again.body.changes.filter((c: Json) => c.action !== 'unchanged')).toEqual([]);
    // Nothing of the 249 other users was touched.
    const touched = writes(tenant).filter((w) => w.startsWith('PATCH /users') || w.startsWith('PATCH /addressables'));
    expect(touched).toHaveLength(1); // the existing user's person, employed by the organisation
  });

  it('without internal numbers, the lines too are looked up: the existing user\'s line by oid, the department\'s by name', async () => {
    const { tenant, token, seeded } = large();
    const existing = seeded[240];
    const answer = await plan(twoUsers(existing, { extensions: false }), tenant, token);
    expect(answer.status, answer.text).toBe(200);
    const sent = reads(tenant, 0);
    expect(sent.filter((r) => r.startsWith('/phonelines?') && !r.includes('name=')).length).toBe(2);
    expect(sent.filter((r) => r.startsWith('/phonelines?') && r.includes('name=Front desk'))).toHaveLength(1);
    expect(sent.filter((r) => /^\/phonelines\/[^?/]+$/.test(r))).toHaveLength(1);
    expect(answer.body.changes.find((c: Json) => c.kind === 'phoneLine' && c.key === 'Front desk').action).toBe('create');
    expect(answer.body.changes.find((c: Json) => c.kind === 'phoneLine' && c.key === `${existing.givenName} ${existing.familyName}`)).toBeDefined();
    const order = await provision(twoUsers(existing, { extensions: false }), tenant, token, { 'If-Match': `"${answer.body.planHash}"` });
    expect(order.status, JSON.stringify(order.error)).toBe('COMPLETED');
  });
});
