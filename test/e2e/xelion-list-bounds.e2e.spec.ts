import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeSettings } from '../../src/config/runtime-settings.js';
import { XelionClientFactory } from '../../src/xelion/xelion-client.factory.js';
import { XelionListTooLargeError } from '../../src/xelion/xelion.errors.js';
import { createOrganization } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * List reads are bounded (docs/security.md, "Reading lists from a server"): a hostile server that
 * pages for ever, or answers huge pages, stops the read at XELION_LIST_MAX_ITEMS items or
 * XELION_LIST_MAX_BYTES bytes with an error naming the bound. The server listens on 127.0.0.1 only.
 */
const MINIMAL = JSON.parse(readFileSync(new URL('../../examples/minimal.json', import.meta.url), 'utf8'));

interface Endless {
  url: string;
  /** List pages served so far. */
  pages: number;
  /** Bytes of padding per item. */
  padding: number;
  close(): Promise<void>;
}

/** A Xelion that answers the preflight and then every list with a full page, for ever. */
async function endlessServer(): Promise<Endless> {
  const state = { pages: 0, padding: 0 };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    response.setHeader('content-type', 'application/json');
    if (url.pathname.endsWith('/server/version')) return response.end(JSON.stringify({ apiVersionMajor: 1, apiVersionMinor: 0, version: '9' }));
    if (url.pathname.endsWith('/me/info')) return response.end(JSON.stringify({ object: { oid: '1', userName: 'admin' } }));
    state.pages++;
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const after = Number(url.searchParams.get('after') ?? 0);
    const pad = 'p'.repeat(state.padding);
    const data = Array.from({ length: limit }, (_, i) => ({ object: { oid: String(after + i + 1), objectType: 'Organisation', commonName: `Not it ${after + i + 1}`, pad } }));
    response.end(JSON.stringify({ data }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get pages() {
      return state.pages;
    },
    set pages(value: number) {
      state.pages = value;
    },
    get padding() {
      return state.padding;
    },
    set padding(value: number) {
      state.padding = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('list reads against a server that pages for ever', () => {
  let server: Endless;
  beforeAll(async () => {
    server = await endlessServer();
  });
  afterAll(() => server?.close());

  const client = (xelion: Partial<RuntimeSettings['xelion']>) =>
    new XelionClientFactory({
      outboundAllowPrivate: true,
      xelion: { maxConcurrency: 4, timeoutMs: 5_000, ...xelion },
    } as RuntimeSettings).forTenant({ serverUrl: server.url, tenant: 'pbx1', token: 'canary-list-token' });

  it('stops at XELION_LIST_MAX_ITEMS (the default of 50,000 included), naming the bound', async () => {
    server.pages = 0;
    server.padding = 0;
    const error = await client({ listMaxItems: 1_000 }).findPhoneByMac('AA:BB:CC:DD:EE:FF').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(XelionListTooLargeError);
    expect((error as Error).message).toBe('GET /phones: the list has more than XELION_LIST_MAX_ITEMS (1000) items; reading stopped');
    expect(server.pages).toBe(11);

    server.pages = 0;
    const byDefault = await client({}).listTrunks().catch((caught: unknown) => caught);
    expect((byDefault as Error).message).toContain('more than XELION_LIST_MAX_ITEMS (50000) items');
    expect(server.pages).toBe(501);
  }, 120_000);

  it('stops at XELION_LIST_MAX_BYTES, naming the bound, before the pages pile up in memory', async () => {
    server.pages = 0;
    server.padding = 2_000; // ~200 kB a page
    const error = await client({ listMaxBytes: 1024 * 1024 }).findPhoneByMac('AA:BB:CC:DD:EE:FF').catch((caught: unknown) => caught);
    server.padding = 0;
    expect(error).toBeInstanceOf(XelionListTooLargeError);
    expect((error as Error).message).toBe('GET /phones: the list is larger than XELION_LIST_MAX_BYTES (1048576 bytes); reading stopped');
    expect(server.pages).toBeLessThanOrEqual(6);
  });

  describe('in an order', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ XELION_LIST_MAX_ITEMS: '1000', EXECUTOR_POLL_MS: '50' });
    });
    afterAll(() => app?.close());

    it('the step fails with XELION_LIST_TOO_LARGE, saying which bound', async () => {
      const org = await createOrganization(app, ROOT_KEY, 'lists');
      const created = await app.request('POST', '/api/v1/provision', {
        key: org.key,
        body: MINIMAL,
        headers: { 'Xelion-Server-Url': server.url, 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': 'canary-list-token' },
      });
      expect(created.status, created.text).toBe(201);
      const deadline = Date.now() + 30_000;
      let order;
      for (;;) {
        order = (await app.request('GET', `/api/v1/orders/${created.body.id}`, { key: ROOT_KEY })).body;
        if (order.status === 'FAILED' || order.status === 'COMPLETED' || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(order.status).toBe('FAILED');
      expect(order.error).toMatchObject({ code: 'XELION_LIST_TOO_LARGE', step: 'organization' });
      expect(order.error.message).toContain('more than XELION_LIST_MAX_ITEMS (1000) items');
    });
  });
});
