import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../tools/xelion-simulator/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';

/** The whole life of an order against the simulator over real HTTP ("Tests"). */
const TOKEN = 'canary-lifecycle-token-51d0c7';
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));

let sim: RunningSimulator;
let app: TestApp;

async function putCredential(key: string, value: string): Promise<void> {
  const me = await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY });
  const response = await app.request('PUT', `/api/v1/organizations/${me.body.id}/credentials/${key}`, { key: ROOT_KEY, body: { value } });
  expect(response.status, response.text).toBe(204);
}

async function provision(body: unknown, token = TOKEN): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key: ROOT_KEY,
    body,
    headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': token },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id;
}

async function waitFor(id: number, statuses: string[], timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY });
    if (statuses.includes(response.body.status)) return response.body;
    if (Date.now() > deadline) {
      const problems = app.logs().split('\n').filter((line) => /"level":"(warn|error)"/.test(line)).slice(-8);
      throw new Error(`order ${id} is still ${response.body.status} at ${response.body.currentStep}:\n${problems.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sim = await startSimulator({ port: 0, tenants: [{ name: 'pbx1', tokens: [TOKEN, 'second-token'] }] });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50' });
  for (const [key, value] of Object.entries(simulatorCredentials(sim, 'canary-trunk-password-9f2'))) await putCredential(key, value);
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('an order from start to end', () => {
  it('is claimed, provisioned and COMPLETED; the tenant matches the configuration', async () => {
    const id = await provision(SMALL_OFFICE);
    const order = await waitFor(id, ['COMPLETED', 'FAILED']);
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    expect(order.status).toBe('COMPLETED');
    expect(order.progress.done).toBe(order.progress.total);
    expect(order.startedAt).not.toBeNull();
    expect(order.finishedAt).not.toBeNull();

    const configuration = order.configuration;
    const state = sim.dump('pbx1') as Record<string, Record<string, unknown>[]>;
    expect(state.organisations.map((o) => o.name)).toEqual([configuration.organization.name]);
    expect(state.users.map((u) => u.userName).sort()).toEqual(configuration.users.map((u: { email: string }) => u.email).sort());
    expect(state.persons).toHaveLength(configuration.users.length);
    expect(state.phones.map((p) => (p.provisioningInfo as { macAddress: string }).macAddress).sort()).toEqual(
      configuration.users.flatMap((u: { phones: { macAddress: string }[] }) => u.phones.map((p) => p.macAddress)).sort(),
    );
    for (const user of configuration.users) {
      const line = state.phoneLines.find((l) => l.commonName === `${user.firstName} ${user.lastName}`)!;
      expect(line, user.email).toBeDefined();
      expect((line.extensions as { address: string }[]).map((e) => e.address)).toEqual([user.internalNumber]);
      expect((line.userPhoneLine as { voicemailActive: boolean }).voicemailActive).toBe(user.voicemail);
      expect((line.phones as unknown[]).length).toBe(user.phones.length);
    }
    for (const department of configuration.departments) {
      const line = state.phoneLines.find((l) => l.commonName === department.name)!;
      expect(line, department.name).toBeDefined();
      expect((line.users as unknown[]).length).toBe(department.users.length);
    }
    expect(state.trunks).toHaveLength(1);

    expect(order.result.created).toMatchObject({ organisation: 1, user: configuration.users.length, person: configuration.users.length });
    expect(order.result.numbersAllocated.length).toBeGreaterThan(0);
    for (const allocated of order.result.numbersAllocated) expect(allocated.number).toMatch(/^\+\d+$/);

    const steps = await app.request('GET', `/api/v1/orders/${id}/steps`, { key: ROOT_KEY });
    expect(steps.body.data.every((s: { status: string }) => s.status === 'DONE')).toBe(true);
    const userStep = steps.body.data.find((s: { kind: string }) => s.kind === 'user');
    expect(userStep.output.oids).toMatchObject({ user: expect.any(String), line: expect.any(String), person: expect.any(String) });

    // The token is erased once the order is COMPLETED.
    const [row] = await app.dataSource.query('SELECT tenant_token_sealed FROM orders WHERE id = $1', [id]);
    expect(row.tenant_token_sealed).toBeNull();
  });

  it('again with the same configuration: nothing is duplicated, nothing created', async () => {
    const before = sim.dump('pbx1') as Record<string, unknown[]>;
    const id = await provision(SMALL_OFFICE, 'second-token');
    const order = await waitFor(id, ['COMPLETED', 'FAILED']);
    expect(order.error, JSON.stringify(order.error)).toBeNull();
    expect(order.result.created).toEqual({});
    const after = sim.dump('pbx1') as Record<string, unknown[]>;
    for (const kind of ['organisations', 'persons', 'users', 'phoneLines', 'phones', 'trunks']) {
      expect(after[kind].length, kind).toBe(before[kind].length);
    }
  });

  it('never logs or returns the tenant token or a credential value', async () => {
    const list = await app.request('GET', '/api/v1/orders', { key: ROOT_KEY });
    for (const order of list.body.data) {
      for (const path of [`/api/v1/orders/${order.id}`, `/api/v1/orders/${order.id}/steps`]) {
        const response = await app.request('GET', path, { key: ROOT_KEY });
        expect(response.text).not.toContain(TOKEN);
        expect(response.text).not.toContain('canary-trunk-password-9f2');
      }
    }
    expect(app.logs()).not.toContain(TOKEN);
    expect(app.logs()).not.toContain('canary-trunk-password-9f2');
    expect(app.logs()).not.toContain(sim.options.numbersApiKey);
  });
});
