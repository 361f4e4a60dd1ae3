import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_ERRORS } from '../../src/configuration/configuration.errors.js';
import { CONFIGURATION_SCHEMA } from '../../src/configuration/configuration.schema.js';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';
import { fuzzCase, pointerExists } from '../support/configuration-fuzz.js';

/**
 * Property test, in process (the HTTP part is in test/e2e/configuration.e2e.spec.ts): on thousands of
 * random mutations of valid examples the validator never throws, every error's path exists in the
 * submitted document, valid results are JSON-serialisable, and the published JSON Schema agrees
 * (schema accepts ⇔ no structure error; see configuration-schema.spec.ts for what that means).
 * FUZZ_CASES / FUZZ_SEED override the count and the first seed (a failure names its seed).
 */
const CASES = Number(process.env.FUZZ_CASES ?? 2_000);
const FIRST_SEED = Number(process.env.FUZZ_SEED ?? 1);

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const schemaAccepts = addFormats(new Ajv2020({ allErrors: false, strict: true, strictRequired: false })).compile(CONFIGURATION_SCHEMA);

describe('configuration fuzz', () => {
  it(`${CASES} mutated documents: no exception, paths exist, the schema agrees`, () => {
    const validator = new ConfigurationValidator();
    const outcomes = { valid: 0, structure: 0, documentOnly: 0 };
    const started = Date.now();
    for (let seed = FIRST_SEED; seed < FIRST_SEED + CASES; seed++) {
      const fuzz = fuzzCase(seed);
      const where = `seed ${seed} (${fuzz.mutations.join('; ')})`;
      const document: unknown = JSON.parse(fuzz.text);
      let result: ReturnType<ConfigurationValidator['validateClassified']>;
      try {
        result = validator.validateClassified(document);
      } catch (error) {
        throw new Error(`${where}: validate threw ${String(error)}`, { cause: error });
      }
      const structureErrors = result.valid ? [] : result.errors.filter((error) => error.kind === 'structure');
      if (schemaAccepts(document) !== (structureErrors.length === 0)) {
        throw new Error(`${where}: schema ${!!schemaAccepts(document)}, structure errors ${JSON.stringify(structureErrors.slice(0, 3))}`);
      }
      if (result.valid) {
        outcomes.valid++;
        expect(JSON.parse(JSON.stringify(result.configuration))).toEqual(result.configuration);
        continue;
      }
      if (structureErrors.length > 0) outcomes.structure++;
      else outcomes.documentOnly++;
      expect(result.errors.length).toBeGreaterThan(0);
      expect(result.errors.length).toBeLessThanOrEqual(MAX_REPORTED_ERRORS + 1);
      for (const error of result.errors) {
        if (!pointerExists(document, error.path)) throw new Error(`${where}: ${JSON.stringify(error)} points nowhere`);
        expect(typeof error.message === 'string' && error.message.length > 0 && error.message.length < 600).toBe(true);
      }
    }
    console.log(`configuration fuzz: ${CASES} cases in ${Date.now() - started} ms`, outcomes);
    // All three outcomes occur, so every property above was exercised.
    expect(outcomes.valid).toBeGreaterThan(CASES / 100);
    expect(outcomes.structure).toBeGreaterThan(CASES / 4);
    expect(outcomes.documentOnly).toBeGreaterThan(CASES / 100);
  }, 180_000);
});
