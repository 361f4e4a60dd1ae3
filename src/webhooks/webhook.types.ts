/** Order statuses, as the Provisioning Guide lists them ("NOT_STARTED | IN_PROGRESS | FAILED | COMPLETED"). */
export type OrderStatus = 'NOT_STARTED' | 'IN_PROGRESS' | 'FAILED' | 'COMPLETED';

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
