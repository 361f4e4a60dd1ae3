import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORDER_ERROR_CODES } from '../../src/orders/dto/order.dto.js';

/** Every `.ts` file under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('order error codes', () => {
  it('the OpenAPI enum (ORDER_ERROR_CODES) lists every code the orders and provisioning code fail with', () => {
    const used = new Set<string>();
    for (const file of [...sources('src/provisioning'), ...sources('src/orders')]) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/code: '([A-Z][A-Z_]+)'|StepFailure\('([A-Z][A-Z_]+)'|export const [A-Z_]+ = '([A-Z][A-Z_]+_[A-Z_]+)';/g)) {
        used.add(match[1] ?? match[2] ?? match[3]);
      }
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((code) => !(ORDER_ERROR_CODES as readonly string[]).includes(code)).sort()).toEqual([]);
  });
});
