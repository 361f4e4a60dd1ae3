import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { organizationInScope, ownedInScope, scopeParams } from '../common/auth/tree-scope.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, paginate, type Page } from '../common/http/pagination.js';
import { assertSafeUrl, UnsafeUrlError } from '../common/http/url-safety.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { OrganizationsService, quotaSubtreeOf } from '../organizations/organizations.service.js';
import { ConfigurationValidator } from '../configuration/configuration.validator.js';
import { invalidConfiguration } from '../configuration/configuration.errors.js';
import type { Configuration } from '../provisioning/configuration-view.js';
import { planSteps } from '../provisioning/provisioning-plan.js';
import { ListOrdersQuery, OrderDto, OrderStepDto } from './dto/order.dto.js';
import { OrderStep } from './order-step.entity.js';
import { OrderTransitions } from './order-transitions.js';
import { Order, type OrderError } from './order.entity.js';
import { tenantTokenAad } from './order.sealed-column.js';
import { ParkOrders } from './park-orders.js';
import { HEADER, type ProvisionHeaders } from './provision-headers.js';
import { RetryLaterError } from './retry-after.interceptor.js';

/** The Retry-After of a 429 for MAX_UNFINISHED_ORDERS: unfinished orders end on their own, in some time. */
export const UNFINISHED_ORDERS_RETRY_AFTER_SECONDS = 30;

/** How long an Idempotency-Key keeps answering with its order (docs/provisioning.md, "Idempotency-Key"). */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

export function orderNotFound(id: number): NotFoundException {
  return new NotFoundException(`order ${id} not found`);
}

/** JSON with object keys sorted, so that the same document always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What an Idempotency-Key is bound to: the body and where it goes (server, tenant, callback). The
 * token is left out, so that a client may repeat a request with a refreshed token.
 */
export function requestHash(headers: ProvisionHeaders, body: unknown): string {
  const bound = { body, serverUrl: headers.serverUrl, tenantName: headers.tenantName, callbackUrl: headers.callbackUrl, ...parkBinding(headers) };
  return createHash('sha256').update(canonicalJson(bound)).digest('hex');
}

/** A park order's key is bound to its being a park order and to its licences too (token orders hash as before). */
function parkBinding(headers: ProvisionHeaders): { park?: { licenses: unknown } } {
  return headers.source === 'park' ? { park: { licenses: headers.licenses } } : {};
}

/** Up to this many organizations, a page of a subtree's orders is read organization by organization. */
const SMALL_SUBTREE = 2000;

export interface CreatedOrder {
  id: number;
  /** False when an earlier order with the same Idempotency-Key and request was returned. */
  created: boolean;
}

@Injectable()
export class OrdersService {
  private readonly logger = new Logger('Orders');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly box: SecretBox,
    private readonly validator: ConfigurationValidator,
    private readonly transitions: OrderTransitions,
    private readonly organizations: OrganizationsService,
    private readonly park: ParkOrders,
  ) {}

  /**
   * MAX_UNFINISHED_ORDERS (docs/security.md, "Quotas per subtree"): where the unfinished orders of an
   * order of `organization` are counted — the subtree of the root's child on its path, which holds
   * the subtrees of the organization and of each ancestor below the root, so one count covers them
   * all and creating children does not escape it; the root's own orders are counted alone.
   */
  private quotaScope(organization: { id: number; ancestorIds: number[] }): { id: number; subtree: boolean } {
    const subtree = quotaSubtreeOf(organization);
    return subtree === undefined ? { id: organization.id, subtree: false } : { id: subtree, subtree: true };
  }

  /**
   * Locks the scope's row: creators and retriers in one scope take turns, so that the count sees
   * every order committed before and two racing requests cannot both pass.
   */
  private async lockQuotaScope(manager: EntityManager, scope: { id: number }): Promise<void> {
    await manager.query(`SELECT id FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, [scope.id]);
  }

  /** Refuses (429, Retry-After) when the scope already holds MAX_UNFINISHED_ORDERS unfinished orders besides `exceptId`. */
  private async checkUnfinished(manager: EntityManager, scope: { id: number; subtree: boolean }, exceptId: number): Promise<void> {
    const max = this.settings.limits.maxUnfinishedOrders;
    const [{ n }]: { n: number }[] = await manager.query(
      scope.subtree
        ? `SELECT count(*)::int AS n FROM orders o JOIN organizations g ON g.id = o.organization_id
            WHERE (g.id = $1 OR g.ancestor_ids @> ARRAY[$1]::int[]) AND o.status IN ('NOT_STARTED', 'IN_PROGRESS') AND o.id <> $2`
        : `SELECT count(*)::int AS n FROM orders WHERE organization_id = $1 AND status IN ('NOT_STARTED', 'IN_PROGRESS') AND id <> $2`,
      [scope.id, exceptId],
    );
    if (n >= max) {
      const holder = scope.subtree ? `the subtree of organization ${scope.id}` : `organization ${scope.id}`;
      throw new RetryLaterError(
        `${holder} has ${n} unfinished orders (NOT_STARTED or IN_PROGRESS), the limit (MAX_UNFINISHED_ORDERS) is ${max}` +
          `${scope.subtree ? ' per subtree below the root' : ''}; wait until some finish, or cancel NOT_STARTED ones`,
        UNFINISHED_ORDERS_RETRY_AFTER_SECONDS,
      );
    }
  }

  /** 400 naming Xelion-Server-Url when an allowedServerHosts list on the organization's path refuses the server. */
  private async assertServerAllowed(organizationId: number, serverUrl: string, manager?: EntityManager): Promise<void> {
    const refusal = await this.organizations.serverHostRefusal(organizationId, serverUrl, manager);
    if (refusal !== undefined) {
      const message = `${HEADER.serverUrl} header is not acceptable: ${refusal}`;
      throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: HEADER.serverUrl, message }] });
    }
  }

  /** POST /api/v1/provision, once the headers' syntax has been checked. */
  async create(caller: Caller, headers: ProvisionHeaders, body: unknown): Promise<CreatedOrder> {
    await this.park.checkAccess(caller.organizationId, headers);
    const validation = await this.validator.validateAsync(body);
    if (!validation.valid) throw invalidConfiguration(validation.errors);
    const configuration = validation.configuration as unknown as Configuration;
    await this.assertSafe(HEADER.serverUrl, headers.serverUrl);
    await this.assertServerAllowed(caller.organizationId, headers.serverUrl);
    if (headers.callbackUrl) await this.assertSafe(HEADER.callbackUrl, headers.callbackUrl);

    const hash = headers.idempotencyKey ? requestHash(headers, body) : null;
    const steps = planSteps(configuration, { park: headers.source === 'park' });
    const maxUnfinished = this.settings.limits.maxUnfinishedOrders;
    const scope = this.quotaScope({ id: caller.organizationId, ancestorIds: caller.ancestorIds });
    const result = await this.dataSource.transaction(async (manager) => {
      if (maxUnfinished > 0) await this.lockQuotaScope(manager, scope);
      if (headers.idempotencyKey) {
        // A key older than the window is released, so that it starts a new order.
        await manager.query(
          `UPDATE orders SET idempotency_key = NULL
            WHERE organization_id = $1 AND idempotency_key = $2 AND created_at < now() - make_interval(hours => $3)`,
          [caller.organizationId, headers.idempotencyKey, IDEMPOTENCY_WINDOW_HOURS],
        );
      }
      // ON CONFLICT instead of catching a unique violation: a failed statement would end the transaction.
      const inserted: { id: number }[] = await manager.query(
        `INSERT INTO orders (organization_id, status, tenant_server_url, tenant_name, callback_url, configuration,
                             idempotency_key, request_hash, progress_total)
         VALUES ($1, 'NOT_STARTED', $2, $3, $4, $5::jsonb, $6, $7, $8)
         ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [
          caller.organizationId,
          headers.serverUrl,
          headers.tenantName,
          headers.callbackUrl,
          JSON.stringify(configuration),
          headers.idempotencyKey,
          hash,
          steps.length,
        ],
      );
      if (inserted.length === 0) {
        const [existing]: { id: number; request_hash: string }[] = await manager.query(
          `SELECT id, request_hash FROM orders WHERE organization_id = $1 AND idempotency_key = $2`,
          [caller.organizationId, headers.idempotencyKey],
        );
        if (existing.request_hash !== hash) {
          throw new ApiError(
            HttpStatus.UNPROCESSABLE_ENTITY,
            `${HEADER.idempotencyKey} was used within the last ${IDEMPOTENCY_WINDOW_HOURS} hours for another request (order ${existing.id}); use a new key for a different request`,
          );
        }
        return { id: existing.id, created: false };
      }
      const id = inserted[0].id;
      // Counted after the insert (a repeated Idempotency-Key above still answers at the limit).
      if (maxUnfinished > 0) await this.checkUnfinished(manager, scope, id);
      // The order id is part of the AAD, so the token is sealed once the id is known, in the same transaction.
      if (headers.tenantToken !== null) {
        await manager.query(`UPDATE orders SET tenant_token_sealed = $2 WHERE id = $1`, [id, this.box.seal(headers.tenantToken, tenantTokenAad(id))]);
      }
      if (headers.source === 'park') await this.park.markCreated(manager, id, headers);
      // One statement with six array parameters, whatever the number of steps. TypeORM's insert built one
      // parameter per value; replacing it took POST /api/v1/provision (small office) from 183 to 241 req/s
      // on PostgreSQL in bench/http.bench.ts.
      await manager.query(
        `INSERT INTO order_steps (order_id, seq, stage, kind, subject, name)
         SELECT $1, v.seq, v.stage, v.kind, v.subject, v.name
           FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::text[]) AS v(seq, stage, kind, subject, name)`,
        [id, steps.map((s) => s.seq), steps.map((s) => s.stage), steps.map((s) => s.kind), steps.map((s) => s.subject), steps.map((s) => s.name)],
      );
      return { id, created: true };
    });
    if (result.created) this.logger.log(`order ${result.id} created with ${steps.length} steps`);
    return result;
  }

  private async assertSafe(header: string, url: string): Promise<void> {
    try {
      await assertSafeUrl(url, this.settings.outboundAllowPrivate);
    } catch (error) {
      if (error instanceof UnsafeUrlError) {
        const message = `${header} header is not acceptable: ${error.message}`;
        throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: header, message }] });
      }
      throw error;
    }
  }

  private scoped(manager: EntityManager, caller: Caller) {
    return manager.createQueryBuilder(Order, 'o').where(ownedInScope('o.organization_id'), scopeParams(caller));
  }

  async findInScope(caller: Caller, id: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<Order> {
    const query = this.scoped(manager, caller).andWhere('o.id = :id', { id });
    if (lock) query.setLock('pessimistic_write');
    const order = await query.getOne();
    if (!order) throw orderNotFound(id);
    return order;
  }

  async get(caller: Caller, id: number): Promise<OrderDto> {
    return OrderDto.from(await this.findInScope(caller, id));
  }

  /**
   * The orders of the caller's subtree. `organizationId` narrows it; one outside the subtree simply
   * matches nothing (an empty page), as the scope is part of the WHERE.
   *
   * Two plans, so that a page costs about the same at any size (docs/benchmarks.md, "Scale"):
   * a subtree of at most SMALL_SUBTREE organizations takes each organization's newest orders from the
   * (organization_id, id) INCLUDE (status) index, index-only, and keeps the newest of those — work in
   * proportion to the subtree, not to the orders. A larger subtree (the root, a big distributor) owns a
   * large share of all orders, so walking the orders newest first and keeping those in scope finds a
   * page quickly (the plan PostgreSQL picks for the plain query).
   */
  async list(caller: Caller, query: ListOrdersQuery): Promise<Page<OrderDto>> {
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
    return paginate(builder, 'o.id', query, (order) => OrderDto.from(order, false));
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
    const count = row?.n ?? 0;
    return count <= SMALL_SUBTREE;
  }

  async steps(caller: Caller, id: number): Promise<OrderStepDto[]> {
    const order = await this.findInScope(caller, id);
    const steps = await this.dataSource.manager.find(OrderStep, { where: { orderId: order.id }, order: { seq: 'ASC' } });
    return steps.map(OrderStepDto.from);
  }

  /** Only NOT_STARTED: the order becomes FAILED with CANCELLED, its token erased. */
  async cancel(caller: Caller, id: number): Promise<OrderDto> {
    const order = await this.dataSource.transaction(async (manager) => {
      // The row lock makes cancel and the executor's claim (FOR UPDATE SKIP LOCKED) exclusive.
      const order = await this.findInScope(caller, id, manager, true);
      if (order.status !== 'NOT_STARTED') {
        throw new ApiError(HttpStatus.CONFLICT, `order ${id} is ${order.status}; only a NOT_STARTED order can be cancelled`);
      }
      const error: OrderError = { code: 'CANCELLED', message: 'the order was cancelled', step: null };
      await manager.query(
        `UPDATE orders SET status = 'FAILED', error = $2::jsonb, finished_at = now(), tenant_token_sealed = NULL, master_token_sealed = NULL,
                           locked_by = NULL, locked_until = NULL, current_step = NULL
          WHERE id = $1`,
        [order.id, JSON.stringify(error)],
      );
      await this.transitions.changed(manager, {
        orderId: order.id,
        organizationId: order.organizationId,
        callbackUrl: order.callbackUrl,
        previousStatus: order.status,
        status: 'FAILED',
        error,
      });
      return this.findInScope(caller, id, manager);
    });
    return OrderDto.from(order);
  }

  /**
   * Only FAILED: back to NOT_STARTED; the executor resumes at the first unfinished step. A new token
   * replaces the stored one; without one, the stored token is used, and when it was erased (the order
   * was cancelled, or Xelion rejected it) the header is required.
   */
  async retry(caller: Caller, id: number, newToken: string | undefined, newMasterToken?: string): Promise<OrderDto> {
    const maxUnfinished = this.settings.limits.maxUnfinishedOrders;
    const order = await this.dataSource.transaction(async (manager) => {
      // The quota scope's row is locked before the order's, in the order create takes them.
      const seen = await this.findInScope(caller, id, manager);
      const [owner]: { ancestor_ids: number[] }[] = await manager.query(`SELECT ancestor_ids FROM organizations WHERE id = $1`, [seen.organizationId]);
      const scope = this.quotaScope({ id: seen.organizationId, ancestorIds: owner.ancestor_ids });
      if (maxUnfinished > 0) await this.lockQuotaScope(manager, scope);
      const order = await this.findInScope(caller, id, manager, true);
      if (order.status !== 'FAILED') {
        throw new ApiError(HttpStatus.CONFLICT, `order ${id} is ${order.status}; only a FAILED order can be retried`);
      }
      // Like every other write about a disabled organization (docs/security.md, "Disabled organizations").
      if (await this.organizations.disabledOnPath(order.organizationId, manager)) {
        throw new ApiError(HttpStatus.CONFLICT, `organization ${order.organizationId} is disabled; its orders cannot be retried`);
      }
      await this.assertServerAllowed(order.organizationId, order.tenantServerUrl, manager);
      if (maxUnfinished > 0) await this.checkUnfinished(manager, scope, order.id);
      if (order.tenantSource === 'park') {
        await this.park.prepareRetry(manager, order, { tenantToken: newToken, masterToken: newMasterToken });
      } else if (newMasterToken !== undefined) {
        throw ParkOrders.notForTokenOrders(order.id);
      } else if (newToken !== undefined) {
        await manager.query(`UPDATE orders SET tenant_token_sealed = $2 WHERE id = $1`, [order.id, this.box.seal(newToken, tenantTokenAad(order.id))]);
      } else {
        const [{ present }]: { present: boolean }[] = await manager.query(
          `SELECT tenant_token_sealed IS NOT NULL AS present FROM orders WHERE id = $1`,
          [order.id],
        );
        if (!present) {
          const message = `${HEADER.tenantToken} header is required: the token of order ${id} was erased when it ${order.error?.code === 'CANCELLED' ? 'was cancelled' : 'was rejected'}`;
          throw new ApiError(HttpStatus.BAD_REQUEST, message, { details: [{ field: HEADER.tenantToken, message }] });
        }
      }
      await manager.query(
        `UPDATE orders SET status = 'NOT_STARTED', error = NULL, finished_at = NULL, next_run_at = NULL,
                           locked_by = NULL, locked_until = NULL, current_step = NULL
          WHERE id = $1`,
        [order.id],
      );
      await manager.query(`UPDATE order_steps SET status = 'PENDING', error = NULL WHERE order_id = $1 AND status IN ('FAILED', 'RUNNING')`, [
        order.id,
      ]);
      await this.transitions.changed(manager, {
        orderId: order.id,
        organizationId: order.organizationId,
        callbackUrl: order.callbackUrl,
        previousStatus: order.status,
        status: 'NOT_STARTED',
        error: null,
      });
      return this.findInScope(caller, id, manager);
    });
    this.logger.log(`order ${id} retried${newToken !== undefined ? ' with a new tenant token' : ''}`);
    return OrderDto.from(order);
  }
}
