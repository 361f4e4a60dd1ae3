import { readdirSync, readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../src/configuration/configuration.constants.js';
import { CONFIGURATION_SCHEMA } from '../../src/configuration/configuration.schema.js';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';

/**
 * "The JSON Schema agrees with the validator" means, for every document D:
 *   the published schema (validated by a standard client: ajv 2020-12 + ajv-formats) accepts D
 *   ⇔ the service's validator reports no STRUCTURE error for D.
 * So a document the schema rejects, the service rejects; a document the schema accepts, the service
 * rejects only for DOCUMENT rules (those JSON Schema cannot state: uniqueness, references, fallback
 * loops, the central number, phone numbers valid for a country, opening-hours intervals).
 * Checked here on every example, and on thousands of fuzz cases in configuration-fuzz.spec.ts.
 */

export const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const clientAjv = addFormats(new Ajv2020({ allErrors: true, strict: true, strictRequired: false }));
const schemaAccepts = clientAjv.compile(CONFIGURATION_SCHEMA);
const validator = new ConfigurationValidator();

function verdicts(document: unknown) {
  const result = validator.validateClassified(document);
  const structureErrors = result.valid ? [] : result.errors.filter((error) => error.kind === 'structure');
  return { schema: schemaAccepts(document), structureErrors, valid: result.valid };
}

function examples(): [string, unknown][] {
  const files = [
    ...readdirSync('examples').filter((f) => f.endsWith('.json')).map((f) => `examples/${f}`),
    ...readdirSync('examples/invalid').filter((f) => f.endsWith('.json') && !f.endsWith('.errors.json')).map((f) => `examples/invalid/${f}`),
  ];
  return files.map((file) => [file, JSON.parse(readFileSync(file, 'utf8'))]);
}

describe('the JSON Schema and the validator agree', () => {
  it('is a valid draft 2020-12 schema (strict mode compiles it)', () => {
    expect(CONFIGURATION_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(typeof schemaAccepts).toBe('function');
  });

  it.each(examples())('on %s', (_file, document) => {
    const { schema, structureErrors } = verdicts(document);
    expect(schema).toBe(structureErrors.length === 0);
  });

  it('the valid examples are accepted by both, and some invalid examples fail only document rules', () => {
    for (const [file, document] of examples()) {
      const { schema, valid } = verdicts(document);
      if (!file.includes('invalid')) expect([file, schema, valid]).toEqual([file, true, true]);
    }
    const duplicates = JSON.parse(readFileSync('examples/invalid/duplicates.json', 'utf8'));
    expect(verdicts(duplicates)).toMatchObject({ schema: true, valid: false, structureErrors: [] });
  });

  it("the service's date check is ajv-formats' date check", () => {
    const formats = addFormats(new Ajv2020());
    const date = formats.compile({ type: 'string', format: 'date' });
    for (const value of ['2026-02-28', '2026-02-29', '2024-02-29', '1900-02-29', '2000-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-01', '26-01-01', '2026-12-31', '0000-01-01']) {
      expect([value, isCalendarDate(value)]).toEqual([value, date(value)]);
    }
  });
});
