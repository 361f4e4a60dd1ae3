import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGURATION_EXAMPLE } from '../../src/configuration/configuration.example.js';
import { simulatorCredentials } from '../../tools/xelion-simulator/credentials.js';
import { defaultPark } from '../../tools/xelion-simulator/park.js';
import { buildPackages, runXprov, startXprov } from '../support/packages.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/** `xprov` (packages/cli) as a process against a real service and the Xelion simulator. */
let sim: RunningSimulator;
let app: TestApp;
let env: Record<string, string>;
let rootId: number;
const dir = mkdtempSync(join(tmpdir(), 'xprov-'));
const CONFIG = join(dir, 'configuration.json');
const INVALID = 'examples/invalid/field-formats.json';
const outputs: string[] = [];
let masterToken = 'no master token yet';

async function xprov(args: string[], input?: string) {
  const run = await runXprov(args, { env, input });
  outputs.push(run.stdout, run.stderr);
  return run;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  buildPackages();
  writeFileSync(CONFIG, JSON.stringify(CONFIGURATION_EXAMPLE));
  sim = await startTestSimulator({ park: defaultPark() });
  app = await startTestApp({ EXECUTOR_POLL_MS: '50', WEBHOOK_POLL_MS: '50' });
  env = { XPROV_URL: app.baseUrl, XPROV_API_KEY: ROOT_KEY };
  rootId = (await app.request('GET', '/api/v1/organizations/me', { key: ROOT_KEY })).body.id;
});
afterAll(async () => {
  await app?.close();
  await sim?.close();
});

describe('xprov', () => {
  it('test: 0 and "valid" for a valid file; 1 and <JSON Pointer>: <message> lines for an invalid one; --json gives the API body', async () => {
    const valid = await xprov(['test', CONFIG]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stdout).toContain('valid');

    const invalid = await xprov(['test', INVALID]);
    expect(invalid.code).toBe(1);
    const lines = invalid.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).toMatch(/^(\/[^:]*)*: .+/);

    const json = await xprov(['--json', 'test', INVALID]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ statusCode: 400, message: 'Configuration is invalid' });
  });

  it('exits 2 on usage errors: a missing option, a bad id, an unknown command, a missing file', async () => {
    for (const args of [['provision', CONFIG], ['orders', 'get', 'abc'], ['frobnicate'], ['test', join(dir, 'missing.json')]]) {
      const run = await xprov(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr).not.toBe('');
    }
  });

  it('exits 1 with the error printed when the API refuses (a wrong key)', async () => {
    const run = await runXprov(['orders', 'list'], { env: { XPROV_URL: app.baseUrl, XPROV_API_KEY: 'wrong-key-'.padEnd(40, 'x') } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/401 Unauthorized/);
  });

  it('orgs create / list, keys create (the key shown once, and it works), credentials set from stdin', async () => {
    const created = await xprov(['--json', 'orgs', 'create', 'Reseller A']);
    expect(created.code, created.stderr).toBe(0);
    const child = JSON.parse(created.stdout) as { id: number; parentId: number };
    expect(child.parentId).toBe(rootId);

    const list = await xprov(['orgs', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+PARENTID\s+NAME/m);
    expect(list.stdout).toContain('Reseller A');

    const key = await xprov(['keys', 'create', String(child.id), '--name', 'ci']);
    expect(key.code, key.stderr).toBe(0);
    const childKey = key.stdout.trim();
    expect(childKey.length).toBeGreaterThanOrEqual(32);
    expect(key.stderr).toContain('not shown again');
    const asChild = await runXprov(['--json', 'orgs', 'list'], { env: { XPROV_URL: app.baseUrl, XPROV_API_KEY: childKey } });
    expect(JSON.parse(asChild.stdout).data.map((org: { id: number }) => org.id)).toEqual([child.id]);

    const update = await xprov(['--json', 'orgs', 'update', String(child.id), '--allowed-server-hosts', 'pbx.example.com, other.example.com']);
    expect(update.code, update.stderr).toBe(0);
    expect(JSON.parse(update.stdout).allowedServerHosts).toEqual(['pbx.example.com', 'other.example.com']);
    expect((await xprov(['orgs', 'update', String(child.id)])).code).toBe(2);
    const shared = await xprov(['credentials', 'set', String(child.id), 'numbers.apiKey', '--inherit'], 'child-numbers-key\n');
    expect(shared.code, shared.stderr).toBe(0);
    const childCredentials = await app.request('GET', `/api/v1/organizations/${child.id}/credentials`, { key: ROOT_KEY });
    expect(childCredentials.body.data).toEqual([expect.objectContaining({ key: 'numbers.apiKey', inherit: true })]);
    const unshared = await xprov(['credentials', 'unshare', String(child.id), 'numbers.apiKey']);
    expect(unshared.code, unshared.stderr).toBe(0);
    expect(unshared.stdout).toContain('no longer shared');
    const listed = await xprov(['--json', 'credentials', 'list', String(child.id)]);
    expect(JSON.parse(listed.stdout).data).toEqual([expect.objectContaining({ key: 'numbers.apiKey', inherit: false })]);
    expect(listed.stdout).not.toContain('child-numbers-key');
    expect((await xprov(['credentials', 'share', String(child.id), 'numbers.apiKey'])).code).toBe(0);
    const table = await xprov(['credentials', 'list', String(child.id)]);
    expect(table.stdout).toMatch(/numbers\.apiKey\s+true/);
    expect((await xprov(['credentials', 'share', String(child.id), 'numbers.nothing'])).code).toBe(1);

    // The simulator's credentials, through the CLI, for the orders below.
    for (const [name, value] of Object.entries(simulatorCredentials(sim))) {
      const set = await xprov(['credentials', 'set', String(rootId), name], `${value}\n`);
      expect(set.code, set.stderr).toBe(0);
      expect(set.stdout + set.stderr).not.toContain(value);
    }
    const credentials = await app.request('GET', `/api/v1/organizations/${rootId}/credentials`, { key: ROOT_KEY });
    expect(credentials.body.data.map((item: { key: string }) => item.key)).toContain('numbers.apiKey');
  });

  it('provision --wait: progress on stderr, the result on stdout, exit 0; orders list/get/steps/webhooks show it; webhooks listen verifies its messages', async () => {
    const secret = (await app.request('GET', `/api/v1/organizations/${rootId}/webhook-secret`, { key: ROOT_KEY })).body.secret as string;
    const port = await freePort();
    const listener = startXprov(['webhooks', 'listen', '--port', String(port), '--secret', secret], env);
    let heard = '';
    listener.stdout!.on('data', (chunk: Buffer) => (heard += chunk.toString('utf8')));
    await new Promise<void>((resolve) => listener.stderr!.once('data', () => resolve()));

    const run = await xprov([
      'provision', CONFIG, '--server-url', sim.url, '--tenant', SIM_TENANT, '--token', SIM_TOKEN,
      '--callback-url', `http://127.0.0.1:${port}/hook`, '--wait', '--interval', '200',
    ]);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stderr).toMatch(/order \d+ \[.*\] \d+\/\d+ steps/);
    expect(run.stdout).toMatch(/status:\s+COMPLETED/);
    expect(run.stdout).toMatch(/created:\s+.*user 2/);
    const id = Number(/order:\s+(\d+)/.exec(run.stdout)![1]);

    const list = await xprov(['orders', 'list', '--status', 'completed']);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+COMPLETED`, 'm'));
    const get = await xprov(['--json', 'orders', 'get', String(id)]);
    expect(JSON.parse(get.stdout)).toMatchObject({ id, status: 'COMPLETED' });
    const steps = await xprov(['orders', 'steps', String(id)]);
    expect(steps.stdout).toMatch(/^SEQ\s+STATUS\s+ATTEMPTS\s+NAME/m);
    expect(steps.stdout).toContain('DONE');

    const deadline = Date.now() + 15_000;
    while (!heard.includes('COMPLETED') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    listener.kill('SIGINT');
    expect(heard).toMatch(new RegExp(`order ${id} NOT_STARTED -> IN_PROGRESS \\(verified\\)`));
    expect(heard).toMatch(new RegExp(`order ${id} IN_PROGRESS -> COMPLETED \\(verified\\)`));
    const webhooks = await xprov(['orders', 'webhooks', String(id)]);
    expect(webhooks.stdout).toMatch(/orderStatusChanged\s+COMPLETED\s+delivered/);

    const cancel = await xprov(['orders', 'cancel', String(id)]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toMatch(/409 Conflict/);
  });

  it('a FAILED order exits 1 with its error; retry with a new token completes it', async () => {
    const run = await xprov(['provision', CONFIG, '--server-url', sim.url, '--tenant', SIM_TENANT, '--token', 'expired-token-123', '--wait', '--interval', '200']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/status:\s+FAILED/);
    expect(run.stdout).toContain('TENANT_TOKEN_REJECTED');
    const id = Number(/order:\s+(\d+)/.exec(run.stdout)![1]);

    const retry = await xprov(['orders', 'retry', String(id), '--token', SIM_TOKEN, '--wait']);
    expect(retry.code, retry.stderr + retry.stdout).toBe(0);
    expect(retry.stdout).toMatch(/status:\s+COMPLETED/);
  });

  it('a park order: provision --master-token --licenses takes a tenant from the park and provisions it', async () => {
    const login = await fetch(`${sim.url}/api/v1/master/me/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userName: 'park-admin', password: 'park-admin-password', userSpace: 'xprov-test' }),
    });
    masterToken = ((await login.json()) as { authentication: string }).authentication;
    const run = await xprov(['provision', CONFIG, '--server-url', sim.url, '--tenant', 'xprov-park', '--master-token', masterToken, '--licenses', 'user=9', '--wait', '--interval', '200']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/status:\s+COMPLETED/);
    const taken = [...sim.state.park!.tenants.values()].find((tenant) => tenant.subDatabaseName === 'xprov-park');
    expect(taken).toMatchObject({ active: true, statusEnum: 'STARTED' });
    expect(taken!.licenseCounts.find((count) => count.name === 'license.user')!.max).toBe(9);
  });

  it('never prints a tenant token or a credential value', () => {
    const all = outputs.join('\n');
    expect(all).not.toContain(masterToken);
    expect(all).not.toContain(SIM_TOKEN);
    expect(all).not.toContain('expired-token-123');
    expect(all).not.toContain(ROOT_KEY);
  });
});
