import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Xelion dialect (paths, PATCH operations, vids, objectType strings, error-code numbers) lives in
 * src/xelion/ only; the provisioning steps speak in configuration terms (docs/xelion-client.md). This
 * reads every source file under src/provisioning/ and fails on a trace of the dialect.
 */
const ROOT = join(import.meta.dirname, '..', '..', 'src', 'provisioning');

const FORBIDDEN: { what: string; pattern: RegExp }[] = [
  { what: 'an objectType', pattern: /objectType/ },
  { what: 'a PATCH operation', pattern: /\bop\s*:\s*['"`](add|replace|remove)['"`]/ },
  { what: 'a PATCH document', pattern: /\boperations\s*:/ },
  { what: 'a vid', pattern: /\bvids?\b/ },
  { what: 'a Xelion path', pattern: /['"`]\/(addressables|users|phonelines|phones|trunks|extensions|employments|assignedNumbers|userPhoneLine|dayNightMode|defaultFallback|defaultCallerNr|telecomAddresses|xccRole|commonName|recordCalls|externalNumber)\b/ },
  { what: 'a Xelion error code', pattern: /\b1[01]\d{3}\b/ },
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function dialectIn(text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { what, pattern } of FORBIDDEN) if (pattern.test(line)) found.push(`line ${i + 1}: ${what}: ${line.trim()}`);
  });
  return found;
}

describe('src/provisioning speaks no Xelion dialect', () => {
  it('the check finds each kind of dialect it looks for', () => {
    const samples = [
      "ops.push({ op: 'add', path: `/phones/${vid}`, value: oid });",
      "const ref = { oid, objectType: 'XCCPhoneLine' };",
      'if (error.errorCode === 11000) retry();',
      "await tenant.patch(oid, { operations: [] });",
      "const path = '/userPhoneLine/voicemailActive';",
    ];
    for (const sample of samples) expect(dialectIn(sample), sample).not.toEqual([]);
    expect(dialectIn("await tenant.updateLine(lineOid, { addPhones: missing, voicemail: true });")).toEqual([]);
  });

  it('no file under src/provisioning builds a Xelion request', () => {
    const files = sources(ROOT);
    expect(files.length).toBeGreaterThan(10);
    const offences = files.flatMap((file) => dialectIn(readFileSync(file, 'utf8')).map((line) => `${relative(ROOT, file)} ${line}`));
    expect(offences).toEqual([]);
  });
});
