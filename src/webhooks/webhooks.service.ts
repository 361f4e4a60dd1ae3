import { HttpStatus, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { ownedInScope, scopeParams } from '../common/auth/tree-scope.js';
import { ApiError } from '../common/http/error-response.js';
import { WebhookAttempt } from './webhook-attempt.entity.js';
import { WebhookMessage } from './webhook-message.entity.js';
import { WebhookWakeup } from './webhook-wakeup.js';
import { orderStatusChangedBody, ORDER_STATUS_CHANGED, type OrderStatusChangeEvent } from './webhook.types.js';

export type { OrderStatus, OrderStatusChangeEvent } from './webhook.types.js';

/** Advisory lock class (first key of pg_advisory_xact_lock(int, int)) serializing one order's messages. */
export const ORDER_MESSAGE_LOCK = 0x57b0; // "WebHook Order"
/** Set on a transaction's query runner when it wrote a message, read after its commit. */
const WROTE_MESSAGE = 'webhooks:wroteMessage';

export interface MessageWithAttempts {
  message: WebhookMessage;
  attempts: WebhookAttempt[];
}

@Injectable()
export class WebhooksService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly wakeup: WebhookWakeup,
  ) {}

  onModuleInit(): void {
    // After the transaction that wrote a message commits, poke this instance's dispatcher (fast path).
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        if (event.queryRunner.data?.[WROTE_MESSAGE]) {
          delete event.queryRunner.data[WROTE_MESSAGE];
          this.wakeup.wake();
        }
      },
    };
    this.dataSource.subscribers.push(subscriber);
  }

  /**
   * The outbox (docs/webhooks.md): writes the message for one order status change with `manager`,
   * i.e. inside the caller's transaction, so the change and its message commit or roll back together.
   * Call it for EVERY status change (including back to NOT_STARTED after a retry); without a callback
   * URL it writes nothing.
   *
   * Messages of one order are serialized by a transaction-scoped advisory lock taken before the `mid`
   * is drawn, so a later `mid` of an order never commits before an earlier one. If the order's latest
   * message to this URL was refused with 410 Gone, the new one is stored as failed ("gone") at once.
   */
  async enqueueStatusChange(manager: EntityManager, event: OrderStatusChangeEvent): Promise<void> {
    if (!event.callbackUrl) return;
    await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [ORDER_MESSAGE_LOCK, event.orderId]);
    const [{ mid: midText }] = (await manager.query(
      `SELECT nextval(pg_get_serial_sequence('webhook_messages', 'mid')) AS mid`,
    )) as { mid: string }[];
    const mid = Number(midText);
    const body = JSON.stringify(orderStatusChangedBody(mid, event));
    await manager.query(
      `INSERT INTO webhook_messages (mid, order_id, organization_id, callback_url, type, body, status, failure_reason, attempt_count, next_attempt_at)
       SELECT $1, $2, $3, $4, $5, $6,
              CASE WHEN gone THEN 'failed' ELSE 'pending' END,
              CASE WHEN gone THEN 'gone' END,
              0,
              CASE WHEN gone THEN NULL ELSE now() END
       FROM (SELECT COALESCE((SELECT last.failure_reason = 'gone' FROM webhook_messages last
                              WHERE last.order_id = $2 AND last.callback_url = $4
                              ORDER BY last.mid DESC LIMIT 1), false) AS gone) g`,
      [mid, event.orderId, event.organizationId, event.callbackUrl, ORDER_STATUS_CHANGED, body],
    );
    if (manager.queryRunner) manager.queryRunner.data = { ...manager.queryRunner.data, [WROTE_MESSAGE]: true };
    else this.wakeup.wake();
  }

  /** The order, if the caller may see it; 404 otherwise (scope is in the WHERE). */
  private async assertOrderInScope(caller: Caller, orderId: number): Promise<void> {
    const row = await this.dataSource
      .createQueryBuilder()
      .select('o.id', 'id')
      .from('orders', 'o')
      .where('o.id = :orderId', { orderId })
      .andWhere(ownedInScope('o.organization_id'), scopeParams(caller))
      .getRawOne<{ id: number }>();
    if (!row) throw new NotFoundException(`order ${orderId} not found`);
  }

  /** Every message of an order with its attempts, oldest first. */
  async listForOrder(caller: Caller, orderId: number): Promise<MessageWithAttempts[]> {
    await this.assertOrderInScope(caller, orderId);
    const messages = await this.dataSource.manager.find(WebhookMessage, { where: { orderId }, order: { mid: 'ASC' } });
    if (messages.length === 0) return [];
    const attempts = await this.dataSource.manager
      .createQueryBuilder(WebhookAttempt, 'a')
      .where('a.mid IN (:...mids)', { mids: messages.map((m) => m.mid) })
      .orderBy('a.id', 'ASC')
      .getMany();
    return messages.map((message) => ({ message, attempts: attempts.filter((a) => a.mid === message.mid) }));
  }

  /**
   * Sends the message again now, same `mid` (and body), signed with the current secret at send time.
   * The message becomes pending from the start of the retry schedule; strict per-order order still
   * holds (it goes out once no earlier message of the order is pending).
   */
  async redeliver(caller: Caller, orderId: number, mid: number): Promise<WebhookMessage> {
    await this.assertOrderInScope(caller, orderId);
    const updated = (await this.dataSource.query(
      `UPDATE webhook_messages
          SET status = 'pending', failure_reason = NULL, attempt_count = 0, next_attempt_at = now()
        WHERE mid = $1 AND order_id = $2
      RETURNING mid`,
      [mid, orderId],
    )) as [unknown[], number] | unknown[];
    const rows = Array.isArray(updated[0]) ? (updated[0] as unknown[]) : (updated as unknown[]);
    if (rows.length === 0) throw new ApiError(HttpStatus.NOT_FOUND, `webhook message ${mid} of order ${orderId} not found`);
    this.wakeup.wake();
    return this.dataSource.manager.findOneByOrFail(WebhookMessage, { mid });
  }
}
