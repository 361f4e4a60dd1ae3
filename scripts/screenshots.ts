/**
 * `npm run screenshots`: pictures of the admin page for the README, in docs/screenshots/.
 * Starts the service (embedded database in a temporary directory) and the Xelion simulator in this
 * process, creates a small tree of organizations and a few orders (one completed with webhooks, one
 * failed), then photographs the main pages in headless Chromium at 1280 px, and the order page at 390 px.
 * Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM_PATH).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { createApp, type RunningApp } from '../src/app.js';
import { loadSettings } from '../src/config/settings.js';
import { startSimulator, type RunningSimulator } from '../tools/xelion-simulator/simulator.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { api } from './support/api.js';
import { launchBrowser, openPage } from '../tools/testing/browser.js';

const TENANT = 'pbx1';
const OUT = resolve('docs/screenshots');

async function until<T>(what: string, probe: () => Promise<T | false | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.waitForLoadState('networkidle');
  // No blinking caret or focus ring in the pictures.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  // Full pages are cut at 1,400 px: enough to show the page, small enough for the README.
  const height = fullPage ? Math.min(1400, await page.evaluate(() => document.documentElement.scrollHeight)) : undefined;
  const size = page.viewportSize()!;
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage, clip: height ? { x: 0, y: 0, width: size.width, height } : undefined });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xps-screenshots-'));
  const rootKey = randomBytes(24).toString('base64url');
  const token = randomBytes(24).toString('hex');
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  let sim: RunningSimulator | undefined;
  let running: RunningApp | undefined;
  const browser = await launchBrowser();
  try {
    mkdirSync(OUT, { recursive: true });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/xelion-orders`;
    sim = await startSimulator({ port: 0, host: '127.0.0.1', tenants: [{ name: TENANT, tokens: [token] }], seed: 7, latencyMs: 2 });
    running = await createApp(
      loadSettings({ DATA_DIR: dataDir, ROOT_API_KEY: rootKey, OUTBOUND_ALLOW_PRIVATE: 'true', EXECUTOR_POLL_MS: '50', WEBHOOK_POLL_MS: '50', LOG_LEVEL: 'silent' }),
    );
    await running.app.listen({ port: 0, host: '127.0.0.1' });
    const baseUrl = `http://127.0.0.1:${(running.app.getHttpServer().address() as AddressInfo).port}`;

    // A reseller with two customers, its own key, and the credentials the example needs.
    const reseller = await api(baseUrl, rootKey, 'POST', '/api/v1/organizations', { name: 'Fairy Tail Telecom' });
    const { key } = await api(baseUrl, rootKey, 'POST', `/api/v1/organizations/${reseller.id}/api-keys`, { name: 'admin page' });
    await api(baseUrl, key, 'POST', `/api/v1/organizations/${reseller.id}/api-keys`, { name: 'billing integration' });
    const pegasus = await api(baseUrl, key, 'POST', '/api/v1/organizations', { name: 'Blue Pegasus' });
    await api(baseUrl, key, 'POST', '/api/v1/organizations', { name: 'Lamia Scale' });
    await api(baseUrl, key, 'POST', '/api/v1/organizations', { name: 'Trimens', parentId: pegasus.id });
    const credentials = simulatorCredentials(sim);
    for (const [name, value] of Object.entries(credentials)) {
      await api(baseUrl, key, 'PUT', `/api/v1/organizations/${reseller.id}/credentials/${name}`, { value });
    }

    const office = JSON.parse(readFileSync(resolve('examples/small-office.json'), 'utf8'));
    const provision = (body: unknown, tenantToken: string) =>
      api(baseUrl, key, 'POST', '/api/v1/provision', body, {
        'Xelion-Server-Url': sim!.url,
        'Xelion-Tenant-Name': TENANT,
        'Xelion-Tenant-Token': tenantToken,
        'X-Callback-Url': callbackUrl,
      });
    const failed = await provision({ version: 1, organization: { name: 'Blue Pegasus' } }, 'an-expired-token');
    await until('the failed order', async () => (await api(baseUrl, key, 'GET', `/api/v1/orders/${failed.id}`)).status === 'FAILED');
    const completed = await provision(office, token);
    await until('the completed order', async () => (await api(baseUrl, key, 'GET', `/api/v1/orders/${completed.id}`)).status === 'COMPLETED');
    await until('its webhooks', async () => {
      const { data } = await api(baseUrl, key, 'GET', `/api/v1/orders/${completed.id}/webhooks`);
      return data.length >= 2 && data.every((m: { status: string }) => m.status === 'delivered');
    });

    const wide = await openPage(browser, baseUrl, 1280, 800);
    const page = wide.page;
    await page.goto(`${baseUrl}/admin/`);
    await page.getByLabel('API key').waitFor();
    await shoot(page, 'sign-in');

    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('region', { name: /^Orders \(/ }).waitFor();
    await shoot(page, 'orders');

    await page.goto(`${baseUrl}/admin/#/orders/${completed.id}`);
    await page.getByRole('heading', { name: 'Result' }).waitFor();
    await page.getByRole('heading', { name: 'Webhook messages' }).waitFor();
    await page.locator('article.webhook').first().waitFor();
    await shoot(page, 'order', true);

    await page.goto(`${baseUrl}/admin/#/orders/${failed.id}`);
    await page.getByRole('heading', { name: 'What went wrong' }).waitFor();
    await shoot(page, 'order-failed');

    await page.goto(`${baseUrl}/admin/#/organizations/${reseller.id}`);
    await page.getByRole('region', { name: /^Credentials of/ }).waitFor();
    await page.getByRole('region', { name: /^API keys of/ }).waitFor();
    await shoot(page, 'organizations', true);

    await page.goto(`${baseUrl}/admin/#/test`);
    await page.getByLabel('Configuration (JSON)').fill(readFileSync(resolve('examples/invalid/field-formats.json'), 'utf8'));
    await page.getByRole('button', { name: 'Test the configuration' }).click();
    await page.getByRole('region', { name: 'Errors by path' }).waitFor();
    await shoot(page, 'test-configuration', true);

    const narrow = await openPage(browser, baseUrl, 390, 844);
    await narrow.page.goto(`${baseUrl}/admin/`);
    await narrow.page.getByLabel('API key').fill(key);
    await narrow.page.getByRole('button', { name: 'Sign in' }).click();
    await narrow.page.getByRole('button', { name: 'Sign out' }).waitFor();
    await narrow.page.goto(`${baseUrl}/admin/#/orders/${completed.id}`);
    await narrow.page.getByRole('heading', { name: 'Result' }).waitFor();
    await shoot(narrow.page, 'order-390');

    // The configuration test's 400 is expected; anything else (a CSP violation, an exception, an outside request) is not.
    const problems = [...wide.problems, ...narrow.problems, ...wide.foreignRequests, ...narrow.foreignRequests].filter(
      (problem) => !problem.includes('the server responded with a status of 400'),
    );
    if (problems.length) throw new Error(`the page reported problems:\n${problems.join('\n')}`);
  } finally {
    await browser.close();
    await running?.close();
    await sim?.close();
    receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
