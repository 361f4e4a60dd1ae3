import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnsafeUrlError } from '../../src/common/http/url-safety.js';
import { ConfigModule } from '../../src/config/config.module.js';
import type { RuntimeSettings } from '../../src/config/runtime-settings.js';
import { NumberProviderClient } from '../../src/xelion/external/number-provider.client.js';
import { RedirectionClient } from '../../src/xelion/external/redirection.client.js';
import { NumberProviderError, RedirectionError } from '../../src/xelion/external/external-service.error.js';
import { XelionClientFactory, type XelionClientOverrides } from '../../src/xelion/xelion-client.factory.js';
import type { XelionTenantClient } from '../../src/xelion/xelion-tenant.client.js';
import {
  XelionAuthError,
  XelionCallCancelledError,
  XelionDuplicateError,
  XelionNotFoundError,
  XelionPermanentError,
  XelionRetryableError,
} from '../../src/xelion/xelion.errors.js';
import { XelionModule } from '../../src/xelion/xelion.module.js';
import { createPhone as simCreatePhone } from '../../tools/xelion-simulator/model.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';

type Settings = Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>;
const settings = (over: Partial<Settings['xelion']> = {}, allowPrivate = true): Settings => ({
  outboundAllowPrivate: allowPrivate,
  xelion: { maxConcurrency: 4, timeoutMs: 2000, listMaxItems: 50_000, listMaxBytes: 64 * 1024 * 1024, ...over },
});

const fast: XelionClientOverrides = { retryPolicy: { baseDelayMs: 2, maxDelayMs: 10 } };

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Xelion client against the simulator (real HTTP)', () => {
  let sim: RunningSimulator;
  let factory: XelionClientFactory;
  let client: XelionTenantClient;

  beforeAll(async () => {
    sim = await startTestSimulator();
    factory = new XelionClientFactory(settings() as RuntimeSettings);
  });
  afterAll(async () => {
    factory?.onModuleDestroy();
    await sim?.close();
  });
  beforeEach(() => {
    sim.reset();
    client = factory.forTenant({ serverUrl: `${sim.url}/`, tenant: SIM_TENANT, token: SIM_TOKEN }, fast);
  });

  async function person(name = 'Jan Jansen') {
    const org = (await client.findOrganisation('Acme')) ?? (await client.createOrganisation({ name: 'Acme' }));
    const [givenName, familyName] = name.split(' ');
    return client.createPerson({ givenName, familyName, organisationOid: org.oid, telecomAddresses: [{ addressType: 'Email', address: 'jan@acme.nl' }] });
  }

  describe('preflight and authentication', () => {
    it('reads the server version and checks the token', async () => {
      expect((await client.serverVersion()).apiVersionMajor).toBe(1);
      expect((await client.me()).userName).toBe('admin@pbx1');
      expect(client.stats.calls).toBe(2);
    });

    it('names the instance in User-Agent, and sends nothing once mayCall() answers false (a lost lease)', async () => {
      sim.setOptions({ recordRequests: true });
      let allowed = true;
      const named = new XelionClientFactory({ ...settings(), instanceId: 'inst-7' } as RuntimeSettings);
      const guarded = named.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN, mayCall: () => allowed }, fast);
      await guarded.me();
      expect(sim.requests(SIM_TENANT).map((r) => r.agent)).toEqual(['xelion-provisioning-service (instance inst-7)']);
      allowed = false;
      const error = await caught(guarded.findOrganisation('Acme'));
      expect(error).toBeInstanceOf(XelionCallCancelledError);
      expect(sim.requests(SIM_TENANT)).toHaveLength(1);
      expect(guarded.stats.calls).toBe(1);
      named.onModuleDestroy();
    });

    it('maps 401 to XelionAuthError "the tenant token was rejected", without the token, and is not retried', async () => {
      const bad = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: 'secret-wrong-token' }, fast);
      expect((await bad.serverVersion()).apiVersionMajor).toBe(1); // no authentication needed
      const error = await caught(bad.me());
      expect(error).toBeInstanceOf(XelionAuthError);
      expect(error.message).toBe('the tenant token was rejected');
      expect((error as XelionAuthError).status).toBe(401);
      expect((error as XelionAuthError).errorCode).toBe(10021);
      expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain('secret-wrong-token');
      expect(bad.stats.calls).toBe(2);
    });

    it('a revoked token fails, a new token works (bad token then retry with new token)', async () => {
      await client.me();
      sim.revokeToken(SIM_TENANT, SIM_TOKEN);
      expect(await caught(client.me())).toBeInstanceOf(XelionAuthError);
      sim.addToken(SIM_TENANT, 'rotated-token');
      const renewed = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: 'rotated-token' }, fast);
      expect((await renewed.me()).userName).toBe('admin@pbx1');
    });

    it('an unknown tenant is a not-found answer', async () => {
      const other = factory.forTenant({ serverUrl: sim.url, tenant: 'nope', token: SIM_TOKEN }, fast);
      expect(await caught(other.serverVersion())).toBeInstanceOf(XelionNotFoundError);
    });
  });

  describe('addressables', () => {
    it('creates, finds by exact name among substring matches, gets and patches organisations', async () => {
      const acme = await client.createOrganisation({
        name: 'Acme',
        telecomAddresses: [{ addressType: 'Telephone', address: '+31152000000' }],
        addresses: [{ addressType: 'Visit', street: 'Main', streetNumber: '1a', zipCode: '2611AA', city: 'Delft', country: 'NL' }],
      });
      await client.createOrganisation({ name: 'Acme Holding' });
      expect(acme).toMatchObject({ objectType: 'Organisation', name: 'Acme', commonName: 'Acme' });
      const found = await client.findOrganisation('Acme');
      expect(found).toMatchObject({ oid: acme.oid, addresses: [{ city: 'Delft', streetNumber: '1a' }], telecomAddresses: [{ address: '+31152000000' }] });
      expect(await client.findOrganisation('Acm')).toBeNull();
      expect(await client.findOrganisations('Acme Holding')).toHaveLength(1);
      await client.updateOrganisation(acme.oid, { telecomAddresses: [{ addressType: 'Email', address: 'info@acme.nl' }] });
      expect((await client.getAddressable(acme.oid)).telecomAddresses).toEqual([{ addressType: 'Email', address: 'info@acme.nl' }]);
    });

    it('creates persons employed by the organisation and finds them by common name', async () => {
      const jan = await person();
      expect(jan).toMatchObject({ objectType: 'Person', commonName: 'Jan Jansen', givenName: 'Jan', familyName: 'Jansen' });
      expect(jan.employments[0].organisation.objectType).toBe('Organisation');
      expect((await client.findPersons('Jan Jansen')).map((p) => p.oid)).toEqual([jan.oid]);
      expect(await client.findPersons('Jan')).toEqual([]);
    });

    it('maps 404 and 400 to typed errors keeping errorCode and message', async () => {
      const missing = await caught(client.getAddressable('999999'));
      expect(missing).toBeInstanceOf(XelionNotFoundError);
      expect((missing as XelionNotFoundError).errorCode).toBe(10100);
      const bad = await caught(client.createPhoneLine({ commonName: 'Sales', extensions: [], externalNumber: '0152000000' }));
      expect(bad).toBeInstanceOf(XelionPermanentError);
      expect((bad as XelionPermanentError).errorCode).toBe(10202);
      expect(bad.message).toContain('externalNumber');
    });
  });

  describe('users, lines, phones, trunks', () => {
    it('creates a user with a strong generated password and its primary line; finds it; patches it', async () => {
      const jan = await person();
      const line = await client.createPhoneLine({ commonName: 'Jan Jansen', extensions: ['201'], externalNumber: '+31152000001' });
      const user = await client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: jan.oid, lineOid: line.oid });
      expect(user).toMatchObject({ userName: 'jan@acme.nl', primaryLine: { oid: line.oid }, person: { oid: jan.oid }, xccRole: 'user', active: true });
      expect(JSON.stringify(user)).not.toMatch(/password/i);
      const dumped = (sim.dump(SIM_TENANT).users as { passwordLength: number; passwordClasses: number }[])[0];
      expect(dumped.passwordLength).toBeGreaterThanOrEqual(20);
      expect(dumped.passwordClasses).toBe(4);
      const found = await client.findUser('JAN@acme.nl');
      expect(found).toMatchObject({ oid: user.oid, primaryLine: { oid: line.oid }, person: { oid: jan.oid }, xccRole: 'user', active: true });
      expect(await client.findUser('jan@acme.n')).toBeNull();
      await client.updateUser(user.oid, { xccRole: 'administrator', active: false });
      expect(await client.findUser('jan@acme.nl')).toMatchObject({ xccRole: 'administrator', active: false });
      // The line knows its user.
      expect((await client.getPhoneLine(line.oid)).users).toEqual([expect.objectContaining({ user: expect.objectContaining({ oid: user.oid }), incoming: true, outgoing: true })]);
    });

    it('a duplicate user name is XelionDuplicateError (outcomeUnknown, 11000) and the POST is not repeated', async () => {
      const jan = await person();
      await client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: jan.oid });
      const piet = await person('Piet Peters');
      const error = await caught(client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: piet.oid }));
      expect(error).toBeInstanceOf(XelionDuplicateError);
      expect((error as XelionRetryableError).outcomeUnknown).toBe(true);
      expect((error as XelionRetryableError).errorCode).toBe(11000);
      expect(sim.calls(SIM_TENANT).byRoute['POST /users']).toBe(2);
    });

    it('finds lines by exact name and changes them with every line operation of the contract, in one document', async () => {
      const jan = await person();
      const user = await client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: jan.oid });
      const sales = await client.createPhoneLine({ commonName: 'Sales', extensions: ['300', '301'], recordCalls: true, users: [{ userOid: user.oid, incoming: true, outgoing: false }] });
      await client.createPhoneLine({ commonName: 'Sales NL', extensions: [] });
      const closed = await client.createPhoneLine({ commonName: 'Acme closed', extensions: [] });
      expect((await client.findPhoneLine('Sales'))?.oid).toBe(sales.oid);
      expect(await client.findPhoneLines('Sale')).toEqual([]);
      const phone = await client.createPhone({ commonName: 'Desk', macAddress: '80-5e-c0-12-34-56', phoneType: 'Yealink T54W', userOid: user.oid });
      expect(phone.macAddress).toBe('80:5E:C0:12:34:56');

      const patchesBefore = sim.calls(SIM_TENANT).byRoute['PATCH /phonelines/:oid'] ?? 0;
      await client.updatePhoneLine(sales.oid, {
        externalNumber: '+31152000002',
        defaultFallbackOid: closed.oid,
        voicemail: true,
        addExtensions: ['302'],
        userDirections: [{ relationOid: sales.users[0].oid, outgoing: true }],
        addPhones: [phone.oid],
        dayNightMode: {
          enableDayNightMode: true,
          manualNightMode: false,
          nightLineOid: closed.oid,
          timezone: 'Europe/Amsterdam',
          schedule: [{ day: 'MONDAY', from: '09:00', to: '17:30' }],
          holidays: ['2026-12-25'],
        },
      });
      expect(sim.calls(SIM_TENANT).byRoute['PATCH /phonelines/:oid']).toBe(patchesBefore + 1);
      const after = await client.getPhoneLine(sales.oid);
      expect(after).toMatchObject({
        externalNumber: '+31152000002',
        defaultFallback: { oid: closed.oid },
        voicemailActive: true,
        recordCalls: true,
        users: [{ user: { oid: user.oid }, incoming: true, outgoing: true }],
        phones: [{ oid: phone.oid }],
        dayNightMode: { nightLine: { oid: closed.oid }, timezone: 'Europe/Amsterdam', schedule: [{ day: 'MONDAY' }], holidays: ['2026-12-25'] },
      });
      expect(after.extensions.map((e) => e.address)).toEqual(['300', '301', '302']);

      // A new member through a vid, with its directions, in one document.
      const piet = await person('Piet Peters');
      const pietUser = await client.createUser({ userName: 'piet@acme.nl', xccRole: 'user', personOid: piet.oid });
      await client.updatePhoneLine(sales.oid, { addUsers: [{ userOid: pietUser.oid, incoming: true, outgoing: false }] });
      expect((await client.getPhoneLine(sales.oid)).users.find((u) => u.user.oid === pietUser.oid)).toMatchObject({ incoming: true, outgoing: false });
    });

    it('phones: of a user, by MAC (any notation, paging through all phones); a MAC in use is XelionDuplicateError', async () => {
      const jan = await person();
      const user = await client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: jan.oid });
      const phone = await client.createPhone({ commonName: 'Desk', macAddress: '805EC0123456', phoneType: 'Yealink T54W', userOid: user.oid });
      await client.createPhone({ commonName: 'Other', macAddress: '00:11:22:33:44:55', phoneType: 'Snom D785', userOid: user.oid });
      expect((await client.findPhonesOfUser(user.oid)).map((p) => p.macAddress)).toEqual(['80:5E:C0:12:34:56', '00:11:22:33:44:55']);
      expect(await client.findPhoneByMac('80:5e:c0:12:34:56')).toMatchObject({ oid: phone.oid, phoneType: 'Yealink T54W' });
      expect(await client.findPhoneByMac('AA:BB:CC:DD:EE:FF')).toBeNull();
      expect((await client.findPhoneByMac('80:5e:c0:12:34:56'))?.user?.oid).toBe(user.oid);
      const dup = await caught(client.createPhone({ commonName: 'Again', macAddress: '80:5E:C0:12:34:56', phoneType: 'x', userOid: user.oid }));
      expect(dup).toBeInstanceOf(XelionDuplicateError);
      expect((dup as XelionDuplicateError).outcomeUnknown).toBe(true);
    });

    it('trunks: create (password kept out of the result), list, assign numbers to lines, default caller number', async () => {
      expect(await client.listTrunks()).toEqual([]);
      const line = await client.createPhoneLine({ commonName: 'Jan', extensions: ['201'] });
      const trunk = await client.createTrunk({ providerName: 'Voys', host: 'sip.voys.nl', port: 5061, account: 'acc1', password: 'sip-secret-1', transportType: 'TLS' });
      expect(JSON.stringify(trunk)).not.toContain('sip-secret-1');
      expect((sim.dump(SIM_TENANT).trunks as { password: string; port: number }[])[0]).toMatchObject({ password: 'sip-secret-1', port: 5061 });
      const other = await client.createPhoneLine({ commonName: 'Piet', extensions: ['202'] });
      await client.updateTrunk(trunk.oid, {
        assign: [
          { number: '+31152000001', lineOid: line.oid },
          { number: '+31152000002', lineOid: line.oid },
        ],
        defaultCallerNr: '+31152000000',
      });
      const [listed] = await client.listTrunks();
      expect(listed).toMatchObject({ oid: trunk.oid, defaultCallerNr: '+31152000000' });
      expect(listed.assignedNumbers).toEqual([
        expect.objectContaining({ number: '+31152000001', line: expect.objectContaining({ oid: line.oid }) }),
        expect.objectContaining({ number: '+31152000002', line: expect.objectContaining({ oid: line.oid }) }),
      ]);
      // An existing assigned number's line is replaced by its oid.
      await client.updateTrunk(trunk.oid, { relink: [{ relationOid: listed.assignedNumbers[1].oid, lineOid: other.oid }] });
      expect((await client.listTrunks())[0].assignedNumbers[1].line?.oid).toBe(other.oid);
    });
  });

  describe('paging', () => {
    it('follows pages across more than 100 objects', async () => {
      const tenant = sim.state.tenant(SIM_TENANT);
      const jan = await person();
      const user = await client.createUser({ userName: 'jan@acme.nl', xccRole: 'user', personOid: jan.oid });
      for (let i = 0; i < 230; i += 1) {
        simCreatePhone(tenant, { objectType: 'XCCPhone', commonName: `p${i}`, user: { oid: user.oid, objectType: 'UserProfile' }, provisioningInfo: { macAddress: `00:00:00:00:${String(Math.floor(i / 100)).padStart(2, '0')}:${String(i % 100).padStart(2, '0')}`, phoneType: 'T' } });
      }
      tenant.resetCalls();
      const phones = await client.findPhonesOfUser(user.oid);
      expect(phones).toHaveLength(230);
      expect(new Set(phones.map((p) => p.oid)).size).toBe(230);
      expect(sim.calls(SIM_TENANT).byRoute['GET /phones']).toBe(3);
      expect(await client.findPhoneByMac('00:00:00:00:02:29')).not.toBeNull();
    });
  });

  describe('retries and limits', () => {
    it('retries 429 bursts on reads and creates, honouring Retry-After', async () => {
      const waits: number[] = [];
      const waiting = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, { ...fast, sleep: async (ms) => void waits.push(ms) });
      sim.setOptions({ burst429: 3, retryAfter: 2 });
      expect((await waiting.me()).userName).toBe('admin@pbx1');
      expect(waits).toEqual([2000, 2000, 2000]);
      expect(waiting.stats).toEqual({ calls: 4, retries: 3 });
      sim.setOptions({ burst429: 2, retryAfter: null });
      const org = await waiting.createOrganisation({ name: 'Acme' });
      expect(org.name).toBe('Acme');
      expect(sim.dump(SIM_TENANT).organisations).toHaveLength(1);
    });

    it('retries random 500s on reads and succeeds', async () => {
      await client.createOrganisation({ name: 'Acme' });
      sim.setOptions({ errorRate: 0.3, seed: 7 });
      const robust = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, { retryPolicy: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 10 } });
      for (let i = 0; i < 30; i += 1) expect((await robust.findOrganisation('Acme'))?.name).toBe('Acme');
      expect(robust.stats.retries).toBeGreaterThan(0);
      expect(sim.calls(SIM_TENANT).byStatus['500']).toBe(robust.stats.retries);
    });

    it('a 500 after a create is outcomeUnknown and not repeated; the object can be looked up', async () => {
      sim.addFault({ route: 'POST /addressables', status: 500, errorCode: 11000, phase: 'after' });
      const error = await caught(client.createOrganisation({ name: 'Acme' }));
      expect(error).toBeInstanceOf(XelionRetryableError);
      expect((error as XelionRetryableError).outcomeUnknown).toBe(true);
      expect(sim.calls(SIM_TENANT).byRoute['POST /addressables']).toBe(1);
      expect(await client.findOrganisation('Acme')).not.toBeNull();
    });

    it('a PATCH of only replace operations is retried; one with add is not', async () => {
      const line = await client.createPhoneLine({ commonName: 'L', extensions: [] });
      sim.addFault({ route: 'PATCH /phonelines/:oid', status: 503, phase: 'after' });
      await client.updatePhoneLine(line.oid, { recordCalls: true });
      expect((await client.getPhoneLine(line.oid)).recordCalls).toBe(true);
      sim.addFault({ route: 'PATCH /phonelines/:oid', status: 500, errorCode: 11000, phase: 'after' });
      const error = await caught(client.updatePhoneLine(line.oid, { addExtensions: ['201'] }));
      expect((error as XelionRetryableError).outcomeUnknown).toBe(true);
      expect((await client.getPhoneLine(line.oid)).extensions.map((e) => e.address)).toEqual(['201']);
    });

    it('times out, retries reads, and does not repeat a timed-out create', async () => {
      const impatient = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, { ...fast, timeoutMs: 150 });
      sim.addFault({ route: 'GET /me/info', status: 200, delayMs: 400, phase: 'after' });
      expect((await impatient.me()).userName).toBe('admin@pbx1');
      expect(impatient.stats.calls).toBe(2);
      sim.addFault({ route: 'POST /phonelines', status: 201, delayMs: 400, phase: 'after' });
      const error = await caught(impatient.createPhoneLine({ commonName: 'Slow', extensions: [] }));
      expect(error).toBeInstanceOf(XelionRetryableError);
      expect((error as XelionRetryableError).outcomeUnknown).toBe(true);
      expect(error.message).toContain('no complete answer within 150 ms');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(sim.calls(SIM_TENANT).byRoute['POST /phonelines']).toBe(1);
    });

    it('keeps at most maxConcurrency requests in flight per tenant, across client instances', async () => {
      sim.setOptions({ concurrencyLimit: 4, latencyMs: 15 });
      const a = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, fast);
      const b = factory.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, fast);
      await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).me()));
      const calls = sim.calls(SIM_TENANT);
      expect(calls.peakInFlight).toBeLessThanOrEqual(4);
      expect(calls.peakInFlight).toBeGreaterThanOrEqual(2);
      expect(calls.rejected429).toBe(0);
      expect(a.stats.calls + b.stats.calls).toBe(40);

      // Control: a process allowing more than the server's limit does get 429s (and still succeeds, given
      // attempts enough: 12 requests contend for 4 places, and a loaded CI machine once starved one for 20).
      sim.setOptions({ latencyMs: 60 });
      const greedy = new XelionClientFactory(settings({ maxConcurrency: 12 }) as RuntimeSettings);
      const c = greedy.forTenant({ serverUrl: sim.url, tenant: 'pbx2', token: 'test-token-pbx2' }, { retryPolicy: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 100 } });
      await Promise.all(Array.from({ length: 24 }, () => c.me()));
      expect(sim.calls('pbx2').rejected429).toBeGreaterThan(0);
      greedy.onModuleDestroy();
    });
  });

  describe('URL safety', () => {
    it('refuses a server on a loopback address when private addresses are not allowed, before any request', async () => {
      const strict = new XelionClientFactory(settings({}, false) as RuntimeSettings);
      const before = sim.calls(SIM_TENANT).total;
      const viaName = strict.forTenant({ serverUrl: sim.url.replace('127.0.0.1', 'localhost'), tenant: SIM_TENANT, token: SIM_TOKEN }, fast);
      const error = await caught(viaName.serverVersion());
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect(error.message).toContain('the host localhost is not allowed');
      expect(await caught(strict.forTenant({ serverUrl: sim.url, tenant: SIM_TENANT, token: SIM_TOKEN }, fast).me())).toBeInstanceOf(UnsafeUrlError);
      expect(sim.calls(SIM_TENANT).total).toBe(before);
      strict.onModuleDestroy();
    });

    it('refuses server URLs that are not plain http(s)', () => {
      expect(() => factory.forTenant({ serverUrl: 'ftp://x.example', tenant: 't', token: 'k' })).toThrow(UnsafeUrlError);
      expect(() => factory.forTenant({ serverUrl: 'https://u:p@x.example', tenant: 't', token: 'k' })).toThrow(/credentials/);
    });
  });
});

describe('external services against the simulator', () => {
  let sim: RunningSimulator;
  let numbers: NumberProviderClient;
  let redirection: RedirectionClient;
  beforeAll(async () => {
    sim = await startTestSimulator();
    const fast = { retryPolicy: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 8 } };
    numbers = new NumberProviderClient(settings() as RuntimeSettings, fast);
    redirection = new RedirectionClient(settings() as RuntimeSettings, fast);
  });
  afterAll(async () => {
    numbers?.onModuleDestroy();
    redirection?.onModuleDestroy();
    await sim?.close();
  });
  beforeEach(() => sim.reset());

  it('reserves numbers: the same reference gives the same number, even through errors', async () => {
    const access = { url: `${sim.url}/numbers/`, apiKey: 'demo-numbers-key' };
    const first = await numbers.reserve(access, { country: 'NL', area: '015', label: 'central', reference: 'order-1:central' });
    expect(first.number).toMatch(/^\+3115\d{7}$/);
    sim.setOptions({ errorRate: 0.5, seed: 3 });
    for (let i = 0; i < 5; i += 1) {
      expect((await numbers.reserve(access, { country: 'NL', area: '015', label: 'central', reference: 'order-1:central' })).number).toBe(first.number);
    }
    sim.setOptions({ errorRate: 0 });
    const error = await caught(numbers.reserve({ ...access, apiKey: 'wrong-key-123' }, { country: 'NL', area: '015', label: 'x', reference: 'r' }));
    expect(error).toBeInstanceOf(NumberProviderError);
    expect((error as NumberProviderError).retryable).toBe(false);
    expect(error.message).toContain('credentials were rejected');
    expect(error.message).not.toContain('wrong-key-123');
    const bad = await caught(numbers.reserve(access, { country: 'XX', area: '015', label: 'x', reference: 'r2' }));
    expect((bad as NumberProviderError).retryable).toBe(false);
    expect(bad.message).toContain('country');
  });

  it('registers phones at the redirection server (idempotent, Basic auth)', async () => {
    const access = { url: `${sim.url}/redirection`, username: 'demo', password: 'demo-redirection-password' };
    const body = { provisioningUrl: `${sim.url}/provisioning/${SIM_TENANT}`, label: 'Yealink T54W' };
    await redirection.register(access, '80:5e:c0:12:34:56', body);
    await redirection.register(access, '80:5E:C0:12:34:56', body);
    const state = sim.dump(SIM_TENANT) as { registrations: { mac: string; updates: number; label: string }[] };
    expect(state.registrations).toEqual([expect.objectContaining({ mac: '805EC0123456', updates: 2, label: 'Yealink T54W' })]);
    const error = await caught(redirection.register({ ...access, password: 'nope-secret' }, '805EC0123456', body));
    expect(error).toBeInstanceOf(RedirectionError);
    expect((error as RedirectionError).retryable).toBe(false);
    expect(error.message).not.toContain('nope-secret');
  });

  it('refuses internal URLs when private addresses are not allowed', async () => {
    const strict = new NumberProviderClient(settings({}, false) as RuntimeSettings);
    const error = await caught(strict.reserve({ url: `${sim.url}/numbers`, apiKey: 'demo-numbers-key' }, { country: 'NL', area: '015', label: 'x', reference: 'r' }));
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(sim.state.reservations.size).toBe(0);
    strict.onModuleDestroy();
  });
});

describe('XelionModule wiring', () => {
  it('provides the factory and the external clients from the settings', async () => {
    @Module({ imports: [ConfigModule.forRoot(settings({ maxConcurrency: 3 }) as RuntimeSettings), XelionModule] })
    class TestModule {}
    const context = await NestFactory.createApplicationContext(TestModule, { logger: false });
    try {
      const factory = context.get(XelionClientFactory);
      expect(factory.forTenant({ serverUrl: 'https://xelion.example.com', tenant: 't', token: 'k' }).tenant).toBe('t');
      expect(factory.semaphoreOf('https://xelion.example.com', 't').limit).toBe(3);
      expect(context.get(NumberProviderClient)).toBeInstanceOf(NumberProviderClient);
      expect(context.get(RedirectionClient)).toBeInstanceOf(RedirectionClient);
    } finally {
      await context.close();
    }
  });
});
