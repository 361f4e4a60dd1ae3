import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_TOKEN, startTestSimulator, xelionFetch, type RunningSimulator } from '../support/simulator.js';

/** The simulator itself, spoken to over raw HTTP: the contract of docs/xelion-contract.md, and its refusals. */
describe('Xelion simulator (raw HTTP)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startTestSimulator();
  });
  afterAll(() => sim?.close());
  beforeEach(() => sim.reset());

  const org = (name: string) => ({ objectType: 'Organisation', name, telecomAddresses: [{ addressType: 'Email', address: 'info@acme.nl' }] });

  it('answers /server/version without authentication and /me/info only with a valid token', async () => {
    const version = await xelionFetch(sim, 'GET', '/server/version', undefined, { token: null });
    expect(version.status).toBe(200);
    expect(version.body.apiVersionMajor).toBe(1);
    expect((await xelionFetch(sim, 'GET', '/me/info')).body.object.userName).toBe('admin@pbx1');
    const bad = await xelionFetch(sim, 'GET', '/me/info', undefined, { token: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ errorCode: 10021, message: expect.any(String), info: 'resource=GET /me/info' });
    expect((await xelionFetch(sim, 'GET', '/me/info', undefined, { token: null })).body.errorCode).toBe(10000);
    // A token of another tenant is not valid here.
    expect((await xelionFetch(sim, 'GET', '/me/info', undefined, { token: 'test-token-pbx2' })).status).toBe(401);
  });

  it('creates, finds (substring name search) and patches addressables with envelopes', async () => {
    const created = await xelionFetch(sim, 'POST', '/addressables', org('Acme'));
    expect(created.status).toBe(201);
    expect(created.body.object).toMatchObject({ objectType: 'Organisation', commonName: 'Acme', name: 'Acme' });
    expect(created.body.links[0]).toMatchObject({ rel: 'self', method: 'GET' });
    await xelionFetch(sim, 'POST', '/addressables', org('Acme Holding'));
    const found = await xelionFetch(sim, 'GET', '/addressables?where=obj_type=Organisation&name=acme');
    expect(found.body.data.map((d: { object: { commonName: string } }) => d.object.commonName)).toEqual(['Acme', 'Acme Holding']);
    const oid = created.body.object.oid;
    const person = await xelionFetch(sim, 'POST', '/addressables', {
      objectType: 'Person',
      givenName: 'Jan',
      familyName: 'Jansen',
      employments: [{ organisation: { oid, objectType: 'Organisation' } }],
    });
    expect(person.body.object.commonName).toBe('Jan Jansen');
    const patch = await xelionFetch(sim, 'PATCH', `/addressables/${oid}`, { operations: [{ op: 'replace', path: '/name', value: 'Acme BV' }] });
    expect(patch.status).toBe(204);
    expect((await xelionFetch(sim, 'GET', `/addressables/${oid}`)).body.object.commonName).toBe('Acme BV');
    // The person's employment reference follows the rename.
    const personAfter = await xelionFetch(sim, 'GET', `/addressables/${person.body.object.oid}`);
    expect(personAfter.body.object.employments[0].organisation.commonName).toBe('Acme BV');
  });

  it('validates payloads and PATCH paths with the documented codes', async () => {
    expect((await xelionFetch(sim, 'POST', '/addressables', {})).body.errorCode).toBe(10200);
    expect((await xelionFetch(sim, 'POST', '/addressables', { objectType: 'Organisation' })).body.errorCode).toBe(10203);
    expect((await xelionFetch(sim, 'POST', '/addressables', { objectType: 'Banana', name: 'x' })).body.errorCode).toBe(10202);
    const { oid } = (await xelionFetch(sim, 'POST', '/addressables', org('Acme'))).body.object;
    const unknown = await xelionFetch(sim, 'PATCH', `/addressables/${oid}`, { operations: [{ op: 'replace', path: '/colour', value: 'red' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errorCode).toBe(10202);
    const missing = await xelionFetch(sim, 'GET', '/addressables/999999');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ errorCode: 10100, info: 'resource=GET /addressables/999999' });
  });

  it('answers a duplicate user name and a duplicate MAC with 500 / 11000', async () => {
    const orgOid = (await xelionFetch(sim, 'POST', '/addressables', org('Acme'))).body.object.oid;
    const person = async () =>
      (await xelionFetch(sim, 'POST', '/addressables', { objectType: 'Person', givenName: 'A', familyName: 'B', employments: [{ organisation: { oid: orgOid, objectType: 'Organisation' } }] })).body.object.oid;
    const line = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'A B', extensions: [{ address: '201' }] })).body.object;
    const user = {
      objectType: 'UserProfile',
      userName: 'a@acme.nl',
      password: 'Str0ng-enough-Passw0rd!',
      active: true,
      xccRole: 'user',
      userLicense: true,
      person: { oid: await person(), objectType: 'Person' },
      lines: [{ objectType: 'XCCConnectedUser', line: { oid: line.oid, objectType: 'XCCPhoneLine' }, orderNumber: 1, incoming: true, outgoing: true, editable: 'INCOMINGANDOUTGOING' }],
    };
    const first = await xelionFetch(sim, 'POST', '/users', user);
    expect(first.status).toBe(201);
    expect(first.body.object.primaryLine.oid).toBe(line.oid);
    expect(first.body.object.password).toBeUndefined();
    const again = await xelionFetch(sim, 'POST', '/users', { ...user, userName: 'A@acme.nl', person: { oid: await person(), objectType: 'Person' } });
    expect(again.status).toBe(500);
    expect(again.body.errorCode).toBe(11000);
    const found = await xelionFetch(sim, 'GET', '/users?where=userName=a@acme.nl&include=person,primaryLine,xccRole,active');
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0].object).toMatchObject({ userName: 'a@acme.nl', xccRole: 'user', active: true, primaryLine: { oid: line.oid } });
    const phone = { objectType: 'XCCPhone', commonName: 'desk', active: true, user: { oid: first.body.object.oid, objectType: 'UserProfile' }, provisioningInfo: { macAddress: '80:5E:C0:12:34:56', phoneType: 'Yealink T54W' } };
    expect((await xelionFetch(sim, 'POST', '/phones', phone)).status).toBe(201);
    const dup = await xelionFetch(sim, 'POST', '/phones', { ...phone, commonName: 'other' });
    expect(dup.status).toBe(500);
    expect(dup.body.errorCode).toBe(11000);
    const phones = await xelionFetch(sim, 'GET', `/phones?where=user=${first.body.object.oid}&include=provisioningInfo.macAddress,provisioningInfo.phoneType`);
    expect(phones.body.data[0].object.provisioningInfo).toEqual({ macAddress: '80:5E:C0:12:34:56', phoneType: 'Yealink T54W' });
    const state = sim.dump('pbx1');
    expect(state.users).toHaveLength(1);
    expect((state.users as { passwordLength: number }[])[0].passwordLength).toBe(23);
  });

  it('applies every phone line operation of the spec, with vids, all-or-nothing', async () => {
    const line = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'Sales', extensions: [{ address: '300' }] })).body.object;
    const other = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'Closed', extensions: [] })).body.object;
    const orgOid = (await xelionFetch(sim, 'POST', '/addressables', org('Acme'))).body.object.oid;
    const personOid = (await xelionFetch(sim, 'POST', '/addressables', { objectType: 'Person', givenName: 'A', employments: [{ organisation: { oid: orgOid, objectType: 'Organisation' } }] })).body.object.oid;
    const user = (await xelionFetch(sim, 'POST', '/users', { objectType: 'UserProfile', userName: 'a@x.nl', password: 'Str0ng-enough-Passw0rd!', xccRole: 'user', person: { oid: personOid, objectType: 'Person' } })).body.object;
    const phone = (
      await xelionFetch(sim, 'POST', '/phones', { objectType: 'XCCPhone', commonName: 'p', user: { oid: user.oid, objectType: 'UserProfile' }, provisioningInfo: { macAddress: '00:11:22:33:44:55', phoneType: 'Snom D785' } })
    ).body.object;
    const ops = [
      { op: 'replace', path: '/commonName', value: 'Sales team' },
      { op: 'replace', path: '/externalNumber', value: '+31152000001' },
      { op: 'replace', path: '/recordCalls', value: true },
      { op: 'replace', path: '/defaultFallback', value: { oid: other.oid, objectType: 'XCCPhoneLine' } },
      { op: 'replace', path: '/userPhoneLine/voicemailActive', value: true },
      { op: 'add', path: '/extensions/1', value: '301' },
      { op: 'remove', path: `/extensions/${line.extensions[0].oid}` },
      { op: 'add', path: '/users/2', value: user.oid },
      { op: 'replace', path: '/users/2/incoming', value: true },
      { op: 'replace', path: '/users/2/outgoing', value: false },
      { op: 'add', path: '/phones/3', value: phone.oid },
      {
        op: 'replace',
        path: '/dayNightMode',
        value: { enableDayNightMode: true, manualNightMode: false, nightLine: { oid: other.oid, objectType: 'XCCPhoneLine' }, timezone: 'Europe/Amsterdam', schedule: [{ day: 'MONDAY', from: '09:00', to: '17:30' }], holidays: ['2026-12-25'] },
      },
    ];
    expect((await xelionFetch(sim, 'PATCH', `/phonelines/${line.oid}`, { operations: ops })).status).toBe(204);
    const after = (await xelionFetch(sim, 'GET', `/phonelines/${line.oid}`)).body.object;
    expect(after).toMatchObject({
      commonName: 'Sales team',
      externalNumber: '+31152000001',
      recordCalls: true,
      defaultFallback: { oid: other.oid },
      userPhoneLine: { voicemailActive: true },
      extensions: [{ address: '301' }],
      users: [{ user: { oid: user.oid }, incoming: true, outgoing: false }],
      phones: [{ oid: phone.oid }],
      dayNightMode: { nightLine: { oid: other.oid }, schedule: [{ day: 'MONDAY', from: '09:00', to: '17:30' }], holidays: ['2026-12-25'] },
    });
    // One bad operation: nothing of the document is applied.
    const bad = await xelionFetch(sim, 'PATCH', `/phonelines/${line.oid}`, {
      operations: [
        { op: 'replace', path: '/commonName', value: 'Renamed' },
        { op: 'replace', path: '/users/99/incoming', value: true },
      ],
    });
    expect(bad.body.errorCode).toBe(10202);
    expect((await xelionFetch(sim, 'GET', `/phonelines/${line.oid}`)).body.object.commonName).toBe('Sales team');
  });

  it('pages with limit (capped at 100) and after', async () => {
    for (let i = 0; i < 130; i += 1) await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: `Line ${i}`, extensions: [] });
    const first = await xelionFetch(sim, 'GET', '/phonelines?limit=500');
    expect(first.body.data).toHaveLength(100);
    const last = first.body.data[99].object.oid;
    expect(first.body.meta.paging.nextId).toBe(last);
    const second = await xelionFetch(sim, 'GET', `/phonelines?limit=100&after=${last}`);
    expect(second.body.data).toHaveLength(30);
    expect(second.body.meta.paging.nextId).toBeUndefined();
  });

  it('trunks: create, list with include, assigned numbers with a line, default caller number', async () => {
    const line = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'L', extensions: [] })).body.object;
    const trunk = (await xelionFetch(sim, 'POST', '/trunks', { objectType: 'XCCTrunk', providerName: 'Voys', host: 'sip.voys.nl', account: 'acc', password: 'sip-secret', transportType: 'TLS' })).body.object;
    expect(trunk.password).toBeUndefined();
    const patch = await xelionFetch(sim, 'PATCH', `/trunks/${trunk.oid}`, {
      operations: [
        { op: 'add', path: '/assignedNumbers/1', value: '+31152000001' },
        { op: 'replace', path: '/assignedNumbers/1/line', value: { oid: line.oid, objectType: 'XCCPhoneLine' } },
        { op: 'replace', path: '/defaultCallerNr', value: '+31152000001' },
      ],
    });
    expect(patch.status).toBe(204);
    const listed = await xelionFetch(sim, 'GET', '/trunks?include=assignedNumbers,defaultCallerNr');
    expect(listed.body.data[0].object).toMatchObject({ defaultCallerNr: '+31152000001', assignedNumbers: [{ number: '+31152000001', line: { oid: line.oid } }] });
    expect(listed.body.data[0].object.host).toBeUndefined();
  });

  describe('refuses what the contract does not define (400 / 10202, 10203 for a wrong objectType)', () => {
    /** An organisation, a person, a user with a line, and a phone of that user: the objects the refusals refer to. */
    async function seed() {
      const orgOid = (await xelionFetch(sim, 'POST', '/addressables', org('Acme'))).body.object.oid as string;
      const personOid = (await xelionFetch(sim, 'POST', '/addressables', { objectType: 'Person', givenName: 'A', familyName: 'B' })).body.object.oid as string;
      const line = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'A B', extensions: [{ address: '201' }] })).body.object;
      const user = (
        await xelionFetch(sim, 'POST', '/users', {
          objectType: 'UserProfile',
          userName: 'a@acme.nl',
          password: 'Str0ng-enough-Passw0rd!',
          person: { oid: personOid, objectType: 'Person' },
          lines: [{ objectType: 'XCCConnectedUser', line: { oid: line.oid, objectType: 'XCCPhoneLine' } }],
        })
      ).body.object;
      const phone = { objectType: 'XCCPhone', commonName: 'desk', user: { oid: user.oid, objectType: 'UserProfile' }, provisioningInfo: { macAddress: '80:5E:C0:12:34:56', phoneType: 'Yealink T54W' } };
      const phoneOid = (await xelionFetch(sim, 'POST', '/phones', phone)).body.object.oid as string;
      return { orgOid, personOid, lineOid: line.oid as string, userOid: user.oid as string, phone, phoneOid };
    }
    const refused = (answer: { status: number; body: { errorCode: number; message: string } }, errorCode: number, names: string) => {
      expect(answer.status).toBe(400);
      expect(answer.body.errorCode).toBe(errorCode);
      expect(answer.body.message).toContain(names);
    };
    const patchLine = (lineOid: string, operations: unknown[]) => xelionFetch(sim, 'PATCH', `/phonelines/${lineOid}`, { operations });

    it('add /phones/{vid} with a reference object instead of the phone oid', async () => {
      const { lineOid, phoneOid } = await seed();
      refused(await patchLine(lineOid, [{ op: 'add', path: '/phones/1', value: { oid: phoneOid, objectType: 'XCCPhone' } }]), 10202, '/phones/1');
      expect((await patchLine(lineOid, [{ op: 'add', path: '/phones/1', value: phoneOid }])).status).toBe(204);
    });

    it('add /users/{vid} with a reference object instead of the user oid', async () => {
      const { userOid } = await seed();
      const dept = (await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'Sales', extensions: [] })).body.object.oid;
      refused(await patchLine(dept, [{ op: 'add', path: '/users/1', value: { oid: userOid, objectType: 'UserProfile' } }]), 10202, '/users/1');
      expect((await patchLine(dept, [{ op: 'add', path: '/users/1', value: userOid }])).status).toBe(204);
    });

    it('add /employments/{vid} with an Organisation reference instead of the organisation oid', async () => {
      const { orgOid, personOid } = await seed();
      const patch = (value: unknown) => xelionFetch(sim, 'PATCH', `/addressables/${personOid}`, { operations: [{ op: 'add', path: '/employments/1', value }] });
      refused(await patch({ oid: orgOid, objectType: 'Organisation' }), 10202, '/employments/1');
      expect((await patch(orgOid)).status).toBe(204);
    });

    it('a where= filter that the collection does not name (phones by MAC address), and unknown parameters', async () => {
      await seed();
      refused(await xelionFetch(sim, 'GET', '/phones?where=provisioningInfo.macAddress=80:5E:C0:12:34:56'), 10202, 'where=provisioningInfo.macAddress');
      refused(await xelionFetch(sim, 'GET', '/users?where=person=1'), 10202, 'where=person');
      refused(await xelionFetch(sim, 'GET', '/trunks?name=Voys'), 10202, 'name=');
      refused(await xelionFetch(sim, 'GET', '/phonelines?sort=name'), 10202, 'sort');
      refused(await xelionFetch(sim, 'GET', '/users?include=password'), 10202, 'password');
      refused(await xelionFetch(sim, 'GET', '/addressables?where=obj_type=Organisation&where=obj_type=Person'), 10202, 'twice');
      // Lists without a filter, paged, with any field path of their objects (nested too), are in the contract.
      const all = await xelionFetch(sim, 'GET', '/phones?limit=50&include=provisioningInfo.macAddress,user');
      expect(all.body.data[0].object).toMatchObject({ provisioningInfo: { macAddress: '80:5E:C0:12:34:56' }, user: { objectType: 'UserProfile' } });
      const lines = await xelionFetch(sim, 'GET', '/phonelines?include=users.user,extensions,dayNightMode');
      expect(lines.body.data[0].object.users[0]).toEqual({ user: expect.objectContaining({ objectType: 'UserProfile' }) });
    });

    it('routes the contract does not list: GET /users/{oid}, GET and PATCH /phones/{oid}, DELETE', async () => {
      const { userOid, phoneOid, lineOid } = await seed();
      refused(await xelionFetch(sim, 'GET', `/users/${userOid}`), 10202, 'GET /users/{oid}');
      refused(await xelionFetch(sim, 'GET', `/phones/${phoneOid}`), 10202, 'GET /phones/{oid}');
      refused(await xelionFetch(sim, 'PATCH', `/phones/${phoneOid}`, { operations: [{ op: 'replace', path: '/user', value: null }] }), 10202, 'PATCH /phones/{oid}');
      refused(await xelionFetch(sim, 'DELETE', `/phonelines/${lineOid}`), 10202, 'DELETE /phonelines/{oid}');
    });

    it('unknown fields in a create body, missing fields, and a wrong objectType in a reference (10203)', async () => {
      const { personOid, userOid } = await seed();
      refused(await xelionFetch(sim, 'POST', '/addressables', { ...org('Acme 2'), colour: 'red' }), 10202, 'colour');
      refused(await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'x' }), 10203, 'extensions');
      const user = { objectType: 'UserProfile', userName: 'b@acme.nl', password: 'Str0ng-enough-Passw0rd!' };
      refused(await xelionFetch(sim, 'POST', '/users', { ...user, person: { oid: personOid, objectType: 'Organisation' } }), 10203, 'person.objectType');
      refused(await xelionFetch(sim, 'POST', '/users', { ...user, person: personOid }), 10202, 'person');
      refused(await xelionFetch(sim, 'POST', '/phones', { objectType: 'XCCPhone', commonName: 'x', user: { oid: userOid }, provisioningInfo: { macAddress: '00:11:22:33:44:55', phoneType: 'T' } }), 10203, 'user.objectType');
    });

    it('an add on a relation the contract does not list, and operations it does not list', async () => {
      const { lineOid, userOid, personOid } = await seed();
      refused(await patchLine(lineOid, [{ op: 'add', path: '/voicemails/1', value: '1' }]), 10202, '/voicemails/1');
      refused(await patchLine(lineOid, [{ op: 'remove', path: `/users/${userOid}` }]), 10202, `/users/${userOid}`);
      refused(await xelionFetch(sim, 'PATCH', `/users/${userOid}`, { operations: [{ op: 'replace', path: '/primaryLine', value: { oid: lineOid, objectType: 'XCCPhoneLine' } }] }), 10202, '/primaryLine');
      refused(await xelionFetch(sim, 'PATCH', `/addressables/${personOid}`, { operations: [{ op: 'remove', path: '/employments/1' }] }), 10202, '/employments/1');
    });

    it('a number that is not E.164, and a MAC address in lower case or without separators', async () => {
      const { lineOid, phone } = await seed();
      refused(await patchLine(lineOid, [{ op: 'replace', path: '/externalNumber', value: '0152000001' }]), 10202, 'E.164');
      refused(await xelionFetch(sim, 'POST', '/phonelines', { objectType: 'XCCPhoneLine', commonName: 'x', extensions: [], externalNumber: '+31 15 200 0001' }), 10202, 'E.164');
      refused(await xelionFetch(sim, 'POST', '/phones', { ...phone, provisioningInfo: { macAddress: '80:5e:c0:12:34:57', phoneType: 'T' } }), 10202, 'macAddress');
      refused(await xelionFetch(sim, 'POST', '/phones', { ...phone, provisioningInfo: { macAddress: '805EC0123457', phoneType: 'T' } }), 10202, 'macAddress');
    });

    it('a dayNightMode that is not exactly the contract\'s shape', async () => {
      const { lineOid } = await seed();
      const mode = { enableDayNightMode: true, manualNightMode: false, nightLine: { oid: lineOid, objectType: 'XCCPhoneLine' }, timezone: 'Europe/Amsterdam', schedule: [], holidays: [] };
      refused(await patchLine(lineOid, [{ op: 'replace', path: '/dayNightMode', value: { ...mode, colour: 'red' } }]), 10202, 'colour');
      const { holidays: _left, ...withoutHolidays } = mode;
      refused(await patchLine(lineOid, [{ op: 'replace', path: '/dayNightMode', value: withoutHolidays }]), 10203, 'holidays');
      refused(await patchLine(lineOid, [{ op: 'replace', path: '/dayNightMode', value: { ...mode, nightLine: lineOid } }]), 10202, 'nightLine');
      expect((await patchLine(lineOid, [{ op: 'replace', path: '/dayNightMode', value: mode }])).status).toBe(204);
    });
  });

  it('limits concurrent requests per session with 429 / 10400 and counts the peak', async () => {
    sim.setOptions({ concurrencyLimit: 2, latencyMs: 400 });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => xelionFetch(sim, 'GET', '/me/info')));
      const limited = answers.filter((a) => a.status === 429);
      // Two run (400 ms each), the others arrive while they do and are refused at once.
      expect(answers.filter((a) => a.status === 200).length).toBe(2);
      expect(limited.length).toBe(4);
      expect(limited.every((a) => a.body.errorCode === 10400)).toBe(true);
      const calls = sim.calls('pbx1');
      // Arrivals are counted before the limit is applied: the simulator saw more than 2 at once.
      expect(calls.peakInFlight).toBeGreaterThan(2);
      expect(calls.sessions[0].peakInFlight).toBe(calls.peakInFlight);
      expect(calls.rejected429).toBe(4);
      expect(calls.byRoute['GET /me/info']).toBe(6);
    } finally {
      sim.setOptions({ concurrencyLimit: 8, latencyMs: 0 });
    }
  });

  it('injects 429 bursts, random errors and faults after a create', async () => {
    sim.setOptions({ burst429: 2, retryAfter: 1 });
    const a = await xelionFetch(sim, 'GET', '/me/info');
    expect(a.status).toBe(429);
    expect(a.body.errorCode).toBe(10402);
    expect(a.headers.get('retry-after')).toBe('1');
    expect((await xelionFetch(sim, 'GET', '/me/info')).status).toBe(429);
    expect((await xelionFetch(sim, 'GET', '/me/info')).status).toBe(200);
    sim.setOptions({ retryAfter: null });

    sim.addFault({ route: 'POST /addressables', status: 500, errorCode: 11000, phase: 'after' });
    const crashed = await xelionFetch(sim, 'POST', '/addressables', org('Acme'));
    expect(crashed.status).toBe(500);
    expect((sim.dump('pbx1').organisations as unknown[]).length).toBe(1);
    sim.addFault({ route: 'POST /addressables', status: 500, errorCode: 11000, phase: 'before' });
    expect((await xelionFetch(sim, 'POST', '/addressables', org('Other'))).status).toBe(500);
    expect((sim.dump('pbx1').organisations as unknown[]).length).toBe(1);

    sim.setOptions({ errorRate: 1 });
    const failed = await xelionFetch(sim, 'GET', '/me/info');
    expect(failed.body).toMatchObject({ errorCode: 11000 });
    sim.setOptions({ errorRate: 0 });
  });

  it('revokes and adds tokens at runtime, through /_sim as well', async () => {
    sim.revokeToken('pbx1', SIM_TOKEN);
    expect((await xelionFetch(sim, 'GET', '/me/info')).status).toBe(401);
    const add = await fetch(`${sim.url}/_sim/tenants/pbx1/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'fresh' }) });
    expect(add.status).toBe(200);
    expect((await xelionFetch(sim, 'GET', '/me/info', undefined, { token: 'fresh' })).status).toBe(200);
    await fetch(`${sim.url}/_sim/tenants/pbx1/tokens/fresh`, { method: 'DELETE' });
    expect((await xelionFetch(sim, 'GET', '/me/info', undefined, { token: 'fresh' })).status).toBe(401);
  });

  it('serves the external services: number reservations and phone redirection', async () => {
    const reserve = (key: string, body: unknown) =>
      fetch(`${sim.url}/numbers/v1/numbers/reservations`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const body = { country: 'NL', area: '015', label: 'central', reference: 'order-1/central' };
    expect((await reserve('wrong', body)).status).toBe(401);
    const first = await reserve('demo-numbers-key', body);
    expect(first.status).toBe(201);
    const { number } = (await first.json()) as { number: string };
    expect(number).toMatch(/^\+3115\d{7}$/);
    const again = await reserve('demo-numbers-key', body);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { number: string }).number).toBe(number);
    expect(((await (await reserve('demo-numbers-key', { ...body, reference: 'order-1/other' })).json()) as { number: string }).number).not.toBe(number);

    const put = (auth: string) =>
      fetch(`${sim.url}/redirection/v1/devices/805EC0123456`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ provisioningUrl: `${sim.url}/provisioning/pbx1`, label: 'Yealink T54W' }),
      });
    const basic = `Basic ${Buffer.from('demo:demo-redirection-password').toString('base64')}`;
    expect((await put(`Basic ${Buffer.from('demo:wrong').toString('base64')}`)).status).toBe(401);
    expect((await put(basic)).status).toBe(201);
    expect((await put(basic)).status).toBe(200);
    const state = (await (await fetch(`${sim.url}/_sim/tenants/pbx1/state`)).json()) as { registrations: { mac: string; updates: number }[]; reservations: unknown[] };
    expect(state.registrations).toEqual([expect.objectContaining({ mac: '805EC0123456', updates: 2 })]);
    expect(state.reservations).toHaveLength(2);
  });

  it('keeps tenants apart', async () => {
    await xelionFetch(sim, 'POST', '/addressables', org('Acme'));
    const other = await xelionFetch(sim, 'GET', '/addressables?where=obj_type=Organisation&name=Acme', undefined, { tenant: 'pbx2', token: 'test-token-pbx2' });
    expect(other.body.data).toEqual([]);
    const calls = (await (await fetch(`${sim.url}/_sim/tenants/pbx2/calls`)).json()) as { total: number };
    expect(calls.total).toBe(1);
  });
});
