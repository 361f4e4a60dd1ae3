import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultPark } from '../../tools/xelion-simulator/park.js';
import { startTestSimulator, xelionFetch, type RunningSimulator } from '../support/simulator.js';

/** The simulator's master tenant over a park of tenants, over raw HTTP (docs/xelion-contract.md, "The master tenant"). */
describe('Xelion simulator: the master tenant and its park', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator({ park: defaultPark() });
  });
  afterAll(() => sim?.close());
  beforeEach(() => sim.reset());

  const master = (method: string, path: string, body?: unknown, token: string | null = null) => xelionFetch(sim, method, path, body, { tenant: 'master', token });
  const login = async (userName = 'park-admin', password = 'park-admin-password', userSpace = 'space-1') => master('POST', '/me/login', { userName, password, userSpace });

  it('logs in (no Authorization) and refuses wrong credentials (10004) and a user space in use (10005)', async () => {
    const ok = await login();
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ authentication: expect.any(String), renewalToken: expect.any(String), validUntil: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect((await login('park-admin', 'wrong')).body.errorCode).toBe(10004);
    expect((await login()).body.errorCode).toBe(10005);
    expect((await login('park-admin', 'park-admin-password', 'space-2')).status).toBe(200);
    const info = await master('GET', '/me/info', undefined, ok.body.authentication);
    expect(info.body.object).toMatchObject({ userName: 'park-admin', isAdministrator: true });
    expect((await master('POST', '/me/logout', undefined, ok.body.authentication)).status).toBe(204);
    expect((await master('GET', '/me/info', undefined, ok.body.authentication)).status).toBe(401);
  });

  it('lists tenants with one where= at a time, name search and licence counts; refuses other filters', async () => {
    const token = (await login()).body.authentication;
    const available = await master('GET', '/tenants?where=active=false&include=licenseCounts', undefined, token);
    expect(available.body.data.map((d: { object: { oid: string } }) => d.object.oid)).toEqual(['10', '12', '13', '14']);
    expect(available.body.data[1].object).toMatchObject({ objectType: 'XCCTenant', subDatabaseName: 'park12', statusEnum: 'PRELOADED', isTemplate: false, licenseCounts: [{ license: { commonName: 'license.user' }, maxLicenses: 5 }, expect.any(Object)] });
    expect((await master('GET', '/tenants?name=preloaded', undefined, token)).body.data).toHaveLength(3);
    expect((await master('GET', '/tenants?where=isTemplate=true', undefined, token)).body.data.map((d: { object: { oid: string } }) => d.object.oid)).toEqual(['10']);
    const twice = await master('GET', '/tenants?where=active=false&where=isTemplate=false', undefined, token);
    expect([twice.status, twice.body.errorCode]).toEqual([400, 10202]);
    expect((await master('GET', '/tenants?where=statusEnum=PRELOADED', undefined, token)).body.errorCode).toBe(10202);
  });

  it('takes a tenant: renames and licenses it in one PATCH, starts it, logs in to it; the session works on the tenant', async () => {
    const token = (await login()).body.authentication;
    const tenant = (await master('GET', '/tenants/12', undefined, token)).body.object;
    const userCount = tenant.licenseCounts.find((c: { license: { commonName: string } }) => c.license.commonName === 'license.user');
    const patch = await master(
      'PATCH',
      '/tenants/12',
      {
        operations: [
          { op: 'replace', path: '/commonName', value: 'acme' },
          { op: 'replace', path: '/subDatabaseName', value: 'acme' },
          { op: 'replace', path: `/licenseCounts/${userCount.oid}/maxLicenses`, value: 25 },
        ],
      },
      token,
    );
    expect(patch.status).toBe(204);
    expect((await master('POST', '/tenants/12/start', undefined, token)).status).toBe(204);
    expect((await master('POST', '/tenants/12/start', undefined, token)).body.errorCode).toBe(10062);
    // The name cannot change once the tenant runs.
    expect((await master('PATCH', '/tenants/12', { operations: [{ op: 'replace', path: '/subDatabaseName', value: 'other' }] }, token)).body.errorCode).toBe(10202);
    const session = await master('POST', '/tenants/12/login', { userSpace: 'provisioning-1' }, token);
    expect(session.status).toBe(200);
    expect((await master('POST', '/tenants/12/login', { userSpace: 'provisioning-1' }, token)).body.errorCode).toBe(10005);
    const me = await xelionFetch(sim, 'GET', '/me/info', undefined, { tenant: 'acme', token: session.body.authentication });
    expect(me.status).toBe(200);
    const after = (await master('GET', '/tenants/12', undefined, token)).body.object;
    expect(after).toMatchObject({ commonName: 'acme', subDatabaseName: 'acme', active: true, statusEnum: 'STARTED' });
    expect(after.licenseCounts.find((c: { oid: string }) => c.oid === userCount.oid).maxLicenses).toBe(25);
  });

  it('refuses what the contract does not define, a non-administrator (10101), templates (10074) and tenant calls on a normal tenant (10063)', async () => {
    const token = (await login()).body.authentication;
    expect((await master('PATCH', '/tenants/12', { operations: [{ op: 'replace', path: '/active', value: true }] }, token)).body.errorCode).toBe(10202);
    expect((await master('DELETE', '/tenants/12', undefined, token)).body.errorCode).toBe(10202);
    expect((await master('POST', '/tenants/10/start', undefined, token)).body.errorCode).toBe(10074);
    expect((await master('GET', '/tenants/99', undefined, token)).body.errorCode).toBe(10100);
    const viewer = (await login('park-viewer', 'park-viewer-password')).body.authentication;
    const refused = await master('GET', '/tenants', undefined, viewer);
    expect([refused.status, refused.body.errorCode]).toEqual([403, 10101]);
    const notMaster = await xelionFetch(sim, 'GET', '/tenants');
    expect([notMaster.status, notMaster.body.errorCode]).toEqual([400, 10063]);
  });

  it('a server without a park answers 404 / 10060', async () => {
    const plain = await startTestSimulator();
    try {
      const answer = await xelionFetch(plain, 'POST', '/me/login', { userName: 'a', password: 'b', userSpace: 'c' }, { tenant: 'master', token: null });
      expect([answer.status, answer.body.errorCode]).toEqual([404, 10060]);
    } finally {
      await plain.close();
    }
  });
});
