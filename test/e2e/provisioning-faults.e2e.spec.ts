import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';

/**
 * Faults ("Tests"): 429 bursts and random 500s, a bad token and a retry with a new one,
 * services beside Xelion (numbers reserved once, phones registered, a missing credential, a failing
 * provider). Real HTTP to the in-process simulator.
 */
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));
const GOOD = 'canary-faults-token-a8e1';
const TRUNK_PASSWORD = 'canary-faults-trunk-pw-3c9';

let sim: RunningSimulator;
let app: TestApp;
let org: OrgWithKey;

async function putCredential(orgId: number, key: string, value: string): Promise<void> {
  // Shared with the descendants whose orders use them (docs/credentials.md).
  const response = await app.request('PUT', `/api/v1/organizations/${orgId}/credentials/${key}`, { key: ROOT_KEY, body: { value, inherit: true } });
  expect(response.status, response.text).toBe(204);
}

async function provision(body: unknown, token: string, key = org.key): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key,
    body,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': token },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

async function waitFor(id: number, statuses: string[], timeoutMs = 25_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY });
    if (statuses.includes(response.body.status)) return response.body;
    if (Date.now() > deadline) throw new Error(`order ${id} is still ${response.body.status} at ${response.body.currentStep}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectNoDuplicates(): void {
  const state = sim.dump('pbx1') as Record<string, Record<string, unknown>[]>;
  const unique = (values: unknown[]) => expect(new Set(values).size, JSON.stringify(values)).toBe(values.length);
  unique(state.users.map((u) => u.userName));
  unique(state.persons.map((p) => p.commonName));
  unique(state.phoneLines.map((l) => l.commonName));
  unique(state.phones.map((p) => (p.provisioningInfo as { macAddress: string }).macAddress));
  expect(state.organisations).toHaveLength(1);
  expect(state.trunks).toHaveLength(1);
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [GOOD] }] });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  org = await createOrganization(app, ROOT_KEY, 'faults');
  // Credentials on the parent (root), shared: the order's organization uses its nearest ancestor's
  // groups; the trunk only on a server in the root's allowedServerHosts.
  const root = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id;
  for (const [key, value] of Object.entries(simulatorCredentials(sim, TRUNK_PASSWORD))) await putCredential(root, key, value);
  const hosts = await app.request('PATCH', `/api/v1/organizations/${root}`, { key: ROOT_KEY, body: { allowedServerHosts: [new URL(sim.url).hostname] } });
  expect(hosts.status, hosts.text).toBe(200);
});
beforeEach(() => {
  sim.reset();
  sim.addToken('pbx1', GOOD);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('Xelion faults', () => {
  it('429 bursts and random 500s (before and after the change): COMPLETED, nothing duplicated', async () => {
    sim.setOptions({ errorRate: 0.08, errorPhase: 'random', burst429: 4, burst429Every: 25, seed: 42 });
    const id = await provision(SMALL_OFFICE, GOOD);
    const order = await waitFor(id, ['COMPLETED', 'FAILED'], 60_000);
    sim.setOptions({ errorRate: 0, burst429: 0, burst429Every: 0 });
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    const calls = sim.calls('pbx1');
    expect(calls.byStatus['429'] ?? 0).toBeGreaterThan(0);
    expect(calls.byStatus['500'] ?? 0).toBeGreaterThan(0);
    expectNoDuplicates();
    expect((sim.dump('pbx1') as { users: unknown[] }).users).toHaveLength(SMALL_OFFICE.users.length);
  });

  it('a bad token fails the order at once with a clear cause; a retry with a new token completes', async () => {
    const id = await provision(SMALL_OFFICE, 'canary-bad-token-0b7e');
    const failed = await waitFor(id, ['FAILED', 'COMPLETED']);
    expect(failed.error).toMatchObject({ code: 'TENANT_TOKEN_REJECTED', message: 'the tenant token was rejected', step: 'preflight' });
    expect((sim.dump('pbx1') as { organisations: unknown[] }).organisations).toHaveLength(0);
    // The rejected token is worthless: erased, so a retry must bring a new one.
    const noToken = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key });
    expect(noToken.status).toBe(400);
    const retried = await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key, headers: { 'Xelion-Tenant-Token': GOOD } });
    expect(retried.status, retried.text).toBe(200);
    const done = await waitFor(id, ['COMPLETED', 'FAILED']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('COMPLETED');
  });

  it('a token revoked mid-way: FAILED at that step; a retry with a new token resumes at the first unfinished step', async () => {
    sim.setOptions({ latencyMs: 15 });
    const id = await provision(SMALL_OFFICE, GOOD);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const order = (await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY })).body;
      if (order.progress.done >= 5) break;
      if (Date.now() > deadline) throw new Error('the order did not get going');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    sim.revokeToken('pbx1', GOOD);
    const failed = await waitFor(id, ['FAILED', 'COMPLETED']);
    sim.setOptions({ latencyMs: 0 });
    expect(failed.error).toMatchObject({ code: 'TENANT_TOKEN_REJECTED', message: 'the tenant token was rejected' });
    const before = (await app.request('GET', `/api/v1/orders/${id}/steps`, { key: ROOT_KEY })).body.data;
    const doneBefore = before.filter((s: { status: string }) => s.status === 'DONE').map((s: { seq: number }) => s.seq);
    expect(doneBefore.length).toBeGreaterThanOrEqual(5);

    sim.addToken('pbx1', 'a-fresh-token');
    expect((await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key, headers: { 'Xelion-Tenant-Token': 'a-fresh-token' } })).status).toBe(200);
    const done = await waitFor(id, ['COMPLETED', 'FAILED']);
    expect(done.error).toBeNull();
    const after = (await app.request('GET', `/api/v1/orders/${id}/steps`, { key: ROOT_KEY })).body.data;
    // Steps finished before the failure were not run again.
    for (const step of after.filter((s: { seq: number }) => doneBefore.includes(s.seq))) expect(step.attempts, step.name).toBe(1);
    expectNoDuplicates();
  });
});

describe('services beside Xelion', () => {
  it('numbers are reserved once and reused on retry; phones are registered at the redirection server', async () => {
    // The trunk PATCH fails for good once, after the numbers were reserved.
    sim.addFault({ route: 'PATCH /trunks/:oid', status: 400, errorCode: 10202, message: 'bad assignedNumbers' });
    const id = await provision(SMALL_OFFICE, GOOD);
    const failed = await waitFor(id, ['FAILED', 'COMPLETED']);
    expect(failed.error).toMatchObject({ code: 'XELION_ERROR', step: 'trunk', xelionErrorCode: 10202 });
    expect(failed.error.message).toContain('bad assignedNumbers');
    const reservations = sim.state.reservations.size;
    expect(reservations).toBe(failed.result.numbersAllocated.length);

    expect((await app.request('POST', `/api/v1/orders/${id}/retry`, { key: org.key })).status).toBe(200);
    const done = await waitFor(id, ['COMPLETED', 'FAILED']);
    expect(done.error).toBeNull();
    expect(sim.state.reservations.size).toBe(reservations);
    expect(done.result.numbersAllocated).toEqual(failed.result.numbersAllocated);
    const trunk = (sim.dump('pbx1') as { trunks: { assignedNumbers: { number: string }[] }[] }).trunks[0];
    for (const allocated of done.result.numbersAllocated) {
      expect(trunk.assignedNumbers.map((a) => a.number)).toContain(allocated.number);
    }
    const macs = SMALL_OFFICE.users.flatMap((u: { phones: { macAddress: string }[] }) => u.phones.map((p) => p.macAddress.replace(/[:-]/g, '').toUpperCase()));
    expect([...sim.state.registrations.keys()].map((k) => k.replace(/[:-]/g, '').toUpperCase()).sort()).toEqual(macs.sort());
  });

  it('a missing credential fails the order before it changes anything, naming the key', async () => {
    const lonely = await createOrganization(app, ROOT_KEY, 'no numbers');
    // Neither the organization nor any ancestor has a complete numbers.* group (the root's apiKey is removed for this test).
    await app.dataSource.query(`DELETE FROM credentials WHERE key = 'numbers.apiKey'`);
    try {
      const id = await provision(SMALL_OFFICE, GOOD, lonely.key);
      const failed = await waitFor(id, ['FAILED', 'COMPLETED']);
      expect(failed.error).toMatchObject({
        code: 'MISSING_CREDENTIAL',
        step: null,
        message: `credential "numbers.url" is not set for organization ${lonely.id} (nor the rest of its numbers.* group), and no ancestor shares a complete numbers.* group with it`,
      });
      expect(sim.state.reservations.size).toBe(0);
      expect(sim.calls('pbx1').total).toBe(0);
    } finally {
      const root = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id;
      await putCredential(root, 'numbers.apiKey', sim.options.numbersApiKey);
    }
  });

  it('a failing number provider gives a clear failure', async () => {
    sim.addFault({ route: 'POST /numbers/reservations', status: 422, message: 'area 015 is sold out', times: 100 });
    const id = await provision(SMALL_OFFICE, GOOD);
    const failed = await waitFor(id, ['FAILED', 'COMPLETED']);
    expect(failed.error.code).toBe('NUMBER_PROVIDER_ERROR');
    expect(failed.error.step).toBe('numbers');
    expect(failed.error.message).toMatch(/number provider/);
  });

  it('never logs a token or a credential value', () => {
    const logs = app.logs();
    for (const secret of [GOOD, 'canary-bad-token-0b7e', TRUNK_PASSWORD, sim.options.numbersApiKey, sim.options.redirectionPassword]) {
      expect(logs).not.toContain(secret);
    }
  });
});
