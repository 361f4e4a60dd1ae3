import 'reflect-metadata';
import { describe, expect, it } from 'vitest';

/**
 * The rewrap command (src/cli.ts) runs without the feature modules: src/sealed-columns.ts loads each
 * feature's sealed-column file. Every column the service registers (loading the whole application's
 * modules) must already be there, so that rewrap never leaves a secret under an old key.
 */
describe('the sealed columns the rewrap command sees', () => {
  it('are every sealed column the application registers', async () => {
    const { SEALED_COLUMNS } = await import('../../src/sealed-columns.js');
    const names = () => SEALED_COLUMNS.columns.map((column) => `${column.table}.${column.column}`);
    const forCli = names();
    expect(forCli).toEqual(['credentials.sealed_value', 'orders.master_token_sealed', 'orders.tenant_token_sealed', 'webhook_secrets.previous_secret_sealed', 'webhook_secrets.secret_sealed']);
    await import('../../src/app.module.js');
    expect(names()).toEqual(forCli);
  });
});
