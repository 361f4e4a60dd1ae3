import { HttpStatus, Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, type EntitySubscriberInterface, type TransactionCommitEvent } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { ApiError } from '../common/http/error-response.js';
import type { WebhookMessage } from './webhook-message.entity.js';
import { WebhookWakeup } from './webhook-wakeup.js';
import { orderStatusChangedBody, ORDER_STATUS_CHANGED, type OrderStatusChangeEvent } from './webhook.types.js';
import { WebhooksRepository, type MessageWithAttempts } from './webhooks.repository.js';

export type { OrderStatus, OrderStatusChangeEvent } from './webhook.types.js';
export type { MessageWithAttempts } from './webhooks.repository.js';

/** Set on a transaction's query runner when it wrote a message, read after its commit. */
const WROTE_MESSAGE = 'webhooks:wroteMessage';

@Injectable()
export class WebhooksService implements OnModuleInit {
  constructor(
    // Only to register the after-commit subscriber below; the SQL is in WebhooksRepository.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: WebhooksRepository,
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
   * URL it writes nothing. Ordering per order and the 410 rule: WebhooksRepository.enqueue.
   */
  async enqueueStatusChange(manager: EntityManager, event: OrderStatusChangeEvent): Promise<void> {
    if (!event.callbackUrl) return;
    await this.messages.enqueue(
      manager,
      { orderId: event.orderId, organizationId: event.organizationId, callbackUrl: event.callbackUrl, type: ORDER_STATUS_CHANGED },
      (mid) => JSON.stringify(orderStatusChangedBody(mid, event)),
    );
    if (manager.queryRunner) manager.queryRunner.data = { ...manager.queryRunner.data, [WROTE_MESSAGE]: true };
    else this.wakeup.wake();
  }

  /** Every message of an order with its attempts, oldest first; 404 when the order is not in the caller's scope. */
  async listForOrder(caller: Caller, orderId: number): Promise<MessageWithAttempts[]> {
    if (!(await this.messages.orderInScope(caller.organizationId, orderId))) throw orderNotFound(orderId);
    return this.messages.messagesOfOrder(caller.organizationId, orderId);
  }

  /**
   * Sends the message again now, same `mid` (and body), signed with the current secret at send time.
   * The message becomes pending from the start of the retry schedule; strict per-order order still
   * holds (it goes out once no earlier message of the order is pending).
   */
  async redeliver(caller: Caller, orderId: number, mid: number): Promise<WebhookMessage> {
    if (!(await this.messages.orderInScope(caller.organizationId, orderId))) throw orderNotFound(orderId);
    const message = await this.messages.redeliver(caller.organizationId, orderId, mid);
    if (!message) throw new ApiError(HttpStatus.NOT_FOUND, `webhook message ${mid} of order ${orderId} not found`);
    this.wakeup.wake();
    return message;
  }
}

function orderNotFound(orderId: number): NotFoundException {
  return new NotFoundException(`order ${orderId} not found`);
}
