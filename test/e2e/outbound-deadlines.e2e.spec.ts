import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlineExceededError, outboundAxiosConfig, requestWithDeadline } from '../../src/common/http/outbound-http.js';
import { BodyTooLargeError, sendOutbound } from '../../src/common/http/outbound-request.js';
import { createSafeAgents } from '../../src/common/http/url-safety.js';
import { WebhookSender } from '../../src/webhooks/webhook-sender.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { SIM_TENANT, SIM_TOKEN, startTestSimulator, type RunningSimulator } from '../support/simulator.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Total deadlines on outbound requests and fairness between organizations (docs/security.md,
 * "Outbound deadlines and fairness"): a server that sends its headers and then one byte a second, and
 * one that never answers, must end their orders FAILED in bounded time without starving anyone else.
 * Every server listens on 127.0.0.1 only.
 */
const MINIMAL = JSON.parse(readFileSync(new URL('../../examples/minimal.json', import.meta.url), 'utf8'));
const SMALL_OFFICE = JSON.parse(readFileSync(new URL('../../examples/small-office.json', import.meta.url), 'utf8'));

interface Misbehaving {
  url: string;
  requests: number;
  /** Answers whose connection was closed (by the client), with how long after the request each was. */
  closedAfterMs: number[];
  close(): Promise<void>;
}

/** `trickle`: 200, JSON headers, then one byte a second for ever; `hang`: accepts and never answers. */
async function misbehavingServer(kind: 'trickle' | 'hang' | 'huge'): Promise<Misbehaving> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state = { requests: 0, closedAfterMs: [] as number[] };
  const server: Server = createServer((request, response) => {
    state.requests++;
    const started = Date.now();
    response.on('close', () => state.closedAfterMs.push(Date.now() - started));
    request.resume();
    if (kind === 'hang') return;
    if (kind === 'huge') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"data":"${'x'.repeat(2 * 1024 * 1024)}"}`);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{');
    const timer = setInterval(() => response.write(' '), 1000);
    timers.add(timer);
    response.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    closedAfterMs: state.closedAfterMs,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('requestWithDeadline', () => {
  let trickle: Misbehaving;
  let huge: Misbehaving;
  const agents = createSafeAgents(true);

  beforeAll(async () => {
    trickle = await misbehavingServer('trickle');
    huge = await misbehavingServer('huge');
  });
  afterAll(async () => {
    agents.httpAgent.destroy();
    await trickle?.close();
    await huge?.close();
  });

  it('ends a request whose body trickles at the deadline (axios’s own timeout stops at the headers)', async () => {
    const started = Date.now();
    const error = await requestWithDeadline(axios, { ...outboundAxiosConfig({ agents, timeoutMs: 500 }), url: trickle.url }, 500).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe('no complete answer within 500 ms');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('refuses a body larger than the cap', async () => {
    const config = { ...outboundAxiosConfig({ agents, timeoutMs: 5_000, maxContentLength: 1024 * 1024 }), url: huge.url };
    const error = await requestWithDeadline(axios, config, 5_000).catch((caught: unknown) => caught);
    expect(String((error as Error).message)).toMatch(/maxContentLength size of 1048576 exceeded/);
  });
});

/** The same two guarantees on the lean path the Xelion client uses (common/http/outbound-request.ts). */
describe('sendOutbound', () => {
  let trickle: Misbehaving;
  let huge: Misbehaving;
  const agents = createSafeAgents(true);

  beforeAll(async () => {
    trickle = await misbehavingServer('trickle');
    huge = await misbehavingServer('huge');
  });
  afterAll(async () => {
    agents.httpAgent.destroy();
    await trickle?.close();
    await huge?.close();
  });

  it('ends a request whose body trickles at the deadline and closes its connection', async () => {
    const started = Date.now();
    const closedBefore = trickle.closedAfterMs.length;
    const error = await sendOutbound(agents, { method: 'GET', url: new URL(trickle.url), headers: {}, deadlineMs: 500 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as Error).message).toBe('no complete answer within 500 ms');
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect.poll(() => trickle.closedAfterMs.length).toBe(closedBefore + 1);
  });

  it('refuses a body larger than the cap', async () => {
    const error = await sendOutbound(agents, { method: 'GET', url: new URL(huge.url), headers: {}, deadlineMs: 5_000, maxBodyBytes: 1024 * 1024 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).maxBytes).toBe(1024 * 1024);
  });

  it('reads a whole answer under the cap', async () => {
    const answer = await sendOutbound(agents, { method: 'GET', url: new URL(huge.url), headers: {}, deadlineMs: 5_000 });
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(2 * 1024 * 1024 + 11);
  });
});

describe('a webhook receiver that trickles its answer', () => {
  it('the attempt counts as delivered by its status, and the connection is cut at WEBHOOK_TIMEOUT_MS', async () => {
    const trickle = await misbehavingServer('trickle');
    const sender = new WebhookSender(true, 500);
    try {
      const result = await sender.send({ mid: 1, url: trickle.url, body: '{"mid":1}', secrets: ['whsec_' + Buffer.alloc(32, 7).toString('base64')] });
      expect(result.outcome).toBe('delivered');
      const deadline = Date.now() + 5_000;
      while (trickle.closedAfterMs.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      // Before, the body was drained until 64 kB arrived: at one byte a second, a socket held for 18 hours.
      expect(trickle.closedAfterMs).toHaveLength(1);
      expect(trickle.closedAfterMs[0]).toBeLessThan(3_000);
    } finally {
      sender.close();
      await trickle.close();
    }
  });
});

describe('orders against a server that trickles or hangs', () => {
  let app: TestApp;
  let sim: RunningSimulator;
  let trickle: Misbehaving;
  let hang: Misbehaving;
  let slow: OrgWithKey;
  let other: OrgWithKey;

  beforeAll(async () => {
    [sim, trickle, hang] = await Promise.all([startTestSimulator(), misbehavingServer('trickle'), misbehavingServer('hang')]);
    // Two slots: at most one (EXECUTOR_MAX_PER_ORGANIZATION, by default half) for one reseller's orders.
    app = await startTestApp({ XELION_TIMEOUT_MS: '2000', EXECUTOR_CONCURRENCY: '2', EXECUTOR_POLL_MS: '50' });
    slow = await createOrganization(app, ROOT_KEY, 'reseller with a slow server');
    other = await createOrganization(app, ROOT_KEY, 'another reseller');
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([sim?.close(), trickle?.close(), hang?.close()]);
  });

  const provision = async (key: string, serverUrl: string, body: unknown, token = SIM_TOKEN): Promise<number> => {
    const response = await app.request('POST', '/api/v1/provision', {
      key,
      body,
      headers: { 'Xelion-Server-Url': serverUrl, 'Xelion-Tenant-Name': SIM_TENANT, 'Xelion-Tenant-Token': token },
    });
    expect(response.status, response.text).toBe(201);
    return response.body.id;
  };

  async function waitForEnd(id: number, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = (await app.request('GET', `/api/v1/orders/${id}`, { key: ROOT_KEY })).body;
      if (order.status === 'FAILED' || order.status === 'COMPLETED') return order;
      if (Date.now() > deadline) throw new Error(`order ${id} is still ${order.status} at ${order.currentStep} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('end FAILED within 90 s saying they timed out, while another organization’s order completes meanwhile', async () => {
    const started = Date.now();
    const trickling = await provision(slow.key, trickle.url, MINIMAL);
    const hanging = await provision(slow.key, hang.url, MINIMAL);
    const fine = await provision(other.key, sim.url, MINIMAL);

    const done = await waitForEnd(fine, 60_000);
    expect(done.status, JSON.stringify(done.error)).toBe('COMPLETED');
    const [first, second] = await Promise.all([waitForEnd(trickling, 90_000), waitForEnd(hanging, 90_000)]);
    expect(Date.now() - started).toBeLessThan(90_000);
    for (const order of [first, second]) {
      expect(order.status).toBe('FAILED');
      expect(order.error).toMatchObject({ code: 'XELION_TIMEOUT', step: 'preflight' });
      expect(order.error.message).toContain('no complete answer within 2000 ms (XELION_TIMEOUT_MS)');
    }
    // The other reseller's order did not wait for the slow ones: it ended before either of them.
    const finished = (order: { finishedAt: string }) => Date.parse(order.finishedAt);
    expect(finished(done)).toBeLessThan(Math.min(finished(first), finished(second)));
    expect(trickle.requests).toBeGreaterThan(0);
    expect(hang.requests).toBeGreaterThan(0);
  }, 120_000);

  it('a number provider that trickles: FAILED within 120 s with NUMBER_PROVIDER_TIMEOUT', async () => {
    const numbers = await createOrganization(app, ROOT_KEY, 'reseller with a slow number provider');
    // A trunk group too: the tenant has no trunk, and the order's preflight requires one to be creatable.
    const credentials = {
      'numbers.url': trickle.url,
      'numbers.apiKey': 'canary-deadline-numbers-key',
      'sipTrunk.providerName': 'Slow SIP',
      'sipTrunk.host': 'sip.slow.example',
      'sipTrunk.account': 'slow',
      'sipTrunk.password': 'slow-trunk-password',
    };
    for (const [key, value] of Object.entries(credentials)) {
      const put = await app.request('PUT', `/api/v1/organizations/${numbers.id}/credentials/${key}`, { key: ROOT_KEY, body: { value } });
      expect(put.status, put.text).toBe(204);
    }
    const started = Date.now();
    const id = await provision(numbers.key, sim.url, SMALL_OFFICE);
    const order = await waitForEnd(id, 120_000);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(order.status).toBe('FAILED');
    expect(order.error).toMatchObject({ code: 'NUMBER_PROVIDER_TIMEOUT', step: 'numbers' });
    expect(order.error.message).toContain('no complete answer within 2000 ms');
    expect(app.logs()).not.toContain('canary-deadline-numbers-key');
  }, 150_000);
});
