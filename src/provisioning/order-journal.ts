import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import type { StepError } from '../orders/order-step.entity.js';
import { OrderTransitions } from '../orders/order-transitions.js';
import type { OrderError, OrderResult, OrderStatus, TenantSource } from '../orders/order.entity.js';
import { LeaseLostError } from './step-errors.js';

export interface ClaimedOrder {
  id: number;
  organizationId: number;
  serverUrl: string;
  tenantName: string;
  callbackUrl: string | null;
  configuration: unknown;
  tokenSealed: string | null;
  /** `park`: the order takes its tenant from a park in its first step (docs/provisioning.md, "Park orders"). */
  tenantSource: TenantSource;
  /** Who held the lease before this claim, when the order was taken over from a dead instance. */
  takenOverFrom: string | null;
  previousStatus: OrderStatus;
  /** The top-level organization whose slots the order uses (EXECUTOR_MAX_PER_ORGANIZATION); see fairnessGroup. */
  group: number;
}

export interface JournalStep {
  seq: number;
  stage: number;
  kind: string;
  subject: string | null;
  name: string;
  status: string;
  attempts: number;
  output: Record<string, unknown> | null;
}

/** Journal writes of one run that go into one transaction (OrderJournal.writeBatch). */
export interface JournalBatch {
  finishes: { seq: number; output: Record<string, unknown> }[];
  errors: { seq: number; error: StepError }[];
  begins: { seq: number; name: string }[];
  /** The order's result with the finished steps counted; null when nothing finished. */
  result: OrderResult | null;
}

/** TypeORM answers an UPDATE … RETURNING with `[rows, affected]`, other statements with the rows. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/**
 * Orders an executor may claim: not started, or in progress under a lease that ran out (its instance
 * died), and not waiting for a later run. The claim's quick look and the claim itself use this one
 * condition.
 */
const dueCondition = (o: string) => `(${o}status = 'NOT_STARTED' OR (${o}status = 'IN_PROGRESS' AND (${o}locked_until IS NULL OR ${o}locked_until < now())))
  AND (${o}next_run_at IS NULL OR ${o}next_run_at <= now())`;
const DUE = dueCondition('');

/**
 * Whose executor slots an order uses (docs/security.md, "Outbound deadlines and fairness"): the
 * top-level organization (a child of the root) with its whole subtree; the root's own orders are a
 * group of their own (minus the root's id, so that it never equals a child's id).
 */
const fairnessGroup = (g: string) =>
  `CASE WHEN ${g}.parent_id IS NULL THEN -${g}.id WHEN cardinality(${g}.ancestor_ids) <= 1 THEN ${g}.id ELSE ${g}.ancestor_ids[2] END`;

interface ClaimRow {
  id: number;
  organization_id: number;
  tenant_server_url: string;
  tenant_name: string;
  callback_url: string | null;
  configuration: unknown;
  tenant_token_sealed: string | null;
  tenant_source: TenantSource;
  previous_status: OrderStatus;
  previous_locked_by: string | null;
  grp: number;
}

/**
 * Every write of the executor to `orders` and `order_steps`. Each write is one short transaction that
 * first checks, and locks, that this instance still holds the order's lease (`locked_by = me`,
 * fencing): an instance that lost its lease cannot overwrite the new owner's work. No transaction is
 * ever held open while Xelion is called.
 */
@Injectable()
export class OrderJournal {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly transitions: OrderTransitions,
  ) {}

  private get lease(): number {
    return this.settings.executor.leaseSeconds;
  }

  /**
   * Claims up to `limit` due orders: NOT_STARTED ones, and IN_PROGRESS ones whose lease has expired
   * (their instance died). SKIP LOCKED lets several instances claim at once without waiting on each other.
   * Fairness: orders of one top-level organization never hold more than EXECUTOR_MAX_PER_ORGANIZATION
   * of this instance's slots, counting the ones they hold already (`held`: group → orders running here),
   * so that a slow or hostile server of one reseller cannot starve the others. Orders still `running`
   * here are never claimed again by this instance (a stuck run whose lease ran out: another takes it).
   */
  async claim(me: string, limit: number, held: ReadonlyMap<number, number> = new Map(), running: readonly number[] = []): Promise<ClaimedOrder[]> {
    // Most polls find nothing: one plain read then, instead of a transaction of three statements (a
    // poll every EXECUTOR_POLL_MS would otherwise cost a transaction and its round trips).
    // The claim below decides; an order missed here is claimed on the next tick.
    const due = await this.dataSource.query(`SELECT 1 FROM orders WHERE ${DUE} LIMIT 1`);
    if ((due as unknown[]).length === 0) return [];
    return this.dataSource.transaction(async (manager) => {
      const rows = rowsOf<ClaimRow>(await manager.query(
        `WITH candidates AS (
           SELECT o.id, ${fairnessGroup('g')} AS grp
             FROM orders o JOIN organizations g ON g.id = o.organization_id
            WHERE ${dueCondition('o.')} AND NOT (o.id = ANY($7::int[]))
         ), ranked AS (
           SELECT c.id, c.grp, row_number() OVER (PARTITION BY c.grp ORDER BY c.id) AS rank FROM candidates c
         ), picked AS (
           SELECT r.id, r.grp
             FROM ranked r LEFT JOIN unnest($4::int[], $5::int[]) AS h(grp, n) ON h.grp = r.grp
            WHERE r.rank <= $6 - COALESCE(h.n, 0)
            ORDER BY r.id
            LIMIT $2
         ), due AS (
           SELECT o.id, p.grp, o.status AS previous_status, o.locked_by AS previous_locked_by
             FROM orders o JOIN picked p ON p.id = o.id
            WHERE ${dueCondition('o.')}
            ORDER BY o.id
            FOR UPDATE OF o SKIP LOCKED
         )
         UPDATE orders o
            SET status = 'IN_PROGRESS', locked_by = $1, locked_until = now() + make_interval(secs => $3),
                started_at = COALESCE(o.started_at, now()), attempts = o.attempts + 1
           FROM due
          WHERE o.id = due.id
         RETURNING o.id, o.organization_id, o.tenant_server_url, o.tenant_name, o.callback_url, o.configuration,
                   o.tenant_token_sealed, o.tenant_source, due.previous_status, due.previous_locked_by, due.grp`,
        [me, limit, this.lease, [...held.keys()], [...held.values()], this.settings.executor.maxPerOrganization, [...running]],
      ));
      for (const row of rows) {
        await this.transitions.changed(manager, {
          orderId: row.id,
          organizationId: row.organization_id,
          callbackUrl: row.callback_url,
          previousStatus: row.previous_status,
          status: 'IN_PROGRESS',
          error: null,
        });
      }
      return rows
        .sort((a, b) => a.id - b.id)
        .map((row) => ({
          id: row.id,
          organizationId: row.organization_id,
          serverUrl: row.tenant_server_url,
          tenantName: row.tenant_name,
          callbackUrl: row.callback_url,
          configuration: row.configuration,
          tokenSealed: row.tenant_token_sealed,
          tenantSource: row.tenant_source,
          previousStatus: row.previous_status,
          group: Number(row.grp),
          takenOverFrom: row.previous_status === 'IN_PROGRESS' ? (row.previous_locked_by ?? 'a released lease') : null,
        }));
    });
  }

  /** Extends the unexpired leases of the orders this instance runs; returns those it still holds (an expired lease is lost). */
  async heartbeat(me: string, orderIds: number[]): Promise<Set<number>> {
    if (orderIds.length === 0) return new Set();
    const rows = rowsOf<{ id: number }>(
      await this.dataSource.query(
        `UPDATE orders SET locked_until = now() + make_interval(secs => $3)
          WHERE id = ANY($2::int[]) AND locked_by = $1 AND status = 'IN_PROGRESS' AND locked_until > now()
          RETURNING id`,
        [me, orderIds, this.lease],
      ),
    );
    return new Set(rows.map((row) => row.id));
  }

  /** Gives orders back at once (shutdown): another instance may claim them on its next tick. */
  async release(me: string, orderIds?: number[]): Promise<number> {
    const rows = rowsOf<{ id: number }>(
      await this.dataSource.query(
        `UPDATE orders SET locked_by = NULL, locked_until = now()
          WHERE locked_by = $1 AND status = 'IN_PROGRESS' ${orderIds ? 'AND id = ANY($2::int[])' : ''}
          RETURNING id`,
        orderIds ? [me, orderIds] : [me],
      ),
    );
    return rows.length;
  }

  async steps(orderId: number): Promise<JournalStep[]> {
    return this.dataSource.query(
      `SELECT seq, stage, kind, subject, name, status, attempts, output FROM order_steps WHERE order_id = $1 ORDER BY seq`,
      [orderId],
    );
  }

  /**
   * Locks the order row if this instance holds an unexpired lease on it; throws LeaseLostError
   * otherwise. An expired lease is lost even before another instance claims it: the claim and this
   * check are then mutually exclusive under the row lock, so two instances never both pass.
   */
  private async fence(manager: EntityManager, orderId: number, me: string): Promise<{ status: OrderStatus }> {
    const rows: { status: OrderStatus }[] = await manager.query(
      `SELECT status FROM orders WHERE id = $1 AND locked_by = $2 AND status = 'IN_PROGRESS' AND locked_until > now() FOR UPDATE`,
      [orderId, me],
    );
    if (rows.length === 0) throw new LeaseLostError(orderId);
    return rows[0];
  }

  /**
   * Several journal writes of one run in ONE short, fenced transaction (group commit, see
   * JournalWriter): steps done (output), failed attempts that will be tried again (error), and steps
   * marked RUNNING with their attempt counted before anything is sent for them; then the order's
   * current step, result and progress. Returns the attempt number of each step begun.
   */
  async writeBatch(me: string, orderId: number, batch: JournalBatch): Promise<Map<number, number>> {
    return this.dataSource.transaction(async (manager) => {
      await this.fence(manager, orderId, me);
      if (batch.finishes.length > 0) {
        await manager.query(
          `UPDATE order_steps s SET status = 'DONE', finished_at = now(), output = v.output::jsonb, error = NULL
             FROM unnest($2::int[], $3::text[]) AS v(seq, output)
            WHERE s.order_id = $1 AND s.seq = v.seq`,
          [orderId, batch.finishes.map((f) => f.seq), batch.finishes.map((f) => JSON.stringify(f.output))],
        );
      }
      if (batch.errors.length > 0) {
        await manager.query(
          `UPDATE order_steps s SET error = v.error::jsonb
             FROM unnest($2::int[], $3::text[]) AS v(seq, error)
            WHERE s.order_id = $1 AND s.seq = v.seq`,
          [orderId, batch.errors.map((e) => e.seq), batch.errors.map((e) => JSON.stringify(e.error))],
        );
      }
      const attempts = new Map<number, number>();
      if (batch.begins.length > 0) {
        const rows = rowsOf<{ seq: number; attempts: number }>(
          await manager.query(
            `UPDATE order_steps SET status = 'RUNNING', attempts = attempts + 1, started_at = COALESCE(started_at, now()), error = NULL
              WHERE order_id = $1 AND seq = ANY($2::int[]) RETURNING seq, attempts`,
            [orderId, batch.begins.map((b) => b.seq)],
          ),
        );
        for (const row of rows) attempts.set(row.seq, row.attempts);
      }
      const currentStep = batch.begins.length > 0 ? batch.begins[batch.begins.length - 1].name : null;
      if (batch.finishes.length > 0 || currentStep !== null) {
        await manager.query(
          `UPDATE orders SET current_step = COALESCE($2, current_step), result = COALESCE($3::jsonb, result),
                  progress_done = CASE WHEN $4 THEN (SELECT count(*) FROM order_steps WHERE order_id = $1 AND status = 'DONE') ELSE progress_done END
            WHERE id = $1`,
          [orderId, currentStep, batch.result ? JSON.stringify(batch.result) : null, batch.finishes.length > 0],
        );
      }
      return attempts;
    });
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
      if (step) {
        await manager.query(
          `UPDATE order_steps SET status = 'FAILED', finished_at = now(), error = $3::jsonb WHERE order_id = $1 AND seq = $2`,
          [order.id, step.seq, JSON.stringify(step.error)],
        );
      }
      // Steps that were running beside the failed one stop where they are; a retry runs them again.
      await manager.query(`UPDATE order_steps SET status = 'PENDING' WHERE order_id = $1 AND status = 'RUNNING'`, [order.id]);
      await manager.query(
        `UPDATE orders SET status = 'FAILED', error = $2::jsonb, result = $3::jsonb, finished_at = now(), locked_by = NULL, locked_until = NULL,
                tenant_token_sealed = CASE WHEN $4 THEN NULL ELSE tenant_token_sealed END,
                master_token_sealed = CASE WHEN $4 THEN NULL ELSE master_token_sealed END
          WHERE id = $1`,
        [order.id, JSON.stringify(failure), JSON.stringify(result), eraseToken],
      );
      await this.transitions.changed(manager, {
        orderId: order.id,
        organizationId: order.organizationId,
        callbackUrl: order.callbackUrl,
        previousStatus: 'IN_PROGRESS',
        status: 'FAILED',
        error: failure,
      });
    });
  }

  /** COMPLETED: the tokens are erased, the lease given up. */
  async completeOrder(me: string, order: ClaimedOrder, result: OrderResult): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.fence(manager, order.id, me);
      await manager.query(
        `UPDATE orders SET status = 'COMPLETED', finished_at = now(), current_step = NULL, result = $2::jsonb, error = NULL,
                tenant_token_sealed = NULL, master_token_sealed = NULL, locked_by = NULL, locked_until = NULL,
                progress_done = (SELECT count(*) FROM order_steps WHERE order_id = $1 AND status = 'DONE')
          WHERE id = $1`,
        [order.id, JSON.stringify(result)],
      );
      await this.transitions.changed(manager, {
        orderId: order.id,
        organizationId: order.organizationId,
        callbackUrl: order.callbackUrl,
        previousStatus: 'IN_PROGRESS',
        status: 'COMPLETED',
        error: null,
      });
    });
  }

  /** Whether the organization or any of its ancestors is disabled (a missing organization counts as disabled). */
  async organizationDisabled(organizationId: number): Promise<boolean> {
    const [row]: { disabled: boolean | null }[] = await this.dataSource.query(
      `SELECT bool_or(o.disabled_at IS NOT NULL) AS disabled
         FROM organizations target JOIN organizations o ON o.id = ANY(target.ancestor_ids || target.id)
        WHERE target.id = $1`,
      [organizationId],
    );
    return row?.disabled !== false;
  }
}
