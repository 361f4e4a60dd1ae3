import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';
import { fuzzCase, pointerExists } from '../support/configuration-fuzz.js';
import { company200, company2000, minimalConfiguration, smallOffice } from '../support/configuration-generators.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TEST = '/api/v1/provision/test';
const JSON_HEADERS = { 'content-type': 'application/json' };

const validExamples = readdirSync('examples').filter((file) => file.endsWith('.json'));
const invalidExamples = readdirSync('examples/invalid').filter((file) => file.endsWith('.json') && !file.endsWith('.errors.json'));

describe('configuration over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Hundreds of tests from one address: the per-address limit of the test endpoint is tested in limits.e2e.spec.ts.
    app = await startTestApp({ PROVISION_TEST_PER_MINUTE: '0' });
  });
  afterAll(() => app?.close());

  const post = (rawBody: string, headers: Record<string, string> = JSON_HEADERS) => app.request('POST', TEST, { rawBody, headers });

  it.each(validExamples)('examples/%s is valid: 200 with an empty body, no API key needed', async (file) => {
    const response = await post(readFileSync(`examples/${file}`, 'utf8'));
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
  });

  it.each(invalidExamples)('examples/invalid/%s gives exactly the errors it documents', async (file) => {
    const expected = JSON.parse(readFileSync(`examples/invalid/${file.replace(/\.json$/, '.errors.json')}`, 'utf8'));
    const response = await post(readFileSync(`examples/invalid/${file}`, 'utf8'));
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Configuration is invalid', errors: expected });
  });

  it('the valid examples are what the generators build (so they can be rebuilt)', () => {
    const read = (file: string) => JSON.parse(readFileSync(`examples/${file}`, 'utf8'));
    expect(read('minimal.json')).toEqual(minimalConfiguration());
    expect(read('small-office.json')).toEqual(smallOffice());
    expect(read('company-200.json')).toEqual(company200());
    expect(read('company-2000.json')).toEqual(company2000());
  });

  describe('bodies that are not a configuration: a 400 that says so', () => {
    it.each([
      ['not JSON', '{"version": 1,', JSON_HEADERS, /not valid JSON/],
      ['empty, as JSON', '', JSON_HEADERS, /empty/],
      ['text/plain', '{"version":1,"organization":{"name":"x"}}', { 'content-type': 'text/plain' }, /Content-Type/],
      ['a form', 'version=1', { 'content-type': 'application/x-www-form-urlencoded' }, /Content-Type/],
      ['__proto__ key', '{"__proto__":{"x":1},"version":1}', JSON_HEADERS, /forbidden property name/],
    ])('%s', async (_name, body, headers, message) => {
      const response = await post(body, headers as Record<string, string>);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
    });

    it.each([
      ['an array', '[]', 'the configuration must be a JSON object, not an array'],
      ['a string', '"x"', 'the configuration must be a JSON object, not a string'],
      ['a number', '5', 'the configuration must be a JSON object, not a number'],
      ['null', 'null', 'the configuration must be a JSON object, not null'],
    ])('%s', async (_name, body, message) => {
      const response = await post(body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Configuration is invalid', errors: [{ path: '', message }] });
    });

    it('large bodies (parsed one at a time) get the same answers, concurrently and each its own', async () => {
      const big = readFileSync('examples/company-2000.json', 'utf8');
      expect(big.length).toBeGreaterThan(64 * 1024);
      const padding = ' '.repeat(70 * 1024);
      const answers = await Promise.all([
        post(big),
        post(`${big.slice(0, -10)}`),
        post(`{"__proto__":{"x":1},"version":1}${padding}`),
        post(big),
        post(`${padding}[]`),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 400, 400, 200, 400]);
      expect(answers[1].body.message).toMatch(/not valid JSON/);
      expect(answers[2].body.message).toMatch(/forbidden property name/);
      expect(answers[4].body.errors).toEqual([{ path: '', message: 'the configuration must be a JSON object, not an array' }]);
    });

    it('no body at all', async () => {
      const response = await app.request('POST', TEST);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ path: '', message: 'the request body is empty: send the configuration as a JSON object' }]);
    });

    it('larger than 1 MB: 413', async () => {
      const response = await post(JSON.stringify({ version: 1, organization: { name: 'x' }, padding: 'x'.repeat(1024 * 1024) }));
      expect(response.status).toBe(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('deep nesting and huge arrays are answered, quickly, without a 500', async () => {
      const deep = `{"version":1,"organization":{"name":"x"},"users":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      const response = await post(deep);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ path: '/users/0', message: 'each entry must be an object, not an array' }]);
    });
  });

  it('GET /api/v1/schema/configuration: the JSON Schema, public', async () => {
    const response = await app.request('GET', '/api/v1/schema/configuration');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/schema\+json/);
    expect(response.body).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: ['version', 'organization'] });
  });

  it('the OpenAPI document describes the test endpoint with the configuration format', async () => {
    const response = await app.request('GET', '/api/docs-json');
    expect(response.body.paths['/api/v1/provision/test'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/Configuration',
    });
    expect(response.body.components.schemas.Configuration.required).toEqual(['version', 'organization']);
  });

  it('fuzz over HTTP: never a 500, every path exists, the same answer as in process', async () => {
    const validator = new ConfigurationValidator();
    const statuses = new Map<number, number>();
    for (let seed = 50_001; seed <= 50_300; seed++) {
      const fuzz = fuzzCase(seed);
      const response = await post(fuzz.text);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const where = `seed ${seed} (${fuzz.mutations.join('; ')})`;
      expect([where, [200, 400, 413].includes(response.status)]).toEqual([where, true]);
      if (response.status === 413) continue;
      const document = JSON.parse(fuzz.text);
      const local = validator.validate(document);
      if (response.status === 200) {
        expect([where, local.valid]).toEqual([where, true]);
        continue;
      }
      if (!response.body.errors) continue; // refused before validation (e.g. a __proto__ key): a plain 400
      expect([where, response.body.errors]).toEqual([where, local.valid ? [] : local.errors]);
      for (const error of response.body.errors) expect([where, error.path, pointerExists(document, error.path)]).toEqual([where, error.path, true]);
    }
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(400)).toBeGreaterThan(100);
  }, 120_000);
});
