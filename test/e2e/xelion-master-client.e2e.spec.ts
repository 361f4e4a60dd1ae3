import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeSettings } from '../../src/config/runtime-settings.js';
import { XelionClientFactory } from '../../src/xelion/xelion-client.factory.js';
import { isAvailable, XelionMasterLoginError, XelionMasterRefusedError } from '../../src/xelion/xelion-master.client.js';
import { defaultPark } from '../../tools/xelion-simulator/park.js';
import { startTestSimulator, type RunningSimulator } from '../support/simulator.js';

/** The master tenant's client against the simulator's park over real HTTP (docs/xelion-contract.md, "The master tenant"). */
describe('Xelion master client', () => {
  let sim: RunningSimulator;
  let factory: XelionClientFactory;
  const admin = { userName: 'park-admin', password: 'park-admin-password' };

  beforeAll(async () => {
    sim = await startTestSimulator({ park: defaultPark(), recordRequests: true });
    factory = new XelionClientFactory({ outboundAllowPrivate: true, xelion: { maxConcurrency: 4, timeoutMs: 5_000 } } as RuntimeSettings);
  });
  afterAll(async () => {
    factory?.onModuleDestroy();
    await sim?.close();
  });
  beforeEach(() => sim.reset());

  const session = async (credentials = admin, userSpace = `space-${Math.random()}`) =>
    factory.forMaster({ serverUrl: sim.url, token: (await factory.forMaster({ serverUrl: sim.url, token: null }).login(credentials, userSpace)).token });

  it('logs in without an Authorization header, lists available tenants, takes one and opens a session on it', async () => {
    const master = await session();
    const login = sim.requests('master').find((r) => r.path === '/me/login')!;
    expect(login).toBeDefined();
    const available = (await master.listTenants({ active: false })).filter(isAvailable);
    expect(available.map((t) => t.databaseId)).toEqual(['12', '13', '14']);
    const [tenant] = available;
    expect(tenant.licenses.map((l) => l.name)).toEqual(['user', 'phone']);
    await master.prepareTenant(tenant, { name: 'acme', licenses: { user: 25, phone: 25 } });
    expect(await master.startTenant(tenant.databaseId)).toBe('started');
    expect(await master.startTenant(tenant.databaseId)).toBe('running');
    const tenantSession = await master.loginToTenant(tenant.databaseId, 'provisioning-order-1-attempt-1');
    const client = factory.forTenant({ serverUrl: sim.url, tenant: 'acme', token: tenantSession.token });
    expect((await client.me()).userName).toBe('admin@acme');
    const after = await master.getTenant(tenant.databaseId);
    expect(after).toMatchObject({ name: 'acme', commonName: 'acme', active: true, status: 'STARTED' });
    expect(after.licenses.map((l) => [l.name, l.max])).toEqual([
      ['user', 25],
      ['phone', 25],
    ]);
    expect(sim.requests('master').every((r) => r.status < 400 || r.path.endsWith('/start'))).toBe(true);
    await master.logout();
    expect(await master.listTenants().catch((error: unknown) => error)).toBeInstanceOf(XelionMasterLoginError);
  });

  it('names a licence the tenant has no count of before sending anything; wrong credentials and a non-administrator are typed errors', async () => {
    const master = await session();
    const tenant = await master.getTenant('12');
    const before = sim.requests('master').length;
    await expect(master.prepareTenant(tenant, { name: 'acme', licenses: { fax: 3 } })).rejects.toThrow(/no "fax" licence count/);
    expect(sim.requests('master').length).toBe(before);
    await expect(factory.forMaster({ serverUrl: sim.url, token: null }).login({ ...admin, password: 'wrong' }, 'x')).rejects.toBeInstanceOf(XelionMasterLoginError);
    const viewer = await session({ userName: 'park-viewer', password: 'park-viewer-password' });
    const refused = await viewer.listTenants().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(XelionMasterRefusedError);
    expect((refused as Error).message).toContain("not a master administrator's");
    await expect(viewer.listTenants({ active: false, isTemplate: false })).rejects.toThrow(/one where= per request/);
  });

  it('never puts the password or a session token in an error', async () => {
    const error = (await factory
      .forMaster({ serverUrl: sim.url, token: null })
      .login({ userName: 'park-admin', password: 'canary-master-password-77' }, 'x')
      .catch((caught: unknown) => caught)) as Error;
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('canary-master-password-77');
  });
});
