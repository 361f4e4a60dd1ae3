import { worstCaseConfiguration } from '../support/configuration-generators.js';
import { describe, expect, it } from 'vitest';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';
import type { Json } from '../support/configuration-generators.js';

/**
 * One test per rule of the configuration format (docs/configuration.md): a valid document, one change, and the
 * exact error it must produce (path and message). Each fails if its rule is removed.
 */
const validator = new ConfigurationValidator();

function base(): Json {
  return {
    version: 1,
    organization: { name: 'Fairy Tail', country: 'NL', centralPhoneNumber: { new: false, value: '+31152001000' } },
    users: [
      { email: 'natsu@fairytail.example', lastName: 'Dragneel', internalNumber: '201', externalNumber: { value: '+31152001001' }, mobileNumber: '+31612345678', phones: [{ macAddress: '80:5E:C0:12:34:56', model: 'T54W' }] },
      { email: 'lucy@fairytail.example', lastName: 'Heartfilia', internalNumber: '202' },
    ],
    departments: [
      { name: 'Sales', users: ['natsu@fairytail.example'], internalNumbers: ['200'], externalNumbers: [{ value: '+31152001000' }], fallback: { type: 'voicemail' } },
      { name: 'Support', users: ['lucy@fairytail.example'], fallback: { type: 'dept', value: 'Sales' } },
    ],
  };
}

function errorsOf(change: (document: Json) => void): { path: string; message: string }[] {
  const document = base();
  change(document);
  const result = validator.validate(document);
  return result.valid ? [] : result.errors;
}

function expectError(change: (document: Json) => void, path: string, message: string | RegExp): void {
  const errors = errorsOf(change);
  expect(errors).toContainEqual({ path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
}

describe('configuration rules', () => {
  it('the base document is valid', () => {
    expect(validator.validate(base())).toMatchObject({ valid: true });
  });

  describe('top level', () => {
    it('version is required and must be 1, naming the supported versions', () => {
      expectError((d) => delete d.version, '', '"version" is required');
      expectError((d) => (d.version = 2), '/version', 'version 2 is not supported; supported versions: 1');
    });
    it('organization is required', () => expectError((d) => delete d.organization, '', '"organization" is required'));
    it('every object is closed: unknown properties are errors at their own pointer', () => {
      expectError((d) => (d.extra = 1), '/extra', 'property "extra" is not allowed here');
      expectError((d) => (d.users[1]['a/b~c'] = 1), '/users/1/a~1b~0c', 'property "a/b~c" is not allowed here');
      expectError((d) => (d.departments[0].fallback.note = 'x'), '/departments/0/fallback/note', 'property "note" is not allowed here');
    });
    it('at most 2,000 users and 500 departments', () => {
      expectError((d) => (d.users = Array.from({ length: 2_001 }, (_, i) => ({ email: `u${i}@x.example`, lastName: 'X' }))), '/users', 'users may have at most 2000 entries, not 2001');
      expectError((d) => (d.departments = Array.from({ length: 501 }, (_, i) => ({ name: `D${i}` }))), '/departments', 'departments may have at most 500 entries, not 501');
    });
    it('a wrong type at a container does not stop the other checks', () => {
      const errors = errorsOf((d) => {
        d.users = 'x';
        d.departments[1].fallback.value = 'Nowhere';
      });
      expect(errors).toEqual([
        { path: '/departments/0/users/0', message: 'user "natsu@fairytail.example" is not defined in users' },
        { path: '/departments/1/fallback/value', message: 'department "Nowhere" is not defined' },
        { path: '/departments/1/users/0', message: 'user "lucy@fairytail.example" is not defined in users' },
        { path: '/users', message: 'users must be an array, not a string' },
      ]);
    });
  });

  describe('organization', () => {
    it('name: 1–100 characters after trimming', () => {
      expectError((d) => (d.organization.name = '   '), '/organization/name', /1 to 100 characters/);
      expectError((d) => (d.organization.name = 'x'.repeat(101)), '/organization/name', /1 to 100 characters/);
      expect(errorsOf((d) => (d.organization.name = `  ${'x'.repeat(100)}  `))).toEqual([]);
    });
    it('email must be valid', () => expectError((d) => (d.organization.email = 'info@'), '/organization/email', /not a valid e-mail address/));
    it('address parts at most 100 characters', () => expectError((d) => (d.organization.city = 'x'.repeat(101)), '/organization/city', 'city must be at most 100 characters long'));
    it('country: ISO 3166-1 alpha-2, upper case', () => {
      expectError((d) => (d.organization.country = 'nl'), '/organization/country', /ISO 3166-1 alpha-2/);
      expectError((d) => (d.organization.country = 'XX'), '/organization/country', /ISO 3166-1 alpha-2/);
    });
    it('centralPhoneNumber is required once an external number exists', () =>
      expectError((d) => delete d.organization.centralPhoneNumber, '/organization', /"centralPhoneNumber" is required because external numbers are defined/));
    it('centralPhoneNumber must equal one of the external numbers (same new, same value)', () => {
      expectError((d) => (d.organization.centralPhoneNumber.value = '+31152009999'), '/organization/centralPhoneNumber', /is not one of the external numbers/);
      expectError((d) => (d.organization.centralPhoneNumber.new = true), '/organization/centralPhoneNumber', /new: true.*is not one of the external numbers/);
      // The same number written nationally matches.
      expect(errorsOf((d) => (d.organization.centralPhoneNumber.value = '015 200 1000'))).toEqual([]);
    });
    it('a central number without any external number is an error', () =>
      expectError((d) => {
        delete d.users[0].externalNumber;
        d.departments[0].externalNumbers = [];
      }, '/organization/centralPhoneNumber', /no external numbers are defined/));
  });

  describe('users', () => {
    it('email is required, valid and unique case-insensitively', () => {
      expectError((d) => delete d.users[1].email, '/users/1', '"email" is required');
      expectError((d) => (d.users[1].email = 'lucy'), '/users/1/email', /not a valid e-mail address/);
      expectError((d) => (d.users[1].email = 'NATSU@fairytail.example'), '/users/1/email', 'e-mail address "NATSU@fairytail.example" is already used by /users/0');
    });
    it('lastName required, 1–100; firstName at most 100', () => {
      expectError((d) => delete d.users[1].lastName, '/users/1', '"lastName" is required');
      expectError((d) => (d.users[1].lastName = ''), '/users/1/lastName', 'lastName must be 1 to 100 characters long');
      expectError((d) => (d.users[1].firstName = 'x'.repeat(101)), '/users/1/firstName', 'firstName must be at most 100 characters long');
    });
    it('role is user or admin; language nl, en, de or fr', () => {
      expectError((d) => (d.users[1].role = 'owner'), '/users/1/role', 'role must be one of "user", "admin"');
      expectError((d) => (d.users[1].language = 'es'), '/users/1/language', 'language must be one of "nl", "en", "de", "fr"');
    });
    it('mobileNumber: a valid number in international form (libphonenumber-js)', () => {
      expectError((d) => (d.users[0].mobileNumber = '0612345678'), '/users/0/mobileNumber', /international form/);
      expectError((d) => (d.users[0].mobileNumber = '+31 6 1234'), '/users/0/mobileNumber', '"+31 6 1234" is not a valid phone number');
    });
    it('voicemail is a boolean', () => expectError((d) => (d.users[1].voicemail = 'yes'), '/users/1/voicemail', 'voicemail must be true or false, not a string'));
    it('phones: at most 10; MAC address 12 hex digits; model 1–100', () => {
      expectError((d) => (d.users[1].phones = Array.from({ length: 11 }, (_, i) => ({ macAddress: `80:5E:C0:00:00:${String(i).padStart(2, '0')}`, model: 'T' }))), '/users/1/phones', 'phones may have at most 10 entries, not 11');
      expectError((d) => (d.users[0].phones[0].macAddress = '80:5E:C0:12:34'), '/users/0/phones/0/macAddress', /is not a MAC address/);
      expectError((d) => (d.users[0].phones[0].macAddress = '80:5E-C0:12:34:56'), '/users/0/phones/0/macAddress', /is not a MAC address/);
      expectError((d) => (d.users[0].phones[0].model = ''), '/users/0/phones/0/model', 'model must be 1 to 100 characters long');
    });
    it('MAC addresses are unique across the configuration, whatever their notation', () =>
      expectError((d) => (d.users[1].phones = [{ macAddress: '805ec0-123456'.replace('-', ''), model: 'T' }]), '/users/1/phones/0/macAddress', 'MAC address "805ec0123456" is already used at /users/0/phones/0/macAddress'));
  });

  describe('internal numbers', () => {
    it('1 to 4 digits, not starting with 0 or 1', () => {
      for (const bad of ['0201', '150', '20001', '', '2a']) expectError((d) => (d.users[1].internalNumber = bad), '/users/1/internalNumber', /is not an internal number/);
      for (const good of ['2', '29', '299', '9999']) expect(errorsOf((d) => (d.users[1].internalNumber = good))).toEqual([]);
    });
    it('not an emergency number (112, 911, 999)', () => {
      expectError((d) => (d.users[1].internalNumber = '911'), '/users/1/internalNumber', '911 is an emergency number and cannot be an internal number');
      expectError((d) => (d.departments[0].internalNumbers = ['999']), '/departments/0/internalNumbers/0', '999 is an emergency number and cannot be an internal number');
    });
    it('not a reserved number (600, 7000)', () => {
      expectError((d) => (d.users[1].internalNumber = '600'), '/users/1/internalNumber', '600 is a reserved number and cannot be an internal number');
      expectError((d) => (d.departments[0].internalNumbers = ['7000']), '/departments/0/internalNumbers/0', '7000 is a reserved number and cannot be an internal number');
    });
    it('unique across users and departments', () => {
      expectError((d) => (d.users[1].internalNumber = '201'), '/users/1/internalNumber', 'internal number "201" is already used at /users/0/internalNumber');
      expectError((d) => d.departments[1].internalNumbers = ['202'], '/departments/1/internalNumbers/0', 'internal number "202" is already used at /users/1/internalNumber');
    });
  });

  describe('external numbers', () => {
    it('an existing number must be valid for the organization\'s country, and is normalised to E.164', () => {
      expectError((d) => (d.users[0].externalNumber.value = '020 123'), '/users/0/externalNumber/value', '"020 123" is not a valid phone number for country NL');
      expect(errorsOf((d) => (d.users[0].externalNumber.value = '015 200 1001'))).toEqual([]);
    });
    it('without an organization country only international numbers are valid', () =>
      expectError((d) => {
        delete d.organization.country;
        d.users[0].externalNumber.value = '015 200 1001';
      }, '/users/0/externalNumber/value', /must be written in international form/));
    it('values are unique across the configuration (compared in E.164)', () =>
      expectError((d) => (d.departments[1].externalNumbers = [{ value: '015-2001001' }]), '/departments/1/externalNumbers/0/value', 'external number "+31152001001" is already used at /users/0/externalNumber/value'));
    it('new numbers are labels with a required country and area', () => {
      expectError((d) => (d.users[1].externalNumber = { new: true, value: 'Lucy direct' }), '/users/1/externalNumber', '"country" is required for a new number (new: true)');
      expectError((d) => (d.users[1].externalNumber = { new: true, value: 'Lucy direct', country: 'NL' }), '/users/1/externalNumber', '"area" is required for a new number (new: true)');
      expectError((d) => (d.users[1].externalNumber = { new: true, value: 'Lucy', country: 'NL', area: 'O15' }), '/users/1/externalNumber/area', /is not an area code/);
      expect(errorsOf((d) => (d.users[1].externalNumber = { new: true, value: 'Lucy direct', country: 'NL', area: '015' }))).toEqual([]);
    });
    it('labels of new numbers are unique too', () =>
      expectError((d) => {
        d.users[1].externalNumber = { new: true, value: 'Line', country: 'NL', area: '015' };
        d.departments[1].externalNumbers = [{ new: true, value: 'Line', country: 'NL', area: '015' }];
      }, '/departments/1/externalNumbers/0/value', 'external number "Line" is already used at /users/1/externalNumber/value'));
  });

  describe('departments', () => {
    it('name required, 1–100, unique case-insensitively', () => {
      expectError((d) => delete d.departments[1].name, '/departments/1', '"name" is required');
      expectError((d) => (d.departments[1].name = 'SALES'), '/departments/1/name', 'department name "SALES" is already used by /departments/0');
    });
    it('users must be defined users, without duplicates', () => {
      expectError((d) => d.departments[0].users.push('gray@fairytail.example'), '/departments/0/users/1', 'user "gray@fairytail.example" is not defined in users');
      expectError((d) => d.departments[0].users.push('Natsu@FairyTail.example'), '/departments/0/users/1', 'user "Natsu@FairyTail.example" is listed more than once');
    });
    it('enableCallRecording is a boolean', () => expectError((d) => (d.departments[0].enableCallRecording = 1), '/departments/0/enableCallRecording', 'enableCallRecording must be true or false, not a number'));
    it('fallback: type voicemail (no value), dept or user (with a value)', () => {
      expectError((d) => (d.departments[0].fallback = { type: 'queue' }), '/departments/0/fallback/type', 'type must be one of "voicemail", "dept", "user"');
      expectError((d) => (d.departments[0].fallback = { type: 'voicemail', value: 'x' }), '/departments/0/fallback/value', 'a fallback of type "voicemail" has no value');
      expectError((d) => (d.departments[0].fallback = { type: 'user' }), '/departments/0/fallback', '"value" is required for a fallback of type "user"');
    });
    it('a fallback department must exist (the example of the spec)', () =>
      expectError((d) => (d.departments[0].fallback = { type: 'dept', value: 'Support ' }), '/departments/0/fallback/value', 'department "Support " is not defined'));
    it('a fallback user must exist', () =>
      expectError((d) => (d.departments[0].fallback = { type: 'user', value: 'gray@fairytail.example' }), '/departments/0/fallback/value', 'user "gray@fairytail.example" is not defined in users'));
    it('a department may not fall back to itself', () =>
      expectError((d) => (d.departments[0].fallback = { type: 'dept', value: 'sales' }), '/departments/0/fallback/value', 'a department may not fall back to itself'));
    it('department fallbacks may not form a loop', () => {
      const errors = errorsOf((d) => (d.departments[0].fallback = { type: 'dept', value: 'Support' }));
      expect(errors).toEqual([
        { path: '/departments/0/fallback/value', message: 'department fallbacks form a loop: "Sales" → "Support" → "Sales"' },
        { path: '/departments/1/fallback/value', message: 'department fallbacks form a loop: "Sales" → "Support" → "Sales"' },
      ]);
    });
    it('a chain without a loop is fine', () =>
      expect(errorsOf((d) => d.departments.push({ name: 'Night', fallback: { type: 'dept', value: 'Support' } }))).toEqual([]));
  });

  describe('opening hours', () => {
    const hours = (openingHours: Json) => (d: Json) => (d.departments[0].openingHours = openingHours);
    it('timezone: required, an IANA zone', () => {
      expectError(hours({ days: {} }), '/departments/0/openingHours', '"timezone" is required');
      expectError(hours({ timezone: 'Europe/Delft' }), '/departments/0/openingHours/timezone', /is not an IANA time zone/);
      expectError(hours({ timezone: 'CET+1' }), '/departments/0/openingHours/timezone', /is not an IANA time zone/);
      expect(errorsOf(hours({ timezone: 'America/Argentina/Buenos_Aires' }))).toEqual([]);
      expect(errorsOf(hours({ timezone: 'UTC' }))).toEqual([]);
    });
    it('days: monday … sunday only', () => expectError(hours({ timezone: 'UTC', days: { someday: [] } }), '/departments/0/openingHours/days/someday', 'property "someday" is not allowed here'));
    it('times are HH:MM, 24-hour', () => {
      expectError(hours({ timezone: 'UTC', days: { monday: [{ from: '9:00', to: '17:00' }] } }), '/departments/0/openingHours/days/monday/0/from', /is not a time of day/);
      expectError(hours({ timezone: 'UTC', days: { monday: [{ from: '09:00', to: '24:01' }] } }), '/departments/0/openingHours/days/monday/0/to', /is not a time of day/);
      expect(errorsOf(hours({ timezone: 'UTC', days: { monday: [{ from: '18:00', to: '24:00' }] } }))).toEqual([]);
    });
    it('from before to', () =>
      expectError(hours({ timezone: 'UTC', days: { monday: [{ from: '17:00', to: '17:00' }] } }), '/departments/0/openingHours/days/monday/0', 'the opening time 17:00 must be before the closing time 17:00'));
    it('the intervals of one day do not overlap (touching is fine)', () => {
      expectError(hours({ timezone: 'UTC', days: { monday: [{ from: '13:00', to: '17:00' }, { from: '09:00', to: '13:30' }] } }), '/departments/0/openingHours/days/monday/1', 'the interval 09:00–13:30 overlaps 13:00–17:00 (/departments/0/openingHours/days/monday/0)');
      expect(errorsOf(hours({ timezone: 'UTC', days: { monday: [{ from: '13:00', to: '17:00' }, { from: '09:00', to: '13:00' }] } }))).toEqual([]);
    });
    it('holidays are real dates YYYY-MM-DD', () => {
      expectError(hours({ timezone: 'UTC', holidays: ['2026-02-29'] }), '/departments/0/openingHours/holidays/0', '"2026-02-29" is not a date in the form YYYY-MM-DD');
      expect(errorsOf(hours({ timezone: 'UTC', holidays: ['2028-02-29'] }))).toEqual([]);
    });
  });

  describe('errors', () => {
    it('every error is reported, not only the first', () => {
      const errors = errorsOf((d) => {
        d.version = 3;
        d.users[1].role = 'owner';
        d.departments[1].fallback.value = 'Nowhere';
      });
      expect(errors.map((error) => error.path)).toEqual(['/departments/1/fallback/value', '/users/1/role', '/version']);
    });
    it('an array where an object is expected is an error, even an empty nested one', () =>
      expect(errorsOf((d) => (d.users[1] = [[]]))).toContainEqual({ path: '/users/1', message: 'each entry must be an object, not an array' }));
    it('a missing property is reported on the object that lacks it (a place that exists)', () =>
      expect(errorsOf((d) => delete d.users[0].lastName)).toEqual([{ path: '/users/0', message: '"lastName" is required' }]));
    it('prototype-reaching keys are unknown properties, and change nothing', () => {
      const document = JSON.parse('{"version":1,"organization":{"name":"x","__proto__":{"country":"NL"}},"constructor":{"prototype":{}}}');
      expect(validator.validate(document)).toEqual({
        valid: false,
        errors: [
          { path: '/constructor', message: 'property "constructor" is not allowed' },
          { path: '/organization/__proto__', message: 'property "__proto__" is not allowed' },
        ],
      });
    });
    it('huge values are quoted shortly in messages', () => {
      const error = errorsOf((d) => (d.users[1].email = 'x'.repeat(100_000))).find((e) => e.path === '/users/1/email')!;
      expect(error.message.length).toBeLessThan(200);
    });
    it('at most 1,000 errors are listed, then one that says there are more: validation stops there', () => {
      const errors = errorsOf((d) => (d.users = Array.from({ length: 1_500 }, () => 5)));
      expect(errors).toHaveLength(1_001);
      expect(errors[0]).toEqual({ path: '/users/0', message: 'each entry must be an object, not a number' });
      expect(errors[1_000]).toEqual({ path: '', message: 'more errors not listed (at most 1000 are; validation stopped there)' });
    });

    it('the worst document (over 50,000 errors if all were computed) stops at a full list', () => {
      const errors = validator.validate(worstCaseConfiguration()) as { valid: false; errors: { path: string; message: string }[] };
      expect(errors.errors).toHaveLength(1_001);
      expect(errors.errors[1_000].message).toBe('more errors not listed (at most 1000 are; validation stopped there)');
      // Entries are validated in order and the rest are not looked at: the listed ones are from the first users.
      const users = new Set(errors.errors.map((e) => /^\/users\/(\d+)\//.exec(e.path)?.[1]).filter((i) => i !== undefined));
      expect(users.size).toBeLessThan(100);
    });

    it('the worst document of 2,000 users costs about what its first 100 users cost (the rest is not looked at)', () => {
      const median = (document: Json) => {
        const times: number[] = [];
        for (let run = 0; run < 5; run++) {
          const copy = structuredClone(document);
          const start = performance.now();
          validator.validate(copy);
          times.push(performance.now() - start);
        }
        return times.sort((a, b) => a - b)[2];
      };
      const small = median(worstCaseConfiguration(100));
      const large = median(worstCaseConfiguration(2_000));
      // Computing every error made it about 20 times as costly.
      expect(large, `${large.toFixed(1)} ms against ${small.toFixed(1)} ms`).toBeLessThan(4 * small + 20);
    });
  });

  describe('normalisation', () => {
    it('applies defaults, lower-cases e-mails, writes numbers in E.164 and MAC addresses with colons, trims the name', () => {
      const document = base();
      document.organization.name = '  Fairy Tail  ';
      document.organization.email = 'Info@FairyTail.Example';
      document.organization.centralPhoneNumber.value = '015 200 1000';
      document.users[0].email = 'Natsu@FairyTail.example';
      document.users[0].externalNumber.value = '015-200 1001';
      document.users[0].mobileNumber = '+31 6 1234 5678';
      document.users[0].phones[0].macAddress = '80-5e-c0-12-34-56';
      document.departments[0].users = ['NATSU@fairytail.example'];
      document.departments[1].fallback = { type: 'dept', value: 'SALES' };
      document.departments[0].fallback = { type: 'user', value: 'Lucy@FairyTail.example' };
      document.departments[0].externalNumbers[0].value = '0152001000';
      document.departments[0].openingHours = { timezone: 'Europe/Amsterdam', days: { monday: [{ from: '13:00', to: '17:00' }, { from: '09:00', to: '12:00' }] } };
      const before = JSON.stringify(document);
      const result = validator.validate(document);
      expect(JSON.stringify(document)).toBe(before); // the input is not modified
      if (!result.valid) throw new Error(JSON.stringify(result.errors));
      const { configuration } = result;
      expect(configuration.organization).toEqual({ name: 'Fairy Tail', email: 'info@fairytail.example', country: 'NL', centralPhoneNumber: { new: false, value: '+31152001000' } });
      expect(configuration.users[0]).toEqual({
        email: 'natsu@fairytail.example',
        lastName: 'Dragneel',
        role: 'user',
        internalNumber: '201',
        externalNumber: { new: false, value: '+31152001001' },
        mobileNumber: '+31612345678',
        voicemail: true,
        phones: [{ macAddress: '80:5E:C0:12:34:56', model: 'T54W' }],
      });
      expect(configuration.users[1]).toEqual({ email: 'lucy@fairytail.example', lastName: 'Heartfilia', role: 'user', internalNumber: '202', voicemail: true, phones: [] });
      expect(configuration.departments[0]).toMatchObject({
        users: ['natsu@fairytail.example'],
        enableCallRecording: false,
        externalNumbers: [{ new: false, value: '+31152001000' }],
        fallback: { type: 'user', value: 'lucy@fairytail.example' },
        openingHours: { timezone: 'Europe/Amsterdam', days: { monday: [{ from: '09:00', to: '12:00' }, { from: '13:00', to: '17:00' }] }, holidays: [] },
      });
      expect(configuration.departments[1]).toEqual({ name: 'Support', users: ['lucy@fairytail.example'], enableCallRecording: false, fallback: { type: 'dept', value: 'Sales' }, internalNumbers: [], externalNumbers: [] });
      expect(validator.validate({ version: 1, organization: { name: 'x' } })).toEqual({ valid: true, configuration: { version: 1, organization: { name: 'x' }, users: [], departments: [] } });
    });
  });
});
