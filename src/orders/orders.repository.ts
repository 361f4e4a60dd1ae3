import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { organizationInScope, ownedInScope, scopeParams } from '../common/auth/tree-scope.js';
import { modify } from '../common/database/affected.js';
import { queryNamed, type NamedStatement } from '../common/database/named-statement.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, paginate, type Page } from '../common/http/pagination.js';
import type { ListOrdersQuery } from './dto/order.dto.js';
import { OrderStep, type StepError } from './order-step.entity.js';
import { Order, type OrderError, type OrderResult, type OrderStatus, type TenantSource } from './order.entity.js';

/** A new order's row (status NOT_STARTED). */
export interface NewOrderRow {
  organizationId: number;
  serverUrl: string;
  tenantName: string;
  callbackUrl: string | null;
  configuration: unknown;
  idempotencyKey: string | null;
  requestHash: string | null;
  planHash: string | null;
}

/** A new order's journal step. */
export interface NewStepRow {
  seq: number;
  stage: number;
  kind: string;
  subject: string | null;
  name: string;
}

/** Where MAX_UNFINISHED_ORDERS counts: one organization, or the subtree below one. */
export interface QuotaScope {
  id: number;
  subtree: boolean;
}

/** The columns a status change writes besides `status` (decided by the order lifecycle, per target status). */
export interface StatusColumns {
  error?: OrderError | null;
  /** Written when given; kept otherwise. */
  result?: OrderResult;
  finished: boolean;
  releaseLease: boolean;
  clearCurrentStep: boolean;
  clearNextRun: boolean;
  /** The sealed tokens (the tenant token, and a park order's master token) are erased. */
  eraseToken: boolean;
  /** progress_done recounted from the DONE steps. */
  countProgress: boolean;
  /** IN_PROGRESS: the lease taken (the order's start and attempt are counted with it). */
  lease?: { holder: string; seconds: number };
}

/** An order as the executor claimed it. */
export interface ClaimRow {
  id: number;
  organization_id: number;
  tenant_server_url: string;
  tenant_name: string;
  callback_url: string | null;
  configuration: unknown;
  tenant_token_sealed: string | null;
  plan_hash: string | null;
  tenant_source: TenantSource;
  previous_status: OrderStatus;
  previous_locked_by: string | null;
  grp: number;
}

export interface ClaimLimits {
  /** At most this many orders. */
  limit: number;
  leaseSeconds: number;
  /** Orders of each fairness group already running on this instance. */
  held: ReadonlyMap<number, number>;
  maxPerGroup: number;
  /** Orders this instance still runs (never claimed again by it). */
  running: readonly number[];
}

export interface JournalStepRow {
  seq: number;
  stage: number;
  kind: string;
  subject: string | null;
  name: string;
  status: string;
  attempts: number;
  output: Record<string, unknown> | null;
}

/**
 * Orders an executor may claim: not started, or in progress under a lease that ran out (its instance
 * died), and not waiting for a later run. The claim's quick look and the claim itself use this one
 * condition.
 */
const dueCondition = (o: string) => `(${o}status = 'NOT_STARTED' OR (${o}status = 'IN_PROGRESS' AND (${o}locked_until IS NULL OR ${o}locked_until < now())))
  AND (${o}next_run_at IS NULL OR ${o}next_run_at <= now())`;

/**
 * Whose executor slots an order uses (docs/security.md, "Outbound deadlines and fairness"): the
 * top-level organization (a child of the root) with its whole subtree; the root's own orders are a
 * group of their own (minus the root's id, so that it never equals a child's id).
 */
const fairnessGroup = (g: string) =>
  `CASE WHEN ${g}.parent_id IS NULL THEN -${g}.id WHEN cardinality(${g}.ancestor_ids) <= 1 THEN ${g}.id ELSE ${g}.ancestor_ids[2] END`;

/** One run's journal writes (OrdersRepository.writeJournal). */
export interface JournalWrite {
  finishes: readonly { seq: number; output: Record<string, unknown> }[];
  errors: readonly { seq: number; error: StepError }[];
  /** Steps to mark RUNNING, their attempt counted. */
  begins: readonly number[];
  /** The order's current step (kept when null) and result (kept when null), its progress recounted; null: the order row is not written. */
  progress: { currentStep: string | null; result: OrderResult | null } | null;
}

/**
 * OrdersRepository.writeJournal. Every sub-statement sees the rows as they were before the statement, so
 * progress counts the steps DONE before it, less those it finishes again, plus those it finishes.
 */
const WRITE_JOURNAL: NamedStatement = {
  name: 'orders-write-journal',
  text: `WITH fence AS MATERIALIZED (
           SELECT id FROM orders WHERE id = $1 AND locked_by = $2 AND status = 'IN_PROGRESS' AND locked_until > now() FOR UPDATE
         ), finished AS (
           UPDATE order_steps s SET status = 'DONE', finished_at = now(), output = v.output::jsonb, error = NULL
             FROM unnest($3::int[], $4::text[]) AS v(seq, output)
            WHERE s.order_id = (SELECT id FROM fence) AND s.seq = v.seq
           RETURNING s.seq
         ), noted AS (
           UPDATE order_steps s SET error = v.error::jsonb
             FROM unnest($5::int[], $6::text[]) AS v(seq, error)
            WHERE s.order_id = (SELECT id FROM fence) AND s.seq = v.seq
         ), begun AS (
           UPDATE order_steps SET status = 'RUNNING', attempts = attempts + 1, started_at = COALESCE(started_at, now()), error = NULL
            WHERE order_id = (SELECT id FROM fence) AND seq = ANY($7::int[])
           RETURNING seq, attempts
         ), progress AS (
           UPDATE orders SET current_step = COALESCE($9::text, current_step), result = COALESCE($10::jsonb, result),
                  progress_done = CASE WHEN cardinality($3::int[]) = 0 THEN progress_done
                                       ELSE (SELECT count(*) FROM order_steps WHERE order_id = $1 AND status = 'DONE' AND NOT (seq = ANY($3::int[])))
                                          + (SELECT count(*) FROM finished) END
            WHERE id = (SELECT id FROM fence) AND $8::boolean
         )
         SELECT EXISTS (SELECT 1 FROM fence) AS held,
                COALESCE((SELECT array_agg(seq ORDER BY seq) FROM begun), '{}') AS seqs,
                COALESCE((SELECT array_agg(attempts ORDER BY seq) FROM begun), '{}') AS attempts`,
};

/** Up to this many organizations, a page of a subtree's orders is read organization by organization. */
const SMALL_SUBTREE = 2000;

/**
 * Every statement on `orders` and `order_steps`. Methods that must be part of a caller's transaction
 * take its EntityManager; the others use the pool. Status writes are called by the order lifecycle
 * only (src/orders/order-lifecycle.ts).
 */
@Injectable()
export class OrdersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- creation -------------------------------------------------------------------------------

  /** A key older than the window is released, so that it starts a new order. */
  async releaseExpiredIdempotencyKey(manager: EntityManager, organizationId: number, key: string, windowHours: number): Promise<void> {
    await manager.query(
      `UPDATE orders SET idempotency_key = NULL
        WHERE organization_id = $1 AND idempotency_key = $2 AND created_at < now() - make_interval(hours => $3)`,
      [organizationId, key, windowHours],
    );
  }

  /**
   * Inserts a NOT_STARTED order; undefined when the organization already has an order with the
   * Idempotency-Key (ON CONFLICT instead of catching a unique violation, which would end the transaction).
   */
  async insert(manager: EntityManager, row: NewOrderRow, stepCount: number): Promise<number | undefined> {
    const inserted: { id: number }[] = await manager.query(
      `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration,
                           idempotency_key, request_hash, progress_total, plan_hash)
       VALUES ($1, 'NOT_STARTED', $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
       ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [row.organizationId, row.serverUrl, row.tenantName, row.callbackUrl, JSON.stringify(row.configuration), row.idempotencyKey, row.requestHash, stepCount, row.planHash],
    );
    return inserted[0]?.id;
  }

  async findByIdempotencyKey(manager: EntityManager, organizationId: number, key: string): Promise<{ id: number; requestHash: string | null } | undefined> {
    const [row]: { id: number; request_hash: string | null }[] = await manager.query(
      `SELECT id, request_hash FROM orders WHERE organization_id = $1 AND idempotency_key = $2`,
      [organizationId, key],
    );
    return row && { id: row.id, requestHash: row.request_hash };
  }

  /**
   * The journal's steps, in one statement with six array parameters whatever their number (one
   * parameter per value, as TypeORM's insert builds it, cost a quarter of POST /api/v1/provision's
   * throughput: docs/benchmarks.md).
   */
  async insertSteps(manager: EntityManager, orderId: number, steps: readonly NewStepRow[]): Promise<void> {
    await manager.query(
      `INSERT INTO order_steps (order_id, seq, stage, kind, subject, name)
       SELECT $1, v.seq, v.stage, v.kind, v.subject, v.name
         FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) AS v(seq, stage, kind, subject, name)`,
      [orderId, steps.map((s) => s.seq), steps.map((s) => s.stage), steps.map((s) => s.kind), steps.map((s) => s.subject), steps.map((s) => s.name)],
    );
  }

  async storeSealedToken(manager: EntityManager, orderId: number, sealed: string): Promise<void> {
    await manager.query(`UPDATE orders SET tenant_token_sealed = $2 WHERE id = $1`, [orderId, sealed]);
  }

  async hasSealedToken(manager: EntityManager, orderId: number): Promise<boolean> {
    const [row]: { present: boolean }[] = await manager.query(`SELECT tenant_token_sealed IS NOT NULL AS present FROM orders WHERE id = $1`, [orderId]);
    return row?.present === true;
  }

  // ---- quotas ---------------------------------------------------------------------------------

  /**
   * Locks the scope's organization row: creators and retriers in one scope take turns, so that a
   * count sees every order committed before and two racing requests cannot both pass.
   */
  async lockQuotaScope(manager: EntityManager, scope: QuotaScope): Promise<void> {
    await manager.query(`SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [scope.id]);
  }

  /** NOT_STARTED and IN_PROGRESS orders in the scope, `exceptId` left out. */
  async countUnfinished(manager: EntityManager, scope: QuotaScope, exceptId: number): Promise<number> {
    const [{ n }]: { n: number }[] = await manager.query(
      scope.subtree
        ? `SELECT count(*)::int AS n FROM orders o JOIN organizations g ON g.id = o.organization_id
            WHERE (g.id = $1 OR g.ancestor_ids @> ARRAY[$1]::int[]) AND o.status IN ('NOT_STARTED', 'IN_PROGRESS') AND o.id <> $2`
        : `SELECT count(*)::int AS n FROM orders WHERE organization_id = $1 AND status IN ('NOT_STARTED', 'IN_PROGRESS') AND id <> $2`,
      [scope.id, exceptId],
    );
    return n;
  }

  // ---- reads in the caller's scope ------------------------------------------------------------

  private scoped(manager: EntityManager, caller: Caller): SelectQueryBuilder<Order> {
    return manager.createQueryBuilder(Order, 'o').where(ownedInScope('o.organization_id'), scopeParams(caller));
  }

  /** The order if it is in the caller's subtree; `lock` takes its row lock (FOR UPDATE). */
  async findInScope(caller: Caller, id: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Order | null> {
    const query = this.scoped(manager, caller).andWhere('o.id = :id', { id });
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /**
   * A page of the orders of the caller's subtree, newest first. Two plans, so that a page costs about
   * the same at any size (docs/benchmarks.md, "Scale"): a subtree of at most SMALL_SUBTREE organizations
   * takes each organization's newest orders from the (organization_id, id) INCLUDE (status) index,
   * index-only, and keeps the newest of those — work in proportion to the subtree, not to the orders. A
   * larger subtree (the root, a big distributor) owns a large share of all orders, so walking the orders
   * newest first and keeping those in scope finds a page quickly (the plan PostgreSQL picks for the plain query).
   */
  async listPage<T>(caller: Caller, query: ListOrdersQuery, map: (order: Order) => T): Promise<Page<T>> {
    const filters: { sql: (alias: string) => string; params: Record<string, unknown> }[] = [];
    if (query.status) filters.push({ sql: (a) => `${a}.status = :status`, params: { status: query.status } });
    if (query.organizationId !== undefined) {
      filters.push({ sql: (a) => `${a}.organization_id = :orgId`, params: { orgId: query.organizationId } });
    }
    if (query.createdAfter) filters.push({ sql: (a) => `${a}.created_at >= :after`, params: { after: new Date(query.createdAfter) } });
    if (query.createdBefore) filters.push({ sql: (a) => `${a}.created_at < :before`, params: { before: new Date(query.createdBefore) } });
    const builder = this.scoped(this.dataSource.manager, caller);
    for (const filter of filters) builder.andWhere(filter.sql('o'), filter.params);
    if (await this.isSmallSubtree(caller)) {
      const inner = ['page_order.organization_id = page_org.id', ...filters.map((filter) => filter.sql('page_order'))];
      const params: Record<string, unknown> = { pageRows: (query.limit ?? DEFAULT_PAGE_SIZE) + 1 };
      if (query.cursor !== undefined) {
        inner.push('page_order.id < :innerCursor');
        params.innerCursor = decodeCursor(query.cursor);
      }
      builder.andWhere(
        `o.id IN (SELECT page_ids.id FROM organizations page_org
                    CROSS JOIN LATERAL (SELECT page_order.id FROM orders page_order WHERE ${inner.join(' AND ')}
                                         ORDER BY page_order.id DESC LIMIT :pageRows) page_ids
                   WHERE ${organizationInScope('page_org')}
                   ORDER BY page_ids.id DESC LIMIT :pageRows)`,
        params,
      );
    }
    return paginate(builder, 'o.id', query, map);
  }

  /** Whether the caller's subtree has at most SMALL_SUBTREE organizations (reads at most one more). */
  private async isSmallSubtree(caller: Caller): Promise<boolean> {
    const row = await this.dataSource.manager
      .createQueryBuilder()
      .select('count(*)::int', 'n')
      .from(
        (sub) =>
          sub
            .select('1')
            .from('organizations', 'size_org')
            .where(organizationInScope('size_org'), scopeParams(caller))
            .limit(SMALL_SUBTREE + 1),
        'subtree',
      )
      .getRawOne<{ n: number }>();
    return (row?.n ?? 0) <= SMALL_SUBTREE;
  }

  /** The journal of an order, as entities (the API's view). */
  async stepEntities(orderId: number): Promise<OrderStep[]> {
    return this.dataSource.manager.find(OrderStep, { where: { orderId }, order: { seq: 'ASC' } });
  }

  // ---- status (the order lifecycle's writes) --------------------------------------------------

  /**
   * Writes `to` and its columns if the order is still in `from`; whether it was (a concurrent change
   * makes it false, and the caller's transaction decides what that means).
   */
  async writeStatus(manager: EntityManager, orderId: number, from: OrderStatus, to: OrderStatus, columns: StatusColumns): Promise<boolean> {
    const { affected } = await modify(
      manager,
      `UPDATE orders
          SET status = $3,
              error = CASE WHEN $4 THEN $5::jsonb ELSE error END,
              result = COALESCE($6::jsonb, result),
              finished_at = CASE WHEN $7 THEN now() ELSE NULL END,
              locked_by = CASE WHEN $13::text IS NOT NULL THEN $13 WHEN $8 THEN NULL ELSE locked_by END,
              locked_until = CASE WHEN $13::text IS NOT NULL THEN now() + make_interval(secs => $14) WHEN $8 THEN NULL ELSE locked_until END,
              started_at = CASE WHEN $13::text IS NOT NULL THEN COALESCE(started_at, now()) ELSE started_at END,
              attempts = CASE WHEN $13::text IS NOT NULL THEN attempts + 1 ELSE attempts END,
              current_step = CASE WHEN $9 THEN NULL ELSE current_step END,
              next_run_at = CASE WHEN $10 THEN NULL ELSE next_run_at END,
              tenant_token_sealed = CASE WHEN $11 THEN NULL ELSE tenant_token_sealed END,
              master_token_sealed = CASE WHEN $11 THEN NULL ELSE master_token_sealed END,
              progress_done = CASE WHEN $12 THEN (SELECT count(*) FROM order_steps WHERE order_id = $1 AND status = 'DONE') ELSE progress_done END
        WHERE id = $1 AND status = $2`,
      [
        orderId,
        from,
        to,
        columns.error !== undefined,
        columns.error ? JSON.stringify(columns.error) : null,
        columns.result ? JSON.stringify(columns.result) : null,
        columns.finished,
        columns.releaseLease,
        columns.clearCurrentStep,
        columns.clearNextRun,
        columns.eraseToken,
        columns.countProgress,
        columns.lease?.holder ?? null,
        columns.lease?.seconds ?? 0,
      ],
    );
    return affected === 1;
  }

  /**
   * Claims up to `limits.limit` due orders into IN_PROGRESS under a lease of `me`, in one statement:
   * SKIP LOCKED lets several instances claim at once without waiting on each other, and orders of one
   * fairness group never hold more than `maxPerGroup` of this instance's slots, counting `held`.
   */
  async claimDue(manager: EntityManager, me: string, limits: ClaimLimits): Promise<ClaimRow[]> {
    const { rows } = await modify<ClaimRow>(
      manager,
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
                   o.tenant_token_sealed, o.plan_hash, o.tenant_source, due.previous_status, due.previous_locked_by, due.grp`,
        [me, limits.limit, limits.leaseSeconds, [...limits.held.keys()], [...limits.held.values()], limits.maxPerGroup, [...limits.running]],
    );
    return rows.sort((a, b) => a.id - b.id);
  }

  /** Whether any order is due (most executor polls find none: one plain read instead of a transaction). */
  async anyDue(): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM orders WHERE ${dueCondition('')} LIMIT 1`);
    return rows.length > 0;
  }

  // ---- leases ---------------------------------------------------------------------------------

  /** Extends the unexpired leases of `me` on these orders; the ids still held. */
  async extendLeases(me: string, orderIds: readonly number[], leaseSeconds: number): Promise<number[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await modify<{ id: number }>(
      this.dataSource,
      `UPDATE orders SET locked_until = now() + make_interval(secs => $3)
        WHERE id = ANY($2::int[]) AND locked_by = $1 AND status = 'IN_PROGRESS' AND locked_until > now()
        RETURNING id`,
      [me, [...orderIds], leaseSeconds],
    );
    return rows.map((row) => row.id);
  }

  /** Gives leases of `me` back at once (all, or these orders); how many. */
  async releaseLeases(me: string, orderIds?: readonly number[]): Promise<number> {
    const { affected } = await modify(
      this.dataSource,
      `UPDATE orders SET locked_by = NULL, locked_until = now()
        WHERE locked_by = $1 AND status = 'IN_PROGRESS' ${orderIds ? 'AND id = ANY($2::int[])' : ''}`,
      orderIds ? [me, [...orderIds]] : [me],
    );
    return affected;
  }

  /**
   * Locks the order row if `me` holds an unexpired lease on it; false otherwise. An expired lease is
   * lost even before another instance claims it: the claim and this check are then mutually exclusive
   * under the row lock, so two instances never both pass.
   */
  async lockIfLeased(manager: EntityManager, orderId: number, me: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM orders WHERE id = $1 AND locked_by = $2 AND status = 'IN_PROGRESS' AND locked_until > now() FOR UPDATE`,
      [orderId, me],
    );
    return rows.length > 0;
  }

  // ---- the step journal -----------------------------------------------------------------------

  async journalSteps(orderId: number): Promise<JournalStepRow[]> {
    return this.dataSource.query(
      `SELECT seq, stage, kind, subject, name, status, attempts, output FROM order_steps WHERE order_id = $1 ORDER BY seq`,
      [orderId],
    );
  }

  /**
   * Several journal writes of one run, fenced, in ONE statement (its own transaction): steps done
   * (output), errors of attempts that will be tried again (the steps stay RUNNING), steps marked
   * RUNNING with their attempt counted, then the order's current step, result and progress. The fence
   * locks the order row first (every other update waits on its value) and only if `me` holds an
   * unexpired lease; otherwise nothing is written and the answer is null. One statement instead of a
   * transaction of five to seven: each is a round trip and a socket write (docs/benchmarks.md, "The
   * executor's CPU per call"). A step appears at most once in a batch (the writer awaits each of a
   * step's writes before it queues the next).
   */
  async writeJournal(orderId: number, me: string, batch: JournalWrite): Promise<Map<number, number> | null> {
    const [row] = await queryNamed<{ held: boolean; seqs: number[]; attempts: number[] }>(this.dataSource, WRITE_JOURNAL, [
      orderId,
      me,
      batch.finishes.map((f) => f.seq),
      batch.finishes.map((f) => JSON.stringify(f.output)),
      batch.errors.map((e) => e.seq),
      batch.errors.map((e) => JSON.stringify(e.error)),
      batch.begins,
      batch.progress !== null,
      batch.progress?.currentStep ?? null,
      batch.progress?.result ? JSON.stringify(batch.progress.result) : null,
    ]);
    if (!row.held) return null;
    return new Map(row.seqs.map((seq, i) => [seq, row.attempts[i]]));
  }

  async failStep(manager: EntityManager, orderId: number, seq: number, error: StepError): Promise<void> {
    await manager.query(`UPDATE order_steps SET status = 'FAILED', finished_at = now(), error = $3::jsonb WHERE order_id = $1 AND seq = $2`, [
      orderId,
      seq,
      JSON.stringify(error),
    ]);
  }

  /** Steps that were running beside a failed one stop where they are; a retry runs them again. */
  async stopRunningSteps(manager: EntityManager, orderId: number): Promise<void> {
    await manager.query(`UPDATE order_steps SET status = 'PENDING' WHERE order_id = $1 AND status = 'RUNNING'`, [orderId]);
  }

  /** A retried order runs its FAILED and RUNNING steps again. */
  async resetUnfinishedSteps(manager: EntityManager, orderId: number): Promise<void> {
    await manager.query(`UPDATE order_steps SET status = 'PENDING', error = NULL WHERE order_id = $1 AND status IN ('FAILED', 'RUNNING')`, [orderId]);
  }
}
