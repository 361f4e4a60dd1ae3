import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ownedInScope, SCOPE_PARAM } from '../common/auth/tree-scope.js';
import { modify } from '../common/database/affected.js';
import { WebhookAttempt } from './webhook-attempt.entity.js';
import { WebhookMessage, type WebhookMessageStatus } from './webhook-message.entity.js';

/** Advisory lock class (first key of pg_advisory_xact_lock(int, int)) serializing one order's messages. */
export const ORDER_MESSAGE_LOCK = 0x57b0; // "WebHook Order"

/** A status-change message to write into the outbox. */
export interface NewMessage {
  orderId: number;
  organizationId: number;
  callbackUrl: string;
  type: string;
}

/** What enqueue wrote: the message id and whether it went in pending, or failed at once (the URL answered 410 before). */
export interface EnqueuedMessage {
  mid: number;
  status: WebhookMessageStatus;
}

/** A message claimed for one delivery attempt, under the lease `token`. */
export interface ClaimedMessage {
  mid: number;
  orderId: number;
  organizationId: number;
  callbackUrl: string;
  body: string;
  /** Attempts made before this one. */
  attemptCount: number;
  /** The claim's lease token (`locked_by`): recording is fenced on it. */
  token: string;
}

/** One attempt, as the message log shows it. */
export interface AttemptRecord {
  attemptedAt: Date;
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

/** What becomes of a message after an attempt (the dispatcher decides, docs/webhooks.md "Delivery"). */
export type AttemptOutcome =
  | { next: 'delivered' }
  | { next: 'gone' }
  | { next: 'exhausted' }
  | { next: 'retry'; delayMs: number };

export interface RecordedAttempt {
  /** False when the lease was lost (another dispatcher owns the message): the attempt row is kept, the state is not changed. */
  leaseHeld: boolean;
  /** On delivery: seconds from the message's creation to its delivery. */
  lagSeconds?: number;
}

export interface MessageWithAttempts {
  message: WebhookMessage;
  attempts: WebhookAttempt[];
}

interface ClaimRow {
  mid: string;
  order_id: number;
  organization_id: number;
  callback_url: string;
  body: string;
  attempt_count: number;
}

/** Same as the delivered/gone/exhausted updates: the lease is released with the new state. */
const RELEASE = 'locked_by = NULL, locked_until = NULL';

/**
 * The outbox tables, webhook_messages and webhook_attempts (docs/webhooks.md, "How delivery works"). Every
 * statement of the webhooks feature on them lives here; the lease protocol (claim with FOR UPDATE SKIP
 * LOCKED, record fenced on the claim's token) is in the SQL below.
 */
@Injectable()
export class WebhooksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes one message with `manager` (the caller's transaction, so that the status change and its message
   * commit together). The order's advisory lock is taken before the `mid` is drawn, so an order's later
   * `mid` never commits before an earlier one; `render` makes the body from the `mid`. When the order's
   * latest message to this URL failed with 410 Gone, the new one is stored failed ("gone") at once.
   */
  async enqueue(manager: EntityManager, message: NewMessage, render: (mid: number) => string): Promise<EnqueuedMessage> {
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [ORDER_MESSAGE_LOCK, message.orderId]);
    const [{ mid: midText }] = (await manager.query(`SELECT nextval(pg_get_serial_sequence('webhook_messages', 'mid')) AS mid`)) as { mid: string }[];
    const mid = Number(midText);
    const [row] = (await manager.query(
      `INSERT INTO webhook_messages (mid, order_id, organization_id, callback_url, type, body, status, failure_reason, attempt_count, next_attempt_at)
       SELECT $1, $2, $3, $4, $5, $6,
              CASE WHEN gone THEN 'failed' ELSE 'pending' END,
              CASE WHEN gone THEN 'gone' END,
              0,
              CASE WHEN gone THEN NULL ELSE now() END
       FROM (SELECT COALESCE((SELECT last.failure_reason = 'gone' FROM webhook_messages last
                              WHERE last.order_id = $2 AND last.callback_url = $4
                              ORDER BY last.mid DESC LIMIT 1), false) AS gone) g
       RETURNING status`,
      [mid, message.orderId, message.organizationId, message.callbackUrl, message.type, render(mid)],
    )) as { status: WebhookMessageStatus }[];
    return { mid, status: row.status };
  }

  /**
   * Claims up to `limit` due messages, each the oldest pending one of its order, under a lease of
   * `leaseSeconds` named `token`. One statement: concurrent claims (SKIP LOCKED) never take the same row.
   */
  async claimDue(token: string, leaseSeconds: number, limit: number): Promise<ClaimedMessage[]> {
    const { rows } = await modify<ClaimRow>(
      this.dataSource.manager,
      `UPDATE webhook_messages m
          SET locked_by = $1, locked_until = now() + make_interval(secs => $2)
         FROM (SELECT c.mid FROM webhook_messages c
                WHERE c.status = 'pending'
                  AND c.next_attempt_at <= now()
                  AND (c.locked_until IS NULL OR c.locked_until < now())
                  AND NOT EXISTS (SELECT 1 FROM webhook_messages e
                                   WHERE e.order_id = c.order_id AND e.mid < c.mid AND e.status = 'pending')
                ORDER BY c.next_attempt_at, c.mid
                LIMIT $3
                FOR UPDATE SKIP LOCKED) picked
        WHERE m.mid = picked.mid
      RETURNING m.mid, m.order_id, m.organization_id, m.callback_url, m.body, m.attempt_count`,
      [token, leaseSeconds, limit],
    );
    return rows.map((row) => ({
      mid: Number(row.mid),
      orderId: row.order_id,
      organizationId: row.organization_id,
      callbackUrl: row.callback_url,
      body: row.body,
      attemptCount: row.attempt_count,
      token,
    }));
  }

  /**
   * The attempt and the message's new state in one transaction, the state change fenced on the claim's
   * lease token. A 410 also fails the order's later pending messages to that URL, under the order's
   * message lock (see enqueue): a message being written now either commits before that statement reads,
   * or sees this one as gone when its turn comes, so nothing is sent after a 410.
   */
  async recordAttempt(claim: ClaimedMessage, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<RecordedAttempt> {
    const attempts = claim.attemptCount + 1;
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO webhook_attempts (mid, attempted_at, http_status, duration_ms, error) VALUES ($1, $2, $3, $4, $5)`,
        [claim.mid, attempt.attemptedAt, attempt.httpStatus, attempt.durationMs, attempt.error],
      );
      const fence = [claim.mid, claim.token, attempts];
      switch (outcome.next) {
        case 'delivered': {
          const { rows, affected } = await modify<{ lag: number }>(
            manager,
            `UPDATE webhook_messages SET status = 'delivered', failure_reason = NULL, attempt_count = $3, delivered_at = now(),
                    next_attempt_at = NULL, ${RELEASE}
              WHERE mid = $1 AND locked_by = $2
            RETURNING extract(epoch from delivered_at - created_at)::float8 AS lag`,
            fence,
          );
          return { leaseHeld: affected === 1, lagSeconds: rows[0]?.lag };
        }
        case 'gone': {
          const { affected } = await modify(
            manager,
            `UPDATE webhook_messages SET status = 'failed', failure_reason = 'gone', attempt_count = $3,
                    next_attempt_at = NULL, ${RELEASE}
              WHERE mid = $1 AND locked_by = $2`,
            fence,
          );
          if (affected === 1) {
            await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [ORDER_MESSAGE_LOCK, claim.orderId]);
            await modify(
              manager,
              `UPDATE webhook_messages SET status = 'failed', failure_reason = 'gone', next_attempt_at = NULL
                WHERE order_id = $1 AND callback_url = $2 AND mid > $3 AND status = 'pending'`,
              [claim.orderId, claim.callbackUrl, claim.mid],
            );
          }
          return { leaseHeld: affected === 1 };
        }
        case 'exhausted': {
          const { affected } = await modify(
            manager,
            `UPDATE webhook_messages SET status = 'failed', failure_reason = 'exhausted', attempt_count = $3,
                    next_attempt_at = NULL, ${RELEASE}
              WHERE mid = $1 AND locked_by = $2`,
            fence,
          );
          return { leaseHeld: affected === 1 };
        }
        case 'retry': {
          const { affected } = await modify(
            manager,
            `UPDATE webhook_messages SET attempt_count = $3, next_attempt_at = now() + make_interval(secs => $4), ${RELEASE}
              WHERE mid = $1 AND locked_by = $2`,
            [...fence, outcome.delayMs / 1000],
          );
          return { leaseHeld: affected === 1 };
        }
      }
    });
  }

  /** Whether the order exists and belongs to the organization `scope` or one below it. */
  async orderInScope(scope: number, orderId: number): Promise<boolean> {
    const row = await this.dataSource
      .createQueryBuilder()
      .select('o.id', 'id')
      .from('orders', 'o')
      .where('o.id = :orderId', { orderId })
      .andWhere(ownedInScope('o.organization_id'), { [SCOPE_PARAM]: scope })
      .getRawOne<{ id: number }>();
    return row !== undefined;
  }

  /** The order's messages, oldest first, each with its attempts (oldest first); none outside `scope`'s subtree. */
  async messagesOfOrder(scope: number, orderId: number): Promise<MessageWithAttempts[]> {
    const messages = await this.dataSource.manager
      .createQueryBuilder(WebhookMessage, 'm')
      .where('m.order_id = :orderId', { orderId })
      .andWhere(ownedInScope('m.organization_id'), { [SCOPE_PARAM]: scope })
      .orderBy('m.mid', 'ASC')
      .getMany();
    if (messages.length === 0) return [];
    const attempts = await this.dataSource.manager
      .createQueryBuilder(WebhookAttempt, 'a')
      .where('a.mid IN (:...mids)', { mids: messages.map((m) => m.mid) })
      .orderBy('a.id', 'ASC')
      .getMany();
    return messages.map((message) => ({ message, attempts: attempts.filter((a) => a.mid === message.mid) }));
  }

  /**
   * Makes a message of the order pending again, due now, from the start of the retry schedule (same `mid`
   * and body). Undefined when the order has no such message in `scope`'s subtree.
   */
  async redeliver(scope: number, orderId: number, mid: number): Promise<WebhookMessage | undefined> {
    // The scope condition is tree-scope.ts's rule (common/auth/tree-scope.ts), with a positional parameter.
    const { rows } = await modify<{ mid: string }>(
      this.dataSource.manager,
      `UPDATE webhook_messages
          SET status = 'pending', failure_reason = NULL, attempt_count = 0, next_attempt_at = now()
        WHERE mid = $1 AND order_id = $2
          AND organization_id IN (SELECT s.id FROM organizations s WHERE s.id = $3 OR s.ancestor_ids @> ARRAY[$3]::int[])
      RETURNING mid`,
      [mid, orderId, scope],
    );
    if (rows.length === 0) return undefined;
    return this.dataSource.manager.findOneByOrFail(WebhookMessage, { mid });
  }
}
