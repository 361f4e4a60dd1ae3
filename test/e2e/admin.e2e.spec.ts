import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_CSP, defaultAdminRoot } from '../../src/admin/admin-page.js';
import { launchBrowser, openPage, type PageWatch } from '../../tools/testing/browser.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../../tools/testing/webhook-receiver.js';

/**
 * The admin page end to end: served by the app at /admin, driven in headless Chromium
 * (Debian's package, through playwright-core). The page is built first, exactly as `npm run build` does.
 */
const CONFIG = {
  version: 1,
  organization: { name: 'Fairy Tail' },
  users: [
    { email: 'natsu@fairytail.example', firstName: 'Natsu', lastName: 'Dragneel', internalNumber: '201' },
    { email: 'lucy@fairytail.example', firstName: 'Lucy', lastName: 'Heartfilia', internalNumber: '202' },
  ],
};

let app: TestApp;
let sim: RunningSimulator;
let receiver: WebhookReceiver;
let browser: Browser;
let reseller: OrgWithKey;
const opened: PageWatch[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, ['admin/build.mjs'], { stdio: 'inherit' });
  [app, sim, receiver, browser] = await Promise.all([
    startTestApp({ EXECUTOR_POLL_MS: '50', WEBHOOK_POLL_MS: '50' }),
    startTestSimulator(),
    WebhookReceiver.start(),
    launchBrowser(),
  ]);
  reseller = await createOrganization(app, ROOT_KEY, 'Admin UI reseller');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await sim?.close();
  await app?.close();
});

/** A page at `width`; every test checks at its end that it made no outside request and broke no CSP rule. */
async function open(width = 1280): Promise<PageWatch> {
  const watch = await openPage(browser, app.baseUrl, width);
  opened.push(watch);
  return watch;
}

function cleanOf(watch: PageWatch): void {
  expect(watch.foreignRequests).toEqual([]);
  // The only console errors allowed are the browser's notes about API answers the test provoked (401, 400).
  const unexpected = watch.problems.filter((p) => !/Failed to load resource: the server responded with a status of (400|401|404|409)/.test(p));
  expect(unexpected).toEqual([]);
}

async function signIn(page: Page, key: string, hash = ''): Promise<void> {
  await page.goto(`${app.baseUrl}/admin/${hash}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function submitOrder(key: string, callbackUrl: string): Promise<number> {
  const response = await app.request('POST', '/api/v1/provision', {
    key,
    body: CONFIG,
    headers: {
      'Xelion-Server-Url': sim.url,
      'Xelion-Tenant-Name': SIM_TENANT,
      'Xelion-Tenant-Token': SIM_TOKEN,
      'X-Callback-Url': callbackUrl,
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.id as number;
}

/** Every form control has an accessible name (a label or aria-label). */
async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, textarea, button'))
      .filter((el) => {
        const control = el as HTMLInputElement;
        if (control.type === 'hidden') return false;
        const labelled = (control.labels?.length ?? 0) > 0 || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
        return !labelled && !(el.tagName === 'BUTTON' && el.textContent?.trim());
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('serving /admin', () => {
  it('answers without an API key, with a strict CSP and revalidated caching; the API still needs a key', async () => {
    const bare = await fetch(`${app.baseUrl}/admin`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/admin/');

    const index = await app.request('GET', '/admin/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toBe(ADMIN_CSP);
    expect(ADMIN_CSP).toContain("default-src 'self'");
    expect(ADMIN_CSP).not.toContain('unsafe-inline');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('etag')).toBeTruthy();
    // No inline script or style: everything comes from files on /admin/.
    expect(index.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(index.text).not.toMatch(/<style|style=/);

    const script = await app.request('GET', '/admin/main.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('content-security-policy')).toBe(ADMIN_CSP);

    // (fetch adds `cache-control: no-cache` to conditional requests unless told otherwise, as a forced reload would.)
    const revalidated = await fetch(`${app.baseUrl}/admin/main.js`, { headers: { 'if-none-match': script.headers.get('etag')!, 'cache-control': 'max-age=0' } });
    expect(revalidated.status).toBe(304);

    expect((await app.request('GET', '/admin/../package.json')).status).toBe(404);
    expect((await app.request('GET', '/admin/missing.js')).status).toBe(404);
    expect((await app.request('GET', '/api/v1/organizations/me')).status).toBe(401);
  });

  it('is small and names no other origin', () => {
    const root = defaultAdminRoot();
    const all = files(root);
    expect(all.map((f) => relative(root, f)).sort()).toEqual(expect.arrayContaining(['index.html', 'admin.css', 'main.js', 'api.js']));
    const total = all.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(total).toBeLessThan(120 * 1024);
    for (const file of all) {
      // The SVG namespace is a name, not a request.
      const text = readFileSync(file, 'utf8').replaceAll('xmlns="http://www.w3.org/2000/svg"', '');
      expect(text, file).not.toMatch(/https?:\/\/|\/\/[a-z0-9-]+\.[a-z]{2,}\//i);
    }
  });
});

describe('the admin page in Chromium', () => {
  afterAll(() => {
    for (const watch of opened) cleanOf(watch);
  });
  // A failing test leaves a screenshot and the page's text behind, to see what the user saw.
  afterEach(async (context) => {
    const watch = opened[opened.length - 1];
    if (context.task.result?.state !== 'fail' || !watch || watch.page.isClosed()) return;
    const name = context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await watch.page.screenshot({ path: join(tmpdir(), `admin-e2e-${name}.png`), fullPage: true }).catch(() => undefined);
    const serious = app.logs().split('\n').filter((line) => /"level":(40|50|60)/.test(line)).slice(-20);
    if (serious.length) console.error(`app warnings and errors:\n${serious.join('\n')}`);
    console.error(`admin page at failure (${watch.page.url()}):\n${await watch.page.locator('body').innerText().catch(() => '?')}\nproblems: ${watch.problems.join('\n')}`);
  });

  it('signs in with the keyboard, keeps the key in session storage only, and signs out', async () => {
    const watch = await open();
    const { page } = watch;
    await page.goto(`${app.baseUrl}/admin/`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Sign in');
    expect(await unlabelledControls(page)).toEqual([]);

    // A wrong key is refused, in words.
    await page.keyboard.press('Tab'); // skip link
    await page.getByLabel('API key').focus();
    await page.keyboard.type('not-a-valid-key-0000000000000000000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Cannot sign in: the service refused this key/);

    await page.getByLabel('API key').fill(reseller.key);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.locator('.who').textContent()).toContain('Admin UI reseller');
    expect(page.url()).toMatch(/#\/orders$/);
    // Focus moved to the new page's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName + ':' + document.activeElement?.textContent)).toBe('H1:Orders');
    expect(await page.evaluate(() => sessionStorage.getItem('xps.apiKey'))).toBe(reseller.key);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await watch.context.cookies()).length).toBe(0);

    // A new tab of the same browser has its own session: not signed in.
    const other = await watch.context.newPage();
    await other.goto(`${app.baseUrl}/admin/`);
    await other.getByLabel('API key').waitFor();
    await other.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('xps.apiKey'))).toBeNull();
    expect(await page.getByRole('status').first().textContent()).toContain('You are signed out');
  });

  it('follows an order live to COMPLETED, shows its steps, result and webhooks, and redelivers a webhook', { timeout: 120_000 }, async () => {
    const { page } = await open();
    await signIn(page, reseller.key);

    // Slow Xelion down so the order is seen running, then let it finish while the page is open.
    sim.setOptions({ latencyMs: 1500 });
    const id = await submitOrder(reseller.key, receiver.url('/admin-order'));
    try {
      await page.getByLabel('Order id').fill(String(id));
      await page.getByRole('button', { name: 'Go to order' }).click();
      await page.getByRole('heading', { level: 1, name: new RegExp(`^Order ${id}`) }).waitFor();
      expect(page.url()).toMatch(new RegExp(`#/orders/${id}$`));
      await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'no reload'));
      await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 15_000 }).toMatch(/Not started|In progress/);
      await expect.poll(() => page.locator('.live-note').textContent()).toContain('updates by itself');
    } finally {
      sim.setOptions({ latencyMs: 0 });
    }

    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 30_000 }).toBe('Completed');
    // The same document all along: it updated itself, without a reload.
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('no reload');
    const progress = page.locator('progress#order-progress');
    expect(await progress.getAttribute('value')).toBe(await progress.getAttribute('max'));
    await expect.poll(() => page.getByLabel(/^Progress/).count()).toBe(1);
    const steps = page.locator('.timeline li');
    expect(await steps.count()).toBeGreaterThan(1);
    expect(await page.locator('.timeline li.step-done').count()).toBe(await steps.count());
    expect(await page.locator('.timeline').textContent()).toContain('natsu@fairytail.example');
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    expect(await page.getByRole('region', { name: 'Objects on the tenant' }).textContent()).toMatch(/user/);
    // No retry or cancel on a completed order.
    expect(await page.getByRole('button', { name: /Retry|Cancel/ }).count()).toBe(0);

    // The webhook messages, each with its attempts, once the receiver has them all.
    await receiver.waitFor((all) => all.some((m) => m.path === '/admin-order' && m.json?.data?.status === 'COMPLETED'));
    const api = await app.request('GET', `/api/v1/orders/${id}/webhooks`, { key: reseller.key });
    const completed = api.body.data.find((m: { body: { data: { status: string } } }) => m.body.data.status === 'COMPLETED');
    expect(completed).toBeTruthy();
    const article = page.locator('article', { has: page.getByRole('heading', { name: `Message ${completed.mid}: orderStatusChanged → Completed` }) });
    await expect.poll(() => article.locator('.badge').textContent(), { timeout: 15_000 }).toBe('delivered');
    expect(await article.getByRole('region', { name: `Attempts of message ${completed.mid}` }).locator('tbody tr').count()).toBe(1);

    // Redeliver: the receiver gets the same message (same webhook-id) again, and the page shows a second attempt.
    const before = receiver.messages('/admin-order').filter((m) => m.id === String(completed.mid)).length;
    await article.getByRole('button', { name: `Redeliver message ${completed.mid}` }).click();
    await receiver.waitFor((all) => all.filter((m) => m.path === '/admin-order' && m.id === String(completed.mid)).length === before + 1);
    await expect
      .poll(() => article.getByRole('region', { name: `Attempts of message ${completed.mid}` }).locator('tbody tr').count(), { timeout: 15_000 })
      .toBe(2);
    const again = receiver.messages('/admin-order').filter((m) => m.id === String(completed.mid));
    expect(again[again.length - 1].body).toBe(again[0].body);
  });

  it('shows a failed order with its cause, and retries it', { timeout: 120_000 }, async () => {
    const { page } = await open();
    await signIn(page, reseller.key);
    sim.revokeToken(SIM_TENANT, SIM_TOKEN);
    let id: number;
    try {
      id = await submitOrder(reseller.key, receiver.url('/admin-failed'));
      await page.goto(`${app.baseUrl}/admin/#/orders/${id}`);
      await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 30_000 }).toBe('Failed');
    } finally {
      sim.addToken(SIM_TENANT, SIM_TOKEN);
    }
    const failure = page.getByRole('region', { name: 'What went wrong' });
    expect(await failure.textContent()).toContain('TENANT_TOKEN_REJECTED');
    expect(await failure.textContent()).toMatch(/Retry with a fresh token/);

    // The token was erased when it was rejected: retrying without one is refused, in words.
    await page.getByRole('button', { name: 'Retry order' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/Could not retry: Xelion-Tenant-Token header is required/);
    await page.getByLabel(/New tenant token/).fill(SIM_TOKEN);
    await page.getByRole('button', { name: 'Retry order' }).click();
    await expect.poll(() => page.locator('h1 .badge').textContent(), { timeout: 30_000 }).toBe('Completed');
  });

  it('lists, filters and finds orders', async () => {
    const other = await createOrganization(app, reseller.key, 'Filter child');
    const childOrder = await submitOrder(other.key, receiver.url('/admin-list'));
    const { page } = await open();
    await signIn(page, reseller.key);
    const table = page.getByRole('region', { name: /^Orders \(/ });
    await table.waitFor();
    expect(await table.textContent()).toContain(`Order ${childOrder}`);
    expect(await table.textContent()).toContain('Filter child');

    await page.getByLabel('Organization').selectOption({ label: '\u2003Filter child' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toContain(`organizationId=${other.id}`);
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);

    await page.getByLabel('Status').selectOption('FAILED');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByText('No orders match these filters.').count()).toBe(1);

    // A wrong id is explained; an unknown one names the API's answer.
    await page.getByLabel('Order id').fill('forty-two');
    await page.getByRole('button', { name: 'Go to order' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('An order id is a whole number');
    await page.getByLabel('Order id').fill('999999');
    await page.getByRole('button', { name: 'Go to order' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Cannot show order 999999: .*not found/i);
  });

  it('creates an organization and a key (shown once, copied), sets a credential it never shows, rotates the webhook secret', { timeout: 90_000 }, async () => {
    const { page } = await open();
    page.on('dialog', (dialog) => void dialog.accept());
    await signIn(page, reseller.key, '#/organizations');
    await page.getByRole('heading', { level: 1, name: 'Organizations: Admin UI reseller' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByLabel('Name of the new organization below Admin UI reseller').fill('Sabertooth');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { level: 1, name: 'Organizations: Sabertooth' }).waitFor();
    const children = await app.request('GET', '/api/v1/organizations?limit=200', { key: reseller.key });
    const created = children.body.data.find((o: { name: string }) => o.name === 'Sabertooth');
    expect(created).toMatchObject({ parentId: reseller.id, disabled: false });
    expect(page.url()).toMatch(new RegExp(`#/organizations/${created.id}$`));
    expect(await page.getByRole('navigation', { name: 'Organization tree' }).textContent()).toContain('Sabertooth');

    // An API key: shown once, with a copy button; the list shows only its prefix.
    await page.getByLabel('Name (optional)').fill('billing');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = page.getByLabel('New API key');
    await shown.waitFor();
    const key = await shown.inputValue();
    expect(key.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    const me = await app.request('GET', '/api/v1/organizations/me', { key });
    expect(me.body).toMatchObject({ id: created.id, name: 'Sabertooth' });
    const keysTable = page.getByRole('region', { name: 'API keys of Sabertooth' });
    await expect.poll(() => keysTable.textContent()).toContain('billing');
    expect(await keysTable.textContent()).not.toContain(key);
    await page.getByRole('button', { name: 'I have stored it — hide' }).click();
    expect(await page.content()).not.toContain(key);

    // Revoke it: the API refuses it from then on.
    await page.getByRole('button', { name: 'Revoke billing' }).click();
    await expect.poll(() => keysTable.textContent()).toContain('Revoked');
    expect((await app.request('GET', '/api/v1/organizations/me', { key })).status).toBe(401);

    // A credential: a bad key name is refused in words; a good one is listed, its value never shown.
    await page.getByLabel('Key', { exact: true }).fill('1-not-a-key');
    await page.getByLabel('Value', { exact: true }).fill('whatever');
    await page.getByRole('button', { name: 'Save credential' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Could not save the credential: .+/);
    const secretValue = 'numbers-secret-value-9f8e7d';
    await page.getByLabel('Key', { exact: true }).fill('numbers.apiKey');
    await page.getByLabel('Value', { exact: true }).fill(secretValue);
    await page.getByRole('button', { name: 'Save credential' }).click();
    const credentials = page.getByRole('region', { name: 'Credentials of Sabertooth' });
    await expect.poll(() => credentials.textContent()).toContain('numbers.apiKey');
    expect(await page.getByLabel('Value', { exact: true }).inputValue()).toBe('');
    expect(await page.content()).not.toContain(secretValue);
    const stored = await app.request('GET', `/api/v1/organizations/${created.id}/credentials`, { key: reseller.key });
    expect(stored.body.data.map((c: { key: string; inherit: boolean }) => [c.key, c.inherit])).toEqual([['numbers.apiKey', false]]);
    // Shared with descendants from the list, without the value.
    await page.getByRole('button', { name: 'Share numbers.apiKey' }).click();
    await page.getByRole('button', { name: 'Stop sharing numbers.apiKey' }).waitFor();
    const shared = await app.request('GET', `/api/v1/organizations/${created.id}/credentials`, { key: reseller.key });
    expect(shared.body.data.map((c: { key: string; inherit: boolean }) => [c.key, c.inherit])).toEqual([['numbers.apiKey', true]]);

    // Rename.
    await page.getByLabel('Name', { exact: true }).fill('Sabertooth Telecom');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'Organizations: Sabertooth Telecom' }).waitFor();

    // The webhook signing secret: shown on request, rotated on request.
    await page.getByRole('button', { name: 'Show the secret' }).click();
    const secretField = page.getByRole('textbox', { name: 'Webhook signing secret' });
    const first = await secretField.inputValue();
    expect(first).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Rotate the secret' }).click();
    await expect.poll(() => secretField.inputValue()).not.toBe(first);
    const now = await app.request('GET', `/api/v1/organizations/${created.id}/webhook-secret`, { key: reseller.key });
    expect(await secretField.inputValue()).toBe(now.body.secret);
    expect(await page.locator('.once').textContent()).toContain('previous secret still signs until');

    // Disable it.
    await page.getByRole('button', { name: 'Disable Sabertooth Telecom' }).click();
    await expect.poll(() => page.getByRole('navigation', { name: 'Organization tree' }).textContent()).toContain('Sabertooth Telecom (disabled)');
    const after = await app.request('GET', `/api/v1/organizations/${created.id}`, { key: reseller.key });
    expect(after.body.disabled).toBe(true);
  });

  it('tests a configuration and shows every error next to its path', async () => {
    const { page } = await open();
    // Public: no sign-in needed.
    await page.goto(`${app.baseUrl}/admin/#/test`);
    await page.getByRole('heading', { level: 1, name: 'Test a configuration' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    await page.getByLabel('Configuration (JSON)').fill('{ "version": 1, ');
    await page.getByRole('button', { name: 'Test the configuration' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/This is not valid JSON: .+/);

    const bad = { version: 2, organization: {}, users: [{ email: 'not-an-email', firstName: 'A', lastName: 'B', internalNumber: '201' }] };
    const expected = await app.request('POST', '/api/v1/provision/test', { body: bad });
    expect(expected.status).toBe(400);
    const errors = expected.body.errors as { path: string; message: string }[];
    expect(errors.length).toBeGreaterThan(1);

    // Upload the same document as a file.
    await page.getByLabel('Or load a file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad, null, 2)) });
    await expect.poll(() => page.getByLabel('Configuration (JSON)').inputValue()).toContain('not-an-email');
    await page.getByRole('button', { name: 'Test the configuration' }).click();
    const table = page.getByRole('region', { name: 'Errors by path' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows.map(([path, message]) => ({ path, message }))).toEqual(errors.map((e) => ({ path: e.path || '/', message: e.message })));
    expect(await page.getByRole('alert').textContent()).toContain(`${errors.length} errors`);

    await page.getByLabel('Configuration (JSON)').fill(JSON.stringify(CONFIG));
    await page.getByRole('button', { name: 'Test the configuration' }).click();
    await expect.poll(() => page.locator('.success').textContent()).toBe('The configuration is valid.');
  });

  it('plans a configuration against a tenant: the summary, the requirements, the changes by kind, and what an order would do', { timeout: 90_000 }, async () => {
    const { page } = await open();
    await signIn(page, reseller.key);
    await page.goto(`${app.baseUrl}/admin/#/test`);
    await page.getByRole('heading', { level: 1, name: 'Test a configuration' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await page.getByLabel('Configuration (JSON)').fill(JSON.stringify(CONFIG));
    await page.getByLabel('Xelion server URL').fill(sim.url);
    await page.getByLabel('Tenant name').fill('pbx2');
    await page.getByLabel('Tenant token').fill('test-token-pbx2');
    const expected = await app.request('POST', '/api/v1/provision/plan', {
      key: reseller.key,
      body: CONFIG,
      headers: { 'Xelion-Server-Url': sim.url, 'Xelion-Tenant-Name': 'pbx2', 'Xelion-Tenant-Token': 'test-token-pbx2' },
    });
    expect(expected.status, expected.text).toBe(200);
    await page.getByRole('button', { name: 'Plan' }).click();
    const { create, update, unchanged } = expected.body.summary;
    await expect.poll(() => page.locator('.plan [role=status]').textContent()).toBe(`Plan: ${create} to create, ${update} to update, ${unchanged} unchanged.`);
    expect(await page.getByText(`If-Match: "${expected.body.planHash}"`).count()).toBe(1);
    const users = page.getByRole('region', { name: 'Changes: user' });
    expect(await users.getByRole('heading').textContent()).toBe(`user: ${CONFIG.users.length} create, 0 update, 0 unchanged`);
    const rows = await users.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows.map(([action, key, path]) => [action, key, path])).toEqual(CONFIG.users.map((u, i) => ['create', u.email, `/users/${i}`]));
    expect(await page.getByText('No conflicts.').count()).toBe(1);
    // The token typed in is not kept anywhere in the page's storage.
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain('test-token-pbx2');
  });

  it('signs out by itself, with a reason, when the key stops working', async () => {
    const temporary = await createOrganization(app, reseller.key, 'Short-lived');
    const { page } = await open();
    await signIn(page, temporary.key);
    expect((await app.request('DELETE', `/api/v1/organizations/${temporary.id}`, { key: reseller.key })).status).toBe(204);
    await page.getByRole('link', { name: 'Organizations' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.locator('.notice').textContent()).toMatch(/no longer accepts this API key/);
    expect(await page.evaluate(() => sessionStorage.getItem('xps.apiKey'))).toBeNull();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    const id = await submitOrder(reseller.key, receiver.url('/admin-narrow'));
    const { page } = await open(390);
    await signIn(page, reseller.key);
    for (const hash of ['#/orders', `#/orders/${id}`, '#/organizations', '#/test']) {
      await page.goto(`${app.baseUrl}/admin/${hash}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, hash).toBeLessThanOrEqual(390);
    }
  });

  it('fits every table in its card at 1280 px, every button visible without scrolling sideways', { timeout: 90_000 }, async () => {
    const id = await submitOrder(reseller.key, receiver.url('/admin-wide'));
    // Keys with long names and every date set: the widest rows the keys table gets.
    for (const name of ['billing integration of the head office', 'a second key for the nightly synchronisation job']) {
      const created = await app.request('POST', `/api/v1/organizations/${reseller.id}/api-keys`, {
        key: reseller.key,
        body: { name, expiresAt: '2031-12-31T23:59:59Z' },
      });
      expect(created.status).toBe(201);
    }
    const { page } = await open(1280);
    await signIn(page, reseller.key);
    for (const hash of ['#/orders', `#/orders/${id}`, `#/organizations/${reseller.id}`, '#/test']) {
      await page.goto(`${app.baseUrl}/admin/${hash}`);
      await page.locator('h1').waitFor();
      await page.waitForLoadState('networkidle');
      if (hash.startsWith('#/organizations')) {
        await page.getByRole('button', { name: /^Revoke / }).first().waitFor();
        expect(await page.getByRole('button', { name: /^Revoke / }).count()).toBeGreaterThanOrEqual(3);
      }
      const problems = await page.evaluate(() => {
        const found: string[] = [];
        for (const wrap of Array.from(document.querySelectorAll<HTMLElement>('.table-wrap'))) {
          if (wrap.scrollWidth > wrap.clientWidth + 1) found.push(`table "${wrap.getAttribute('aria-label')}" is ${wrap.scrollWidth} px in ${wrap.clientWidth} px`);
        }
        for (const button of Array.from(document.querySelectorAll<HTMLElement>('main button'))) {
          const box = button.getBoundingClientRect();
          if (box.width === 0) continue;
          const card = (button.closest('.card') ?? document.querySelector('main'))!.getBoundingClientRect();
          if (box.right > card.right + 0.5 || box.right > window.innerWidth) found.push(`button "${button.textContent}" ends at ${box.right} px, its card at ${card.right} px`);
        }
        if (document.documentElement.scrollWidth > window.innerWidth) found.push(`the page is ${document.documentElement.scrollWidth} px wide`);
        return found;
      });
      expect(problems, hash).toEqual([]);
    }
  });
});
