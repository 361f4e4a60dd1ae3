import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { OrderLifecycle } from '../orders/order-lifecycle.js';
import type { StepError } from '../orders/order-step.entity.js';
import type { OrderError, OrderResult, OrderStatus, TenantSource } from '../orders/order.entity.js';
import { OrdersRepository, type JournalStepRow } from '../orders/orders.repository.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import { LeaseLostError } from './step-errors.js';

export interface ClaimedOrder {
  id: number;
  organizationId: number;
  serverUrl: string;
  tenantName: string;
  callbackUrl: string | null;
  configuration: unknown;
  tokenSealed: string | null;
  /** The plan the order must apply exactly (If-Match), or null. */
  planHash: string | null;
  /** `park`: the order takes its tenant from a park in its first step (docs/provisioning.md, "Park orders"). */
  tenantSource: TenantSource;
  /** Who held the lease before this claim, when the order was taken over from a dead instance. */
  takenOverFrom: string | null;
  previousStatus: OrderStatus;
  /** The top-level organization whose slots the order uses (EXECUTOR_MAX_PER_ORGANIZATION); see fairnessGroup. */
  group: number;
}

export type JournalStep = JournalStepRow;

/** Journal writes of one run that go into one transaction (OrderJournal.writeBatch). */
export interface JournalBatch {
  finishes: { seq: number; output: Record<string, unknown> }[];
  errors: { seq: number; error: StepError }[];
  begins: { seq: number; name: string }[];
  /** The order's result with the finished steps counted; null when nothing finished. */
  result: OrderResult | null;
}

/**
 * Every write of the executor to `orders` and `order_steps`. Each write is one short transaction (the
 * step journal's: one statement) that first checks, and locks, that this instance still holds the
 * order's lease (`locked_by = me`, fencing): an instance that lost its lease cannot overwrite the new
 * owner's work. No transaction is ever held open while Xelion is called.
 */
@Injectable()
export class OrderJournal {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly orders: OrdersRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly organizations: OrganizationsService,
  ) {}

  private get lease(): number {
    return this.settings.executor.leaseSeconds;
  }

  /**
   * Claims up to `limit` due orders: NOT_STARTED ones, and IN_PROGRESS ones whose lease has expired
   * (their instance died). Fairness: orders of one top-level organization never hold more than
   * EXECUTOR_MAX_PER_ORGANIZATION of this instance's slots, counting the ones they hold already (`held`:
   * group → orders running here), so that a slow or hostile server of one reseller cannot starve the
   * others. Orders still `running` here are never claimed again by this instance (a stuck run whose
   * lease ran out: another takes it).
   */
  async claim(me: string, limit: number, held: ReadonlyMap<number, number> = new Map(), running: readonly number[] = []): Promise<ClaimedOrder[]> {
    // Most polls find nothing: one plain read then, instead of a transaction of three statements (a
    // poll every EXECUTOR_POLL_MS would otherwise cost a transaction and its round trips).
    // The claim below decides; an order missed here is claimed on the next tick.
    if (!(await this.orders.anyDue())) return [];
    const rows = await this.dataSource.transaction((manager) =>
      this.lifecycle.claim(manager, me, { limit, leaseSeconds: this.lease, held, maxPerGroup: this.settings.executor.maxPerOrganization, running }),
    );
    return rows.map((row) => ({
      id: row.id,
      organizationId: row.organization_id,
      serverUrl: row.tenant_server_url,
      tenantName: row.tenant_name,
      callbackUrl: row.callback_url,
      configuration: row.configuration,
      tokenSealed: row.tenant_token_sealed,
      planHash: row.plan_hash,
      tenantSource: row.tenant_source,
      previousStatus: row.previous_status,
      group: Number(row.grp),
      takenOverFrom: row.previous_status === 'IN_PROGRESS' ? (row.previous_locked_by ?? 'a released lease') : null,
    }));
  }

  /** Extends the unexpired leases of the orders this instance runs; returns those it still holds (an expired lease is lost). */
  async heartbeat(me: string, orderIds: number[]): Promise<Set<number>> {
    return new Set(await this.orders.extendLeases(me, orderIds, this.lease));
  }

  /** Gives orders back at once (shutdown): another instance may claim them on its next tick. */
  async release(me: string, orderIds?: number[]): Promise<number> {
    return this.orders.releaseLeases(me, orderIds);
  }

  async steps(orderId: number): Promise<JournalStep[]> {
    return this.orders.journalSteps(orderId);
  }

  /** Locks the order row if this instance holds an unexpired lease on it; throws LeaseLostError otherwise. */
  private async fence(manager: EntityManager, orderId: number, me: string): Promise<void> {
    if (!(await this.orders.lockIfLeased(manager, orderId, me))) throw new LeaseLostError(orderId);
  }

  /**
   * Several journal writes of one run in ONE fenced statement (group commit, see JournalWriter): steps
   * done (output), failed attempts that will be tried again (error), and steps marked RUNNING with their
   * attempt counted before anything is sent for them; then the order's current step, result and
   * progress. Returns the attempt number of each step begun; LeaseLostError (nothing written) when this
   * instance no longer holds the lease.
   */
  async writeBatch(me: string, orderId: number, batch: JournalBatch): Promise<Map<number, number>> {
    const currentStep = batch.begins.length > 0 ? batch.begins[batch.begins.length - 1].name : null;
    const attempts = await this.orders.writeJournal(orderId, me, {
      finishes: batch.finishes,
      errors: batch.errors,
      begins: batch.begins.map((b) => b.seq),
      progress: batch.finishes.length > 0 || currentStep !== null ? { currentStep, result: batch.result } : null,
    });
    if (!attempts) throw new LeaseLostError(orderId);
    return attempts;
  }

  /**
   * The step and the order FAILED. The token (and a park order's master token) is erased when Xelion rejected it (it is worthless);
   * otherwise it is kept, sealed, so that the order can be retried without sending it again
   * (docs/provisioning.md, "The tenant token").
   */
  async failOrder(
    me: string,
    order: ClaimedOrder,
    failure: OrderError,
    step: { seq: number; error: StepError } | null,
    eraseToken: boolean,
    result: OrderResult,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.fence(manager, order.id, me);
      if (step) await this.orders.failStep(manager, order.id, step.seq, step.error);
      await this.orders.stopRunningSteps(manager, order.id);
      await this.lifecycle.transition(manager, { ...order, status: 'IN_PROGRESS' }, 'FAILED', { error: failure, result, eraseToken });
    });
  }

  /** COMPLETED: the token is erased, the lease given up. */
  async completeOrder(me: string, order: ClaimedOrder, result: OrderResult): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.fence(manager, order.id, me);
      await this.lifecycle.transition(manager, { ...order, status: 'IN_PROGRESS' }, 'COMPLETED', { result });
    });
  }

  /** Whether the organization or any of its ancestors is disabled (a missing organization counts as disabled). */
  async organizationDisabled(organizationId: number): Promise<boolean> {
    return this.organizations.disabledOnPath(organizationId);
  }
}
