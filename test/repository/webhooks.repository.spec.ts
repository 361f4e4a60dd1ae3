import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import { WebhooksRepository, type ClaimedMessage, type NewMessage } from '../../src/webhooks/webhooks.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrder, insertTree, type FixtureTree } from '../support/repository-fixtures.js';

/** The outbox's SQL against a real, migrated database (docs/webhooks.md, "How delivery works"). */
describe('WebhooksRepository', () => {
  let database: RepositoryDatabase;
  let db: DataSource;
  let repository: WebhooksRepository;
  let tree: FixtureTree;
  let tokens = 0;
  const token = () => `test:${++tokens}`;
  const URL_A = 'https://receiver.example/a';
  const URL_B = 'https://receiver.example/b';

  beforeAll(async () => {
    database = await openRepositoryDatabase(8);
    db = database.dataSource;
    repository = new WebhooksRepository(db);
    tree = await insertTree(db, 'webhooks');
  });

  afterAll(async () => {
    await database?.close();
  });

  // Claims see every due message of the database: each test starts from an empty outbox.
  beforeEach(async () => {
    await db.query('DELETE FROM webhook_messages');
  });

  const message = (orderId: number, organizationId = tree.customer.id, callbackUrl = URL_A): NewMessage => ({
    orderId,
    organizationId,
    callbackUrl,
    type: 'orderStatusChanged',
  });

  const enqueue = (m: NewMessage, label = 'x') =>
    db.transaction((manager) => repository.enqueue(manager, m, (mid) => JSON.stringify({ mid, label })));

  const row = async (mid: number) => {
    const [found] = (await db.query(
      `SELECT status, failure_reason, attempt_count, locked_by, locked_until, next_attempt_at, delivered_at,
              extract(epoch from next_attempt_at - now())::float8 AS due_in
         FROM webhook_messages WHERE mid = $1`,
      [mid],
    )) as {
      status: string;
      failure_reason: string | null;
      attempt_count: number;
      locked_by: string | null;
      locked_until: Date | null;
      next_attempt_at: Date | null;
      delivered_at: Date | null;
      due_in: number | null;
    }[];
    return found;
  };

  const attemptsOf = async (mid: number) =>
    (await db.query('SELECT http_status, duration_ms, error FROM webhook_attempts WHERE mid = $1 ORDER BY id', [mid])) as {
      http_status: number | null;
      duration_ms: number;
      error: string | null;
    }[];

  const attempt = (httpStatus: number | null, error: string | null = null) => ({ attemptedAt: new Date(), httpStatus, durationMs: 12, error });

  const claimOne = async (): Promise<ClaimedMessage> => {
    const claimed = await repository.claimDue(token(), 60, 10);
    expect(claimed).toHaveLength(1);
    return claimed[0];
  };

  describe('enqueue', () => {
    it('writes a pending message, due now, whose body is rendered from its mid; mids increase', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order), 'first');
      const second = await enqueue(message(order), 'second');
      expect(first.status).toBe('pending');
      expect(second.mid).toBeGreaterThan(first.mid);
      const [stored] = (await db.query('SELECT order_id, organization_id, callback_url, type, body, status, next_attempt_at <= now() AS due FROM webhook_messages WHERE mid = $1', [
        first.mid,
      ])) as { order_id: number; organization_id: number; callback_url: string; type: string; body: string; status: string; due: boolean }[];
      expect(stored).toEqual({
        order_id: order,
        organization_id: tree.customer.id,
        callback_url: URL_A,
        type: 'orderStatusChanged',
        body: JSON.stringify({ mid: first.mid, label: 'first' }),
        status: 'pending',
        due: true,
      });
    });

    it('rolls back with the caller’s transaction', async () => {
      const order = await insertOrder(db, tree.customer.id);
      await expect(
        db.transaction(async (manager) => {
          await repository.enqueue(manager, message(order), (mid) => String(mid));
          throw new Error('the status change failed');
        }),
      ).rejects.toThrow('the status change failed');
      expect(await db.query('SELECT mid FROM webhook_messages WHERE order_id = $1', [order])).toEqual([]);
    });

    it('stores a message failed ("gone") at once when the order’s latest message to that URL was refused with 410', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order));
      await repository.recordAttempt(await claimOne(), attempt(410), { next: 'gone' });
      const after = await enqueue(message(order));
      expect(after.status).toBe('failed');
      expect(await row(after.mid)).toMatchObject({ status: 'failed', failure_reason: 'gone', next_attempt_at: null });
      // Another URL of the same order, and the same URL of another order, are not affected.
      expect((await enqueue(message(order, tree.customer.id, URL_B))).status).toBe('pending');
      expect((await enqueue(message(await insertOrder(db, tree.customer.id)))).status).toBe('pending');
      expect((await row(first.mid)).failure_reason).toBe('gone');
    });

    it('serializes one order’s messages: a second writer waits for the first’s commit and draws a later mid', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      try {
        const held = await repository.enqueue(runner.manager, message(order), String);
        let secondDone = false;
        const second = enqueue(message(order)).then((result) => {
          secondDone = true;
          return result;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(secondDone).toBe(false); // waiting on the order's advisory lock
        // Another order is not held up meanwhile.
        await enqueue(message(await insertOrder(db, tree.customer.id)));
        await runner.commitTransaction();
        expect((await second).mid).toBeGreaterThan(held.mid);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });

  describe('claimDue', () => {
    it('claims due messages under a lease, only the oldest pending one of each order, oldest due first', async () => {
      const orderA = await insertOrder(db, tree.customer.id);
      const orderB = await insertOrder(db, tree.other.id);
      const a1 = await enqueue(message(orderA), 'a1');
      await enqueue(message(orderA), 'a2');
      const b1 = await enqueue(message(orderB, tree.other.id), 'b1');
      const lease = token();
      const claimed = await repository.claimDue(lease, 30, 10);
      expect(claimed.map((c) => c.mid)).toEqual([a1.mid, b1.mid]);
      expect(claimed[0]).toEqual({
        mid: a1.mid,
        orderId: orderA,
        organizationId: tree.customer.id,
        callbackUrl: URL_A,
        body: JSON.stringify({ mid: a1.mid, label: 'a1' }),
        attemptCount: 0,
        token: lease,
      });
      const [{ lease_seconds }] = (await db.query('SELECT extract(epoch from locked_until - now())::float8 AS lease_seconds FROM webhook_messages WHERE mid = $1', [
        a1.mid,
      ])) as { lease_seconds: number }[];
      expect(lease_seconds).toBeGreaterThan(25);
      expect(lease_seconds).toBeLessThanOrEqual(30);
      expect((await row(a1.mid)).locked_by).toBe(lease);
      // Leased messages are not claimed again, and a2 waits behind a1.
      expect(await repository.claimDue(token(), 30, 10)).toEqual([]);
    });

    it('honours the limit, skips messages not yet due, and takes a message again once its lease ran out', async () => {
      const orders = [await insertOrder(db, tree.customer.id), await insertOrder(db, tree.customer.id), await insertOrder(db, tree.customer.id)];
      const mids = [];
      for (const order of orders) mids.push((await enqueue(message(order))).mid);
      await db.query(`UPDATE webhook_messages SET next_attempt_at = now() + interval '1 hour' WHERE mid = $1`, [mids[2]]);
      const first = await repository.claimDue(token(), 60, 1);
      expect(first.map((c) => c.mid)).toEqual([mids[0]]);
      expect((await repository.claimDue(token(), 60, 10)).map((c) => c.mid)).toEqual([mids[1]]);
      // The first lease runs out (its dispatcher died): the message is claimable again, under a new token.
      await db.query(`UPDATE webhook_messages SET locked_until = now() - interval '1 second' WHERE mid = $1`, [mids[0]]);
      const again = await repository.claimDue(token(), 60, 10);
      expect(again.map((c) => c.mid)).toEqual([mids[0]]);
      expect(again[0].token).not.toBe(first[0].token);
    });

    it('never gives one message to two concurrent claims', async () => {
      const mids = new Set<number>();
      for (let i = 0; i < 60; i++) mids.add((await enqueue(message(await insertOrder(db, tree.customer.id)))).mid);
      const claims = await Promise.all(Array.from({ length: 6 }, () => repository.claimDue(token(), 60, 15)));
      const claimed = claims.flat().map((c) => c.mid);
      expect(new Set(claimed).size).toBe(claimed.length);
      // Six claims of 15 cover the 60 messages: SKIP LOCKED hands each claim other rows, none is lost.
      expect(new Set(claimed)).toEqual(mids);
      const owners = (await db.query('SELECT count(DISTINCT locked_by)::int AS n FROM webhook_messages')) as { n: number }[];
      expect(owners[0].n).toBe(claims.filter((c) => c.length > 0).length);
    });
  });

  describe('recordAttempt', () => {
    it('delivered: records the attempt, releases the lease, answers the lag; the order’s next message becomes claimable', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order));
      const second = await enqueue(message(order));
      const claim = await claimOne();
      expect(claim.mid).toBe(first.mid);
      const recorded = await repository.recordAttempt(claim, attempt(204), { next: 'delivered' });
      expect(recorded.leaseHeld).toBe(true);
      expect(recorded.lagSeconds).toBeGreaterThanOrEqual(0);
      expect(recorded.lagSeconds).toBeLessThan(60);
      expect(await row(first.mid)).toMatchObject({ status: 'delivered', failure_reason: null, attempt_count: 1, locked_by: null, locked_until: null, next_attempt_at: null });
      expect((await row(first.mid)).delivered_at).toBeInstanceOf(Date);
      expect(await attemptsOf(first.mid)).toEqual([{ http_status: 204, duration_ms: 12, error: null }]);
      expect((await claimOne()).mid).toBe(second.mid);
    });

    it('retry: counts the attempt and makes the message due after the delay', async () => {
      const { mid } = await enqueue(message(await insertOrder(db, tree.customer.id)));
      const recorded = await repository.recordAttempt(await claimOne(), attempt(503, 'HTTP 503'), { next: 'retry', delayMs: 120_000 });
      expect(recorded).toEqual({ leaseHeld: true });
      const after = await row(mid);
      expect(after).toMatchObject({ status: 'pending', attempt_count: 1, locked_by: null, locked_until: null });
      expect(after.due_in).toBeGreaterThan(110);
      expect(after.due_in).toBeLessThanOrEqual(120);
      expect(await repository.claimDue(token(), 60, 10)).toEqual([]);
      // The next claim carries the count, so the dispatcher picks the next step of the schedule.
      await db.query('UPDATE webhook_messages SET next_attempt_at = now() WHERE mid = $1', [mid]);
      expect((await claimOne()).attemptCount).toBe(1);
      expect(await attemptsOf(mid)).toEqual([{ http_status: 503, duration_ms: 12, error: 'HTTP 503' }]);
    });

    it('exhausted: the message fails and the order’s next one goes out', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order));
      const second = await enqueue(message(order));
      await repository.recordAttempt(await claimOne(), attempt(null, 'ECONNREFUSED'), { next: 'exhausted' });
      expect(await row(first.mid)).toMatchObject({ status: 'failed', failure_reason: 'exhausted', attempt_count: 1, next_attempt_at: null, locked_by: null });
      expect((await claimOne()).mid).toBe(second.mid);
    });

    it('gone: the message and the order’s later pending messages to that URL fail; other URLs and orders go on', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const otherOrder = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order));
      const later = await enqueue(message(order));
      const otherUrl = await enqueue(message(order, tree.customer.id, URL_B));
      const elsewhere = await enqueue(message(otherOrder));
      const claimed = await repository.claimDue(token(), 60, 10);
      expect(claimed.map((c) => c.mid)).toEqual([first.mid, elsewhere.mid]);
      const recorded = await repository.recordAttempt(claimed[0], attempt(410), { next: 'gone' });
      expect(recorded).toEqual({ leaseHeld: true });
      expect(await row(first.mid)).toMatchObject({ status: 'failed', failure_reason: 'gone', attempt_count: 1 });
      expect(await row(later.mid)).toMatchObject({ status: 'failed', failure_reason: 'gone', attempt_count: 0 });
      expect(await row(otherUrl.mid)).toMatchObject({ status: 'pending', failure_reason: null });
      expect(await row(elsewhere.mid)).toMatchObject({ status: 'pending', locked_by: claimed[1].token });
    });

    it('is fenced on the lease: a dispatcher whose lease was taken over changes nothing of the message', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const { mid } = await enqueue(message(order));
      const later = await enqueue(message(order));
      const stale = await claimOne();
      await db.query(`UPDATE webhook_messages SET locked_until = now() - interval '1 second' WHERE mid = $1`, [mid]);
      const current = await claimOne();
      for (const outcome of [{ next: 'delivered' }, { next: 'gone' }, { next: 'exhausted' }, { next: 'retry', delayMs: 1000 }] as const) {
        const recorded = await repository.recordAttempt(stale, attempt(204), outcome);
        expect(recorded.leaseHeld).toBe(false);
        expect(recorded.lagSeconds).toBeUndefined();
      }
      expect(await row(mid)).toMatchObject({ status: 'pending', attempt_count: 0, locked_by: current.token });
      expect(await row(later.mid)).toMatchObject({ status: 'pending', failure_reason: null });
      // The attempts themselves are kept in the log (the receiver did get them).
      expect(await attemptsOf(mid)).toHaveLength(4);
      expect((await repository.recordAttempt(current, attempt(204), { next: 'delivered' })).leaseHeld).toBe(true);
    });
  });

  describe('the message log', () => {
    it('orderInScope: the order’s organization and its ancestors see it; a sibling, another subtree and a descendant do not', async () => {
      const order = await insertOrder(db, tree.customer.id);
      for (const scope of [tree.customer, tree.reseller, tree.root]) expect(await repository.orderInScope(scope.id, order)).toBe(true);
      for (const scope of [tree.sibling, tree.other, tree.site]) expect(await repository.orderInScope(scope.id, order)).toBe(false);
      expect(await repository.orderInScope(tree.root.id, order + 100_000)).toBe(false);
    });

    it('messagesOfOrder: oldest first, each with its attempts; nothing for a scope outside the order’s subtree', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const first = await enqueue(message(order), 'one');
      const second = await enqueue(message(order), 'two');
      let claim = await claimOne();
      await repository.recordAttempt(claim, attempt(500, 'HTTP 500'), { next: 'retry', delayMs: 0 });
      claim = await claimOne();
      await repository.recordAttempt(claim, attempt(204), { next: 'delivered' });
      await enqueue(message(await insertOrder(db, tree.customer.id)), 'another order');

      const log = await repository.messagesOfOrder(tree.reseller.id, order);
      expect(log.map(({ message }) => [message.mid, message.status, message.body])).toEqual([
        [first.mid, 'delivered', JSON.stringify({ mid: first.mid, label: 'one' })],
        [second.mid, 'pending', JSON.stringify({ mid: second.mid, label: 'two' })],
      ]);
      expect(log[0].message.orderId).toBe(order);
      expect(log[0].attempts.map((a) => [a.mid, a.httpStatus, a.error])).toEqual([
        [first.mid, 500, 'HTTP 500'],
        [first.mid, 204, null],
      ]);
      expect(log[0].attempts[0].attemptedAt).toBeInstanceOf(Date);
      expect(log[1].attempts).toEqual([]);
      expect(await repository.messagesOfOrder(tree.sibling.id, order)).toEqual([]);
      expect(await repository.messagesOfOrder(tree.other.id, order)).toEqual([]);
      expect(await repository.messagesOfOrder(tree.root.id, await insertOrder(db, tree.customer.id))).toEqual([]);
    });

    it('redeliver: makes a message pending again from the start of the schedule, only within scope and only of that order', async () => {
      const order = await insertOrder(db, tree.customer.id);
      const { mid } = await enqueue(message(order));
      await repository.recordAttempt(await claimOne(), attempt(null, 'timeout'), { next: 'exhausted' });

      expect(await repository.redeliver(tree.other.id, order, mid)).toBeUndefined();
      expect(await repository.redeliver(tree.sibling.id, order, mid)).toBeUndefined();
      expect(await repository.redeliver(tree.reseller.id, await insertOrder(db, tree.customer.id), mid)).toBeUndefined();
      expect(await repository.redeliver(tree.reseller.id, order, mid + 100_000)).toBeUndefined();
      expect((await row(mid)).status).toBe('failed');

      const again = await repository.redeliver(tree.reseller.id, order, mid);
      expect(again).toMatchObject({ mid, orderId: order, status: 'pending', failureReason: null, attemptCount: 0 });
      expect(again!.nextAttemptAt).toBeInstanceOf(Date);
      const claim = await claimOne();
      expect(claim).toMatchObject({ mid, attemptCount: 0 });
    });
  });
});
