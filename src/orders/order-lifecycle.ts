import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { logOfOrder, withContext, type LogContext } from '../common/logging/request-context.js';
import { WebhooksService } from '../webhooks/webhooks.service.js';
import type { OrderError, OrderResult, OrderStatus } from './order.entity.js';
import { OrdersRepository, type ClaimLimits, type ClaimRow, type StatusColumns } from './orders.repository.js';

/**
 * The order statuses' state machine (docs/provisioning.md, "Order lifecycle"). A transition to the same
 * status is a take-over (an instance claims an IN_PROGRESS order whose lease ran out): no change is
 * announced.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  // claimed by an executor; cancelled
  NOT_STARTED: ['IN_PROGRESS', 'FAILED'],
  // taken over; done; failed
  IN_PROGRESS: ['IN_PROGRESS', 'COMPLETED', 'FAILED'],
  // retried
  FAILED: ['NOT_STARTED'],
  COMPLETED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** A status change the table does not allow, or one that lost a race with another writer. */
export class OrderTransitionError extends Error {
  constructor(
    readonly orderId: number,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
    reason: 'not allowed' | 'status changed meanwhile',
  ) {
    super(`order ${orderId}: ${from} → ${to} ${reason === 'not allowed' ? 'is not an allowed transition' : 'failed: its status changed meanwhile'}`);
    this.name = 'OrderTransitionError';
  }
}

/** What the order needs to be for a change to be written and announced. */
export interface OrderRef {
  id: number;
  organizationId: number;
  callbackUrl: string | null;
  status: OrderStatus;
}

export interface TransitionDetails {
  /** FAILED: why. */
  error?: OrderError;
  /** COMPLETED, FAILED: what the order did (kept as it is when absent). */
  result?: OrderResult;
  /** FAILED: erase the sealed tenant token (cancelled, or Xelion rejected it). COMPLETED always erases it. */
  eraseToken?: boolean;
  /** IN_PROGRESS: who takes the order, for how long (the executor claims many at once with `claim`). */
  lease?: { holder: string; seconds: number };
  /** The request that makes the change (cancel, retry), for the log line; the order's ids are added. */
  log?: LogContext;
}

/** The columns written on entering each status. */
function entryColumns(to: OrderStatus, details: TransitionDetails): StatusColumns {
  switch (to) {
    case 'COMPLETED':
      return { error: null, result: details.result, finished: true, releaseLease: true, clearCurrentStep: true, clearNextRun: false, eraseToken: true, countProgress: true };
    case 'FAILED':
      return {
        error: details.error ?? null,
        result: details.result,
        finished: true,
        releaseLease: true,
        clearCurrentStep: false,
        clearNextRun: false,
        eraseToken: details.eraseToken === true,
        countProgress: false,
      };
    case 'NOT_STARTED':
      return { error: null, finished: false, releaseLease: true, clearCurrentStep: true, clearNextRun: true, eraseToken: false, countProgress: false };
    case 'IN_PROGRESS':
      if (!details.lease) throw new Error('IN_PROGRESS is entered with a lease');
      return { finished: false, releaseLease: false, clearCurrentStep: false, clearNextRun: true, eraseToken: false, countProgress: false, lease: details.lease };
  }
}

/**
 * The one owner of `orders.status`. Every change goes through `transition` (or `claim`, its bulk form
 * for the executor), which checks it against ORDER_TRANSITIONS, writes the status and its columns, and
 * writes the webhook message in the caller's transaction — so a change and its message commit together
 * or not at all (docs/webhooks.md).
 */
@Injectable()
export class OrderLifecycle {
  private readonly logger = new Logger('Orders');

  constructor(
    private readonly orders: OrdersRepository,
    private readonly webhooks: WebhooksService,
  ) {}

  async transition(manager: EntityManager, order: OrderRef, to: OrderStatus, details: TransitionDetails = {}): Promise<void> {
    if (!canTransition(order.status, to)) throw new OrderTransitionError(order.id, order.status, to, 'not allowed');
    if (!(await this.orders.writeStatus(manager, order.id, order.status, to, entryColumns(to, details)))) {
      throw new OrderTransitionError(order.id, order.status, to, 'status changed meanwhile');
    }
    if (to === 'NOT_STARTED') await this.orders.resetUnfinishedSteps(manager, order.id);
    await this.announce(manager, order, to, to === 'FAILED' ? (details.error ?? null) : null, details.log);
  }

  /** The executor's claim, `transition` to IN_PROGRESS in bulk: due orders under `me`'s lease, each change announced. */
  async claim(manager: EntityManager, me: string, limits: ClaimLimits): Promise<ClaimRow[]> {
    const rows = await this.orders.claimDue(manager, me, limits);
    for (const row of rows) {
      // The claim's condition admits NOT_STARTED and lapsed IN_PROGRESS only; the table says both may go.
      if (!canTransition(row.previous_status, 'IN_PROGRESS')) throw new OrderTransitionError(row.id, row.previous_status, 'IN_PROGRESS', 'not allowed');
      await this.announce(manager, { id: row.id, organizationId: row.organization_id, callbackUrl: row.callback_url, status: row.previous_status }, 'IN_PROGRESS', null);
    }
    return rows;
  }

  private async announce(manager: EntityManager, order: OrderRef, to: OrderStatus, error: OrderError | null, log?: LogContext): Promise<void> {
    if (order.status === to) return;
    this.logger.log(withContext(`order ${order.id}: ${order.status} → ${to}${error ? ` (${error.code})` : ''}`, { ...log, ...logOfOrder(order) }));
    if (!order.callbackUrl) return;
    await this.webhooks.enqueueStatusChange(manager, {
      orderId: order.id,
      organizationId: order.organizationId,
      callbackUrl: order.callbackUrl,
      previousStatus: order.status,
      status: to,
      error: error ? { code: error.code, message: error.message } : null,
    });
  }
}
