import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrderLifecycle } from '../../src/orders/order-lifecycle.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { signWebhook } from '../../src/webhooks/webhook-signing.js';
import { WebhooksService, type OrderStatus } from '../../src/webhooks/webhooks.module.js';
import { KillableWebhookDispatcher } from '../support/killable-webhook-dispatcher.js';
import { buildTree, createOrganization, type OrgWithKey, type Tree } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookReceiver } from '../../tools/testing/webhook-receiver.js';

/**
 * Webhooks end to end: a real HTTP receiver verifies every message with the `standardwebhooks` package.
 * The tests insert order rows and change their status through the order lifecycle, which writes each
 * message in the change's transaction.
 */
const FAST = { WEBHOOK_POLL_MS: '50', WEBHOOK_RETRY_SCHEDULE_MS: '300,300,300,300', WEBHOOK_LEASE_SECONDS: '2', EXECUTOR_ENABLED: 'false' };

async function insertOrder(app: TestApp, organizationId: number, callbackUrl: string | null): Promise<number> {
  const [row] = (await app.dataSource.query(
    `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration)
     VALUES ($1, 'NOT_STARTED', 'https://tenant.example.com', 'webhooks-test', $2, '{}'::jsonb) RETURNING id`,
    [organizationId, callbackUrl],
  )) as { id: number }[];
  return row.id;
}

/**
 * One status change, through the order lifecycle (the one writer of an order's status). An order's first
 * message (`previousStatus` null) has no change to go through: the fixture puts the row in `status` and
 * writes that message with the outbox's own call.
 */
async function changeStatus(
  app: TestApp,
  order: { id: number; organizationId: number; callbackUrl: string },
  previousStatus: OrderStatus | null,
  status: OrderStatus,
  error: { code: string; message: string } | null = null,
): Promise<void> {
  await app.dataSource.transaction(async (manager) => {
    if (previousStatus === null) {
      await manager.query('UPDATE orders SET status = $2 WHERE id = $1', [order.id, status]);
      await app.app.get(WebhooksService).enqueueStatusChange(manager, { ...order, orderId: order.id, previousStatus, status, error });
      return;
    }
    await app.app.get(OrderLifecycle).transition(manager, { ...order, status: previousStatus }, status, {
      error: error ? { ...error, step: null } : undefined,
      lease: status === 'IN_PROGRESS' ? { holder: 'webhooks-test', seconds: 60 } : undefined,
    });
  });
}

async function secretOf(app: TestApp, org: OrgWithKey): Promise<string> {
  const response = await app.request('GET', `/api/v1/organizations/${org.id}/webhook-secret`, { key: org.key });
  expect(response.status, response.text).toBe(200);
  return response.body.secret as string;
}

async function messagesOf(app: TestApp, key: string, orderId: number) {
  const response = await app.request('GET', `/api/v1/orders/${orderId}/webhooks`, { key });
  expect(response.status, response.text).toBe(200);
  return response.body.data as {
    mid: number;
    status: string;
    failureReason: string | null;
    body: { mid: number; type: string; data: { id: number; status: string } };
    attempts: { attemptedAt: string; httpStatus: number | null; durationMs: number; error: string | null }[];
    nextAttemptAt: string | null;
  }[];
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('webhooks', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let org: OrgWithKey;
  let secret: string;

  beforeAll(async () => {
    app = await startTestApp(FAST);
    receiver = await WebhookReceiver.start();
    org = await createOrganization(app, ROOT_KEY, 'webhooks reseller');
    secret = await secretOf(app, org);
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.close();
  });
  beforeEach(() => {
    receiver.secrets = [secret];
    receiver.reply = () => ({ status: 204 });
  });

  async function newOrder(path: string) {
    const callbackUrl = receiver.url(path);
    return { id: await insertOrder(app, org.id, callbackUrl), organizationId: org.id, callbackUrl };
  }

  it('delivers the whole life of an order, in order, signed, with the guide body', async () => {
    const order = await newOrder('/life');
    const life: [OrderStatus | null, OrderStatus][] = [
      [null, 'NOT_STARTED'],
      ['NOT_STARTED', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'FAILED'],
      ['FAILED', 'NOT_STARTED'],
      ['NOT_STARTED', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'COMPLETED'],
    ];
    for (const [previous, status] of life) {
      await changeStatus(app, order, previous, status, status === 'FAILED' ? { code: 'XELION_UNREACHABLE', message: 'tenant did not answer' } : null);
    }
    const got = await receiver.waitFor((all) => all.filter((m) => m.path === '/life').length >= 6);
    const life6 = got.filter((m) => m.path === '/life');
    expect(life6).toHaveLength(6);
    expect(life6.every((m) => m.verified)).toBe(true);
    expect(life6.map((m) => m.json.data.status)).toEqual(life.map(([, status]) => status));
    expect(life6.map((m) => m.json.data.previousStatus)).toEqual(life.map(([previous]) => previous));
    const mids = life6.map((m) => m.json.mid as number);
    for (let i = 1; i < mids.length; i++) expect(mids[i]).toBeGreaterThan(mids[i - 1]);
    for (const message of life6) {
      expect(message.id).toBe(String(message.json.mid));
      expect(message.contentType).toBe('application/json');
      expect(Math.abs(Number(message.timestamp) - Date.now() / 1000)).toBeLessThan(30);
      expect(message.signature).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(message.json).toMatchObject({ type: 'orderStatusChanged', data: { id: order.id, organizationId: org.id } });
    }
    expect(life6[2].json.data.error).toEqual({ code: 'XELION_UNREACHABLE', message: 'tenant did not answer' });
    expect(life6[0].json.data).not.toHaveProperty('error');
    // The exact documented shape, nothing renamed.
    expect(Object.keys(life6[0].json).sort()).toEqual(['data', 'mid', 'type']);

    const log = await waitUntil('all delivered in the log', async () => {
      const messages = await messagesOf(app, org.key, order.id);
      return messages.every((m) => m.status === 'delivered') && messages;
    });
    expect(log.map((m) => m.mid)).toEqual(mids);
    expect(log[0].body).toEqual(life6[0].json);
    expect(log[0].attempts).toHaveLength(1);
    expect(log[0].attempts[0]).toMatchObject({ httpStatus: 204, error: null });
    expect(log[0].nextAttemptAt).toBeNull();
  });

  it('writes the message in the same transaction as the change: a rolled-back change sends nothing', async () => {
    const order = await newOrder('/rollback');
    const webhooks = app.app.get(WebhooksService);
    await expect(
      app.dataSource.transaction(async (manager) => {
        await webhooks.enqueueStatusChange(manager, { orderId: order.id, organizationId: org.id, callbackUrl: order.callbackUrl, previousStatus: null, status: 'NOT_STARTED' });
        throw new Error('the status change failed');
      }),
    ).rejects.toThrow('the status change failed');
    await changeStatus(app, order, 'NOT_STARTED', 'IN_PROGRESS');
    await receiver.waitFor((all) => all.some((m) => m.path === '/rollback'));
    await sleep(300);
    expect(receiver.messages('/rollback').map((m) => m.json.data.status)).toEqual(['IN_PROGRESS']);
    expect(await messagesOf(app, org.key, order.id)).toHaveLength(1);
  });

  it('writes no message for an order without a callback URL', async () => {
    const id = await insertOrder(app, org.id, null);
    await changeStatus(app, { id, organizationId: org.id, callbackUrl: '' }, null, 'NOT_STARTED');
    expect(await messagesOf(app, org.key, id)).toEqual([]);
  });

  it('a receiver that is down and comes back gets everything, in order; other orders are not held up', async () => {
    const other = await WebhookReceiver.start([secret]);
    try {
      await other.down();
      const stuck = { id: await insertOrder(app, org.id, other.url('/stuck')), organizationId: org.id, callbackUrl: other.url('/stuck') };
      const free = await newOrder('/free');
      await changeStatus(app, stuck, null, 'NOT_STARTED');
      await changeStatus(app, stuck, 'NOT_STARTED', 'IN_PROGRESS');
      await changeStatus(app, free, null, 'NOT_STARTED');
      await changeStatus(app, stuck, 'IN_PROGRESS', 'COMPLETED');
      // The other order goes through while the first receiver is down.
      await receiver.waitFor((all) => all.some((m) => m.path === '/free'));
      const failing = await waitUntil('a failed attempt', async () => {
        const messages = await messagesOf(app, org.key, stuck.id);
        return messages[0].attempts.length >= 2 && messages;
      });
      expect(failing[0].status).toBe('pending');
      expect(failing[0].attempts[0].httpStatus).toBeNull();
      expect(failing[0].attempts[0].error).toMatch(/ECONNREFUSED/);
      expect(failing[0].nextAttemptAt).not.toBeNull();
      // Nothing later was attempted before the first message.
      expect(failing[1].attempts).toEqual([]);
      expect(failing[2].attempts).toEqual([]);

      await other.up();
      const got = await other.waitFor((all) => all.length >= 3);
      await sleep(300);
      expect(other.received.map((m) => m.json.data.status)).toEqual(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED']);
      expect(other.received.every((m) => m.verified)).toBe(true);
      expect(got.map((m) => Number(m.id))).toEqual(failing.map((m) => m.mid));
    } finally {
      await other.close();
    }
  });

  it('retries a 5xx and honours Retry-After', async () => {
    const order = await newOrder('/busy');
    let calls = 0;
    receiver.reply = (m) => (m.path === '/busy' && ++calls === 1 ? { status: 503, headers: { 'retry-after': '2' } } : { status: 200 });
    await changeStatus(app, order, null, 'IN_PROGRESS');
    const got = await receiver.waitFor((all) => all.filter((m) => m.path === '/busy').length >= 2, 15_000);
    const busy = got.filter((m) => m.path === '/busy');
    // The retry schedule says 300 ms; the receiver asked for 2 s.
    expect(busy[1].receivedAt - busy[0].receivedAt).toBeGreaterThanOrEqual(1900);
    expect(busy[1].id).toBe(busy[0].id);
    const log = await waitUntil('delivered', async () => {
      const [message] = await messagesOf(app, org.key, order.id);
      return message.status === 'delivered' && message;
    });
    expect(log.attempts.map((a) => a.httpStatus)).toEqual([503, 200]);
  });

  it('marks a message failed after the last attempt, then sends the next one of the order', async () => {
    const order = await newOrder('/always-500');
    receiver.reply = (m) => (m.path === '/always-500' && m.json.data.status === 'IN_PROGRESS' ? { status: 500 } : { status: 204 });
    await changeStatus(app, order, null, 'IN_PROGRESS');
    await changeStatus(app, order, 'IN_PROGRESS', 'COMPLETED');
    const messages = await waitUntil('the first message given up and the second delivered', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all[0].status === 'failed' && all[1].status === 'delivered' && all;
    });
    // At once + 4 retries (the test schedule has four delays).
    expect(messages[0].attempts.map((a) => a.httpStatus)).toEqual([500, 500, 500, 500, 500]);
    expect(messages[0].failureReason).toBe('exhausted');
    expect(messages[0].nextAttemptAt).toBeNull();
    const arrived = receiver.messages('/always-500');
    expect(arrived.map((m) => m.json.data.status)).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED']);
  });

  it('410 Gone stops delivery to that URL for that order', async () => {
    const order = await newOrder('/gone');
    receiver.reply = (m) => (m.path === '/gone' ? { status: 410 } : { status: 204 });
    await changeStatus(app, order, null, 'NOT_STARTED');
    await changeStatus(app, order, 'NOT_STARTED', 'IN_PROGRESS');
    const messages = await waitUntil('both failed', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all.length === 2 && all.every((m) => m.status === 'failed') && all;
    });
    expect(messages.map((m) => m.failureReason)).toEqual(['gone', 'gone']);
    expect(messages[0].attempts.map((a) => a.httpStatus)).toEqual([410]);
    expect(messages[1].attempts).toEqual([]);
    // A later change of the same order is not sent either.
    await changeStatus(app, order, 'IN_PROGRESS', 'COMPLETED');
    await sleep(500);
    expect(receiver.messages('/gone')).toHaveLength(1);
    const after = await messagesOf(app, org.key, order.id);
    expect(after[2]).toMatchObject({ status: 'failed', failureReason: 'gone', attempts: [] });
  });

  it('410 Gone also stops a message written while the 410 arrives (PostgreSQL: two connections)', async () => {
    const order = await newOrder('/gone-race');
    receiver.reply = (m) => (m.path === '/gone-race' ? { status: 410, hold: true } : { status: 204 });
    await changeStatus(app, order, null, 'NOT_STARTED');
    await waitUntil('the first message in flight', async () => receiver.messages('/gone-race').length === 1);
    // The next change is being written (its transaction holds the order's message lock) when the 410 comes back.
    await app.dataSource.transaction(async (manager) => {
      await app.app.get(OrderLifecycle).transition(manager, { ...order, status: 'NOT_STARTED' }, 'IN_PROGRESS', { lease: { holder: 'webhooks-test', seconds: 60 } });
      receiver.release(410);
      await sleep(300); // the dispatcher records the 410 meanwhile
    });
    const messages = await waitUntil('both failed', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all.length === 2 && all.every((m) => m.status === 'failed') && all;
    });
    expect(messages.map((m) => m.failureReason)).toEqual(['gone', 'gone']);
    expect(messages[1].attempts).toEqual([]);
    await sleep(300);
    expect(receiver.messages('/gone-race')).toHaveLength(1);
  });

  it('does not follow a redirect: a 3xx is a failure to retry', async () => {
    const target = await WebhookReceiver.start([secret]);
    try {
      const order = await newOrder('/redirect');
      receiver.reply = (m) => (m.path === '/redirect' ? { status: 307, headers: { location: target.url('/stolen') } } : { status: 204 });
      await changeStatus(app, order, null, 'NOT_STARTED');
      const [message] = await waitUntil('two attempts', async () => {
        const all = await messagesOf(app, org.key, order.id);
        return all[0].attempts.length >= 2 && all;
      });
      expect(message.status).toBe('pending');
      expect(message.attempts[0]).toMatchObject({ httpStatus: 307 });
      expect(message.attempts[0].error).toMatch(/redirect 307 not followed/);
      expect(target.received).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('signs with both secrets for 24 hours after a rotation, then only with the new one', async () => {
    const rotating = await createOrganization(app, ROOT_KEY, 'rotating');
    const old = await secretOf(app, rotating);
    expect(old).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(old.slice(6), 'base64')).toHaveLength(32);
    const rotated = await app.request('POST', `/api/v1/organizations/${rotating.id}/webhook-secret/rotate`, { key: rotating.key });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(old);
    const expires = Date.parse(rotated.body.previousExpiresAt);
    expect(Math.abs(expires - (Date.now() + 24 * 3600_000))).toBeLessThan(60_000);
    expect(await secretOf(app, rotating)).toBe(fresh);

    receiver.secrets = [fresh, old];
    const callbackUrl = receiver.url('/rotated');
    const order = { id: await insertOrder(app, rotating.id, callbackUrl), organizationId: rotating.id, callbackUrl };
    await changeStatus(app, order, null, 'NOT_STARTED');
    const [during] = (await receiver.waitFor((all) => all.some((m) => m.path === '/rotated'))).filter((m) => m.path === '/rotated');
    expect(during.signature.split(' ')).toHaveLength(2);
    expect(during.verifiedWith).toEqual([0, 1]);
    expect(WebhookReceiver.verify(old, during.body, during)).toBe(true);
    expect(WebhookReceiver.verify(fresh, during.body, during)).toBe(true);

    // After the overlap, only the new secret signs.
    await app.dataSource.query(`UPDATE webhook_secrets SET previous_expires_at = now() - interval '1 second' WHERE organization_id = $1`, [rotating.id]);
    await changeStatus(app, order, 'NOT_STARTED', 'IN_PROGRESS');
    const after = (await receiver.waitFor((all) => all.filter((m) => m.path === '/rotated').length >= 2)).filter((m) => m.path === '/rotated')[1];
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(after.verifiedWith).toEqual([0]);
    expect(WebhookReceiver.verify(old, after.body, after)).toBe(false);
  });

  it('a forged or replayed message fails verification', async () => {
    const order = await newOrder('/forgery');
    await changeStatus(app, order, null, 'COMPLETED');
    const [real] = (await receiver.waitFor((all) => all.some((m) => m.path === '/forgery'))).filter((m) => m.path === '/forgery');
    expect(WebhookReceiver.verify(secret, real.body, real)).toBe(true);
    // Forged body (status changed), same headers.
    const forgedBody = real.body.replace('"COMPLETED"', '"FAILED"');
    expect(forgedBody).not.toBe(real.body);
    expect(WebhookReceiver.verify(secret, forgedBody, real)).toBe(false);
    // Signed with another secret.
    const stranger = `whsec_${randomBytes(32).toString('base64')}`;
    const forgedSignature = signWebhook(stranger, real.id, Number(real.timestamp), real.body);
    expect(WebhookReceiver.verify(secret, real.body, { ...real, signature: forgedSignature })).toBe(false);
    // Same signature under another message id or timestamp.
    expect(WebhookReceiver.verify(secret, real.body, { ...real, id: String(Number(real.id) + 1) })).toBe(false);
    expect(WebhookReceiver.verify(secret, real.body, { ...real, timestamp: String(Number(real.timestamp) + 1) })).toBe(false);
    // Replayed later: a correctly signed message whose timestamp is older than the tolerance (5 min).
    const stale = Math.floor(Date.now() / 1000) - 600;
    const replay = { id: real.id, timestamp: String(stale), signature: signWebhook(secret, real.id, stale, real.body) };
    expect(WebhookReceiver.verify(secret, real.body, replay)).toBe(false);
  });

  it('redelivers a message on request: same mid and body, signed with the current secret', async () => {
    const order = await newOrder('/redeliver');
    await changeStatus(app, order, null, 'COMPLETED');
    const [first] = (await receiver.waitFor((all) => all.some((m) => m.path === '/redeliver'))).filter((m) => m.path === '/redeliver');
    const [logged] = await waitUntil('delivered', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all[0].status === 'delivered' && all;
    });
    const response = await app.request('POST', `/api/v1/orders/${order.id}/webhooks/${logged.mid}/redeliver`, { key: org.key });
    expect(response.status, response.text).toBe(202);
    expect(response.body).toMatchObject({ mid: logged.mid, status: 'pending' });
    const again = (await receiver.waitFor((all) => all.filter((m) => m.path === '/redeliver').length >= 2)).filter((m) => m.path === '/redeliver')[1];
    expect(again.id).toBe(first.id);
    expect(again.body).toBe(first.body);
    expect(again.verified).toBe(true);
    const [after] = await waitUntil('delivered again', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all[0].status === 'delivered' && all[0].attempts.length === 2 && all;
    });
    expect(after.attempts.map((a) => a.httpStatus)).toEqual([204, 204]);

    const unknown = await app.request('POST', `/api/v1/orders/${order.id}/webhooks/${logged.mid + 100000}/redeliver`, { key: org.key });
    expect(unknown.status).toBe(404);
  });

  it('a dispatcher killed in the middle loses nothing: after its lease, the message is sent again with the same webhook-id', async () => {
    const dispatcher = app.app.get(WebhookDispatcher);
    // A dispatcher that can be killed mid-send takes the application's place for the first send.
    await dispatcher.stop();
    const killable = KillableWebhookDispatcher.on(app.app);
    killable.start();
    receiver.reply = (m) => (m.path === '/killed-here' && receiver.messages('/killed-here').length === 1 ? { status: 204, hold: true } : { status: 204 });
    const order = await newOrder('/killed-here');
    await changeStatus(app, order, null, 'IN_PROGRESS');
    await changeStatus(app, order, 'IN_PROGRESS', 'COMPLETED');
    const [held] = (await receiver.waitFor((all) => all.some((m) => m.path === '/killed-here'))).filter((m) => m.path === '/killed-here');
    // Killed: nothing more is recorded for the send in flight; its lease (2 s here) is left to expire.
    killable.kill();
    receiver.release(204);
    const restartedAt = Date.now();
    dispatcher.start();
    const killed = (await receiver.waitFor((all) => all.filter((m) => m.path === '/killed-here').length >= 3, 15_000)).filter((m) => m.path === '/killed-here');
    expect(killed[1].id).toBe(held.id);
    expect(killed[1].body).toBe(held.body);
    expect(killed[1].receivedAt - restartedAt).toBeGreaterThanOrEqual(500);
    expect(killed[2].json.data.status).toBe('COMPLETED');
    expect(killed.every((m) => m.verified)).toBe(true);
    const log = await waitUntil('delivered', async () => {
      const all = await messagesOf(app, org.key, order.id);
      return all.every((m) => m.status === 'delivered') && all;
    });
    // The killed attempt left no record; the one after the lease did.
    expect(log[0].attempts).toHaveLength(1);
    await killable.close();
  });

  it('never logs a webhook secret', async () => {
    const logs = app.logs();
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(secret.slice(6));
    const rows = (await app.dataSource.query('SELECT secret_sealed FROM webhook_secrets WHERE organization_id = $1', [org.id])) as { secret_sealed: string }[];
    // Stored sealed, not in clear.
    expect(rows[0].secret_sealed).not.toContain(secret.slice(6));
    expect(rows[0].secret_sealed).toMatch(/^v1\./);
  });
});

describe('webhooks: scope of the log, the secret and redelivery', () => {
  let app: TestApp;
  let tree: Tree;
  let orderId: number;
  let mid: number;

  beforeAll(async () => {
    app = await startTestApp({ ...FAST, WEBHOOK_DISPATCHER_ENABLED: 'false' });
    tree = await buildTree(app, 'webhooks');
    orderId = await insertOrder(app, tree.self.id, 'http://127.0.0.1:9/never');
    await changeStatus(app, { id: orderId, organizationId: tree.self.id, callbackUrl: 'http://127.0.0.1:9/never' }, null, 'NOT_STARTED');
    mid = (await messagesOf(app, tree.self.key, orderId))[0].mid;
  });
  afterAll(() => app?.close());

  it('shows the order log to the organization and its ancestors only (404 elsewhere)', async () => {
    for (const caller of [tree.self, tree.parent, tree.grandparent, tree.root]) {
      expect((await app.request('GET', `/api/v1/orders/${orderId}/webhooks`, { key: caller.key })).status).toBe(200);
    }
    for (const caller of [tree.child, tree.sibling, tree.unrelated]) {
      const response = await app.request('GET', `/api/v1/orders/${orderId}/webhooks`, { key: caller.key });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect((await app.request('POST', `/api/v1/orders/${orderId}/webhooks/${mid}/redeliver`, { key: caller.key })).status).toBe(404);
    }
    expect((await app.request('GET', `/api/v1/orders/999999/webhooks`, { key: tree.root.key })).status).toBe(404);
    expect((await app.request('GET', `/api/v1/orders/abc/webhooks`, { key: tree.root.key })).status).toBe(400);
    expect((await app.request('GET', `/api/v1/orders/${orderId}/webhooks`)).status).toBe(401);
  });

  it('shows the same secret to the organization and its ancestors, 404 to others; rotation of a disabled organization is 409', async () => {
    const own = await app.request('GET', `/api/v1/organizations/${tree.self.id}/webhook-secret`, { key: tree.self.key });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ organizationId: tree.self.id, secret: expect.stringMatching(/^whsec_/), previousExpiresAt: null });
    const fromParent = await app.request('GET', `/api/v1/organizations/${tree.self.id}/webhook-secret`, { key: tree.grandparent.key });
    expect(fromParent.body.secret).toBe(own.body.secret);
    for (const caller of [tree.child, tree.sibling, tree.unrelated]) {
      expect((await app.request('GET', `/api/v1/organizations/${tree.self.id}/webhook-secret`, { key: caller.key })).status).toBe(404);
      expect((await app.request('POST', `/api/v1/organizations/${tree.self.id}/webhook-secret/rotate`, { key: caller.key })).status).toBe(404);
    }
    const disabled = await app.request('POST', `/api/v1/organizations/${tree.disabled.id}/webhook-secret/rotate`, { key: tree.self.key });
    expect(disabled.status).toBe(409);
    // Concurrent first reads create one secret, not two.
    const fresh = await createOrganization(app, ROOT_KEY, 'concurrent secret');
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => app.request('GET', `/api/v1/organizations/${fresh.id}/webhook-secret`, { key: fresh.key })),
    );
    expect(new Set(reads.map((r) => r.body.secret)).size).toBe(1);
  });
});

describe('webhooks: several instances, and a dispatcher killed mid-send', () => {
  const key = randomBytes(32).toString('base64');
  let first: TestApp;
  let second: TestApp;
  let receiver: WebhookReceiver;
  let org: OrgWithKey;

  beforeAll(async () => {
    // Two application instances on one database.
    // A 5 s lease: long enough that a loaded test machine does not see leases expire mid-send.
    first = await startTestApp({ ...FAST, WEBHOOK_LEASE_SECONDS: '5', ENCRYPTION_KEY: key });
    second = await startTestApp({ ...FAST, WEBHOOK_LEASE_SECONDS: '5', ENCRYPTION_KEY: key, DATABASE_URL: first.settings.databaseUrl });
    org = await createOrganization(first, ROOT_KEY, 'multi instance');
    receiver = await WebhookReceiver.start([await secretOf(first, org)]);
  });
  afterAll(async () => {
    await receiver?.close();
    await second?.close();
    await first?.close();
  });

  it('two dispatchers deliver many orders together: each message once, in order per order', async () => {
    const orders = [];
    for (let i = 0; i < 12; i++) {
      const callbackUrl = receiver.url(`/multi/${i}`);
      orders.push({ id: await insertOrder(first, org.id, callbackUrl), organizationId: org.id, callbackUrl });
    }
    const steps: [OrderStatus | null, OrderStatus][] = [
      [null, 'NOT_STARTED'],
      ['NOT_STARTED', 'IN_PROGRESS'],
      ['IN_PROGRESS', 'COMPLETED'],
    ];
    for (const [previous, status] of steps) {
      // Half the changes are written through each instance.
      await Promise.all(orders.map((order, i) => changeStatus(i % 2 ? first : second, order, previous, status)));
    }
    await receiver.waitFor((all) => all.filter((m) => m.path.startsWith('/multi/')).length >= orders.length * steps.length, 20_000);
    await sleep(500);
    const multi = receiver.received.filter((m) => m.path.startsWith('/multi/'));
    expect(multi.every((m) => m.verified)).toBe(true);
    // No attempt was sent twice.
    expect(new Set(multi.map((m) => m.id)).size).toBe(multi.length);
    expect(multi).toHaveLength(orders.length * steps.length);
    for (let i = 0; i < orders.length; i++) {
      const mine = multi.filter((m) => m.path === `/multi/${i}`);
      expect(mine.map((m) => m.json.data.status)).toEqual(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETED']);
    }
  });

  it('a dispatcher killed in the middle loses nothing: the message is sent again with the same webhook-id', async () => {
    const firstDispatcher = first.app.get(WebhookDispatcher);
    const secondDispatcher = second.app.get(WebhookDispatcher);
    await firstDispatcher.stop();
    // On the second instance, a dispatcher that can be killed mid-send takes its own one's place.
    await secondDispatcher.stop();
    const killable = KillableWebhookDispatcher.on(second.app);
    killable.start();
    // The second instance claims the message; the receiver holds the request open.
    receiver.reply = (m) => (m.path === '/killed' && receiver.messages('/killed').length === 1 ? { status: 204, hold: true } : { status: 204 });
    const callbackUrl = receiver.url('/killed');
    const order = { id: await insertOrder(first, org.id, callbackUrl), organizationId: org.id, callbackUrl };
    await changeStatus(second, order, null, 'IN_PROGRESS');
    await changeStatus(second, order, 'IN_PROGRESS', 'COMPLETED');
    const [held] = (await receiver.waitFor((all) => all.some((m) => m.path === '/killed'))).filter((m) => m.path === '/killed');
    // Kill it: nothing more is recorded by that instance, its lease is left to expire.
    killable.kill();
    receiver.release(204);
    const killedAt = Date.now();
    firstDispatcher.start();
    const got = await receiver.waitFor((all) => all.filter((m) => m.path === '/killed').length >= 3, 15_000);
    const killed = got.filter((m) => m.path === '/killed');
    expect(killed[1].id).toBe(held.id);
    expect(killed[1].body).toBe(held.body);
    // Not before the lease (5 s from the claim) ran out.
    expect(killed[1].receivedAt - killedAt).toBeGreaterThanOrEqual(3000);
    expect(killed[2].json.data.status).toBe('COMPLETED');
    expect(killed.every((m) => m.verified)).toBe(true);
    const log = await waitUntil('delivered', async () => {
      const all = await messagesOf(first, org.key, order.id);
      return all.every((m) => m.status === 'delivered') && all;
    });
    expect(log[0].attempts).toHaveLength(1);
    await killable.close();
    secondDispatcher.start();
  });
});

// Its own application (one at a time in a process: Nest's logger is global).
describe('webhooks: a receiver slower than the timeout', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    app = await startTestApp({ ...FAST, WEBHOOK_TIMEOUT_MS: '300', WEBHOOK_RETRY_SCHEDULE_MS: '60000' });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.close();
  });

  it('is a failure, retried later', async () => {
    const org = await createOrganization(app, ROOT_KEY, 'slow');
    receiver.secrets = [await secretOf(app, org)];
    receiver.reply = () => ({ status: 204, delayMs: 1000 });
    const callbackUrl = receiver.url('/slow');
    const id = await insertOrder(app, org.id, callbackUrl);
    await changeStatus(app, { id, organizationId: org.id, callbackUrl }, null, 'NOT_STARTED');
    const [message] = await waitUntil('an attempt', async () => {
      const all = await messagesOf(app, org.key, id);
      return all[0].attempts.length >= 1 && all;
    });
    expect(message.status).toBe('pending');
    expect(message.attempts[0].httpStatus).toBeNull();
    expect(message.attempts[0].error).toMatch(/no answer within 300 ms/);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].verified).toBe(true);
  });
});

describe('webhooks: URL safety is checked again when sending', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    app = await startTestApp({ ...FAST, OUTBOUND_ALLOW_PRIVATE: 'false' });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await app?.close();
  });

  it('refuses a callback URL on a loopback address and records why', async () => {
    const org = await createOrganization(app, ROOT_KEY, 'unsafe');
    const callbackUrl = receiver.url('/internal');
    const id = await insertOrder(app, org.id, callbackUrl);
    await changeStatus(app, { id, organizationId: org.id, callbackUrl }, null, 'NOT_STARTED');
    const [message] = await waitUntil('an attempt', async () => {
      const all = await messagesOf(app, org.key, id);
      return all[0].attempts.length >= 1 && all;
    });
    expect(message.status).toBe('pending');
    expect(message.attempts[0].httpStatus).toBeNull();
    expect(message.attempts[0].error).toMatch(/URL safety.*internal address/);
    expect(receiver.received).toEqual([]);
  });
});

