/**
 * The four order statuses of the Provisioning Guide, exactly ("NOT_STARTED | IN_PROGRESS | FAILED |
 * COMPLETED"). Defined here, below the orders module, because the messages announce them; the orders
 * module re-exports them.
 */
export const ORDER_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the orders code tells the outbox about one status change (docs/webhooks.md). */
export interface OrderStatusChangeEvent {
  orderId: number;
  organizationId: number;
  /** The order's X-Callback-Url; an empty value writes no message. */
  callbackUrl: string;
  previousStatus: OrderStatus | null;
  status: OrderStatus;
  /** On FAILED: why. */
  error?: { code: string; message: string } | null;
}

export const ORDER_STATUS_CHANGED = 'orderStatusChanged';

/**
 * The body of the Provisioning Guide ("Callback / Webhook"): `{ mid, type, data: { id, status } }`.
 * `data` also carries `organizationId`, `previousStatus` and, on FAILED, `error`; the documented
 * fields never change meaning.
 */
export interface OrderStatusChangedBody {
  mid: number;
  type: typeof ORDER_STATUS_CHANGED;
  data: {
    id: number;
    status: OrderStatus;
    organizationId: number;
    previousStatus: OrderStatus | null;
    error?: { code: string; message: string };
  };
}

export function orderStatusChangedBody(mid: number, event: OrderStatusChangeEvent): OrderStatusChangedBody {
  return {
    mid,
    type: ORDER_STATUS_CHANGED,
    data: {
      id: event.orderId,
      status: event.status,
      organizationId: event.organizationId,
      previousStatus: event.previousStatus,
      ...(event.status === 'FAILED' && event.error ? { error: { code: event.error.code, message: event.error.message } } : {}),
    },
  };
}
