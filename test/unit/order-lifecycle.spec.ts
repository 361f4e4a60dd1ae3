import { describe, expect, it, vi } from 'vitest';
import type { EntityManager } from 'typeorm';
import { canTransition, ORDER_TRANSITIONS, OrderLifecycle, OrderTransitionError } from '../../src/orders/order-lifecycle.js';
import { ORDER_STATUSES, type OrderStatus } from '../../src/orders/order.entity.js';
import type { OrdersRepository } from '../../src/orders/orders.repository.js';
import type { WebhooksService } from '../../src/webhooks/webhooks.service.js';

const manager = {} as EntityManager;

function lifecycle(writes = true) {
  const orders = { writeStatus: vi.fn(async () => writes), resetUnfinishedSteps: vi.fn(async () => undefined), claimDue: vi.fn() };
  const webhooks = { enqueueStatusChange: vi.fn(async () => undefined) };
  return { orders, webhooks, subject: new OrderLifecycle(orders as unknown as OrdersRepository, webhooks as unknown as WebhooksService) };
}

const order = (status: OrderStatus, callbackUrl: string | null = 'https://hooks.example.com/x') => ({ id: 7, organizationId: 3, callbackUrl, status });

describe('order lifecycle: the transition table', () => {
  it('allows exactly the documented changes', () => {
    const allowed = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from} → ${to}`));
    expect(allowed.sort()).toEqual(
      [
        'NOT_STARTED → IN_PROGRESS', // claimed
        'NOT_STARTED → FAILED', // cancelled
        'IN_PROGRESS → IN_PROGRESS', // taken over after a lapsed lease
        'IN_PROGRESS → COMPLETED',
        'IN_PROGRESS → FAILED',
        'FAILED → NOT_STARTED', // retried
      ].sort(),
    );
    expect(Object.keys(ORDER_TRANSITIONS).sort()).toEqual([...ORDER_STATUSES].sort());
    expect(ORDER_TRANSITIONS.COMPLETED).toEqual([]);
  });

  it.each([
    ['COMPLETED', 'FAILED'],
    ['COMPLETED', 'NOT_STARTED'],
    ['FAILED', 'COMPLETED'],
    ['FAILED', 'IN_PROGRESS'],
    ['NOT_STARTED', 'COMPLETED'],
    ['IN_PROGRESS', 'NOT_STARTED'],
  ] as [OrderStatus, OrderStatus][])('refuses %s → %s without writing or announcing anything', async (from, to) => {
    const { orders, webhooks, subject } = lifecycle();
    const attempt = subject.transition(manager, order(from), to, { lease: { holder: 'x', seconds: 1 } });
    await expect(attempt).rejects.toBeInstanceOf(OrderTransitionError);
    expect(orders.writeStatus).not.toHaveBeenCalled();
    expect(webhooks.enqueueStatusChange).not.toHaveBeenCalled();
  });

  it('writes FAILED with its error and erases the token when asked, then announces the change with the previous status', async () => {
    const { orders, webhooks, subject } = lifecycle();
    const error = { code: 'CANCELLED', message: 'the order was cancelled', step: null };
    await subject.transition(manager, order('NOT_STARTED'), 'FAILED', { error, eraseToken: true });
    expect(orders.writeStatus).toHaveBeenCalledWith(manager, 7, 'NOT_STARTED', 'FAILED', expect.objectContaining({ error, eraseToken: true, finished: true, releaseLease: true }));
    expect(webhooks.enqueueStatusChange).toHaveBeenCalledWith(manager, {
      orderId: 7,
      organizationId: 3,
      callbackUrl: 'https://hooks.example.com/x',
      previousStatus: 'NOT_STARTED',
      status: 'FAILED',
      error: { code: 'CANCELLED', message: 'the order was cancelled' },
    });
  });

  it('COMPLETED always erases the token and recounts progress', async () => {
    const { orders, subject } = lifecycle();
    await subject.transition(manager, order('IN_PROGRESS'), 'COMPLETED');
    expect(orders.writeStatus).toHaveBeenCalledWith(manager, 7, 'IN_PROGRESS', 'COMPLETED', expect.objectContaining({ eraseToken: true, countProgress: true, error: null }));
  });

  it('a retry (FAILED → NOT_STARTED) clears the error and resets the unfinished steps', async () => {
    const { orders, subject } = lifecycle();
    await subject.transition(manager, order('FAILED'), 'NOT_STARTED');
    expect(orders.writeStatus).toHaveBeenCalledWith(manager, 7, 'FAILED', 'NOT_STARTED', expect.objectContaining({ error: null, finished: false, clearNextRun: true }));
    expect(orders.resetUnfinishedSteps).toHaveBeenCalledWith(manager, 7);
  });

  it('a change that lost a race (the status moved meanwhile) throws and announces nothing', async () => {
    const { webhooks, subject } = lifecycle(false);
    await expect(subject.transition(manager, order('IN_PROGRESS'), 'COMPLETED')).rejects.toThrow(/changed meanwhile/);
    expect(webhooks.enqueueStatusChange).not.toHaveBeenCalled();
  });

  it('IN_PROGRESS needs a lease; a take-over (IN_PROGRESS → IN_PROGRESS) writes but announces nothing', async () => {
    const { webhooks, subject } = lifecycle();
    await expect(subject.transition(manager, order('NOT_STARTED'), 'IN_PROGRESS')).rejects.toThrow(/lease/);
    await subject.transition(manager, order('IN_PROGRESS'), 'IN_PROGRESS', { lease: { holder: 'b', seconds: 30 } });
    expect(webhooks.enqueueStatusChange).not.toHaveBeenCalled();
  });

  it('an order without a callback URL writes no message', async () => {
    const { orders, webhooks, subject } = lifecycle();
    await subject.transition(manager, order('IN_PROGRESS', null), 'FAILED', { error: { code: 'X', message: 'y', step: null } });
    expect(orders.writeStatus).toHaveBeenCalled();
    expect(webhooks.enqueueStatusChange).not.toHaveBeenCalled();
  });

  it('announces each claimed order as IN_PROGRESS, except take-overs', async () => {
    const { orders, webhooks, subject } = lifecycle();
    orders.claimDue.mockResolvedValue([
      { id: 1, organization_id: 3, callback_url: 'https://h.example.com', previous_status: 'NOT_STARTED' },
      { id: 2, organization_id: 3, callback_url: 'https://h.example.com', previous_status: 'IN_PROGRESS' },
    ]);
    const rows = await subject.claim(manager, 'me', { limit: 2, leaseSeconds: 30, held: new Map(), maxPerGroup: 4, running: [] });
    expect(rows).toHaveLength(2);
    expect(webhooks.enqueueStatusChange).toHaveBeenCalledTimes(1);
    expect(webhooks.enqueueStatusChange).toHaveBeenCalledWith(manager, expect.objectContaining({ orderId: 1, previousStatus: 'NOT_STARTED', status: 'IN_PROGRESS' }));
  });
});
