import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { logOfCaller, type Caller } from '../common/auth/caller.js';
import { withContext } from '../common/logging/request-context.js';
import { canonicalJson } from '../common/canonical-json.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { ApiError } from '../common/http/error-response.js';
import { assertSafeUrl, UnsafeUrlError } from '../common/http/url-safety.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { invalidConfiguration } from '../configuration/configuration.errors.js';
import { ConfigurationValidator } from '../configuration/configuration.validator.js';
import { OrderAdmission } from '../orders/order-admission.js';
import { tenantTokenAad } from '../orders/order.sealed-column.js';
import { OrdersRepository } from '../orders/orders.repository.js';
import { ParkOrders } from '../orders/park-orders.js';
import { HEADER, type ProvisionHeaders } from '../orders/provision-headers.js';
import type { Configuration } from '../configuration/configuration.types.js';
import { planSteps } from './provisioning-plan.js';

/** How long an Idempotency-Key keeps answering with its order (docs/provisioning.md, "Idempotency-Key"). */
export const IDEMPOTENCY_WINDOW_HOURS = 24;

/**
 * What an Idempotency-Key is bound to: the body and where it goes (server, tenant, callback). The
 * token is left out, so that a client may repeat a request with a refreshed token.
 */
export function requestHash(headers: ProvisionHeaders, body: unknown): string {
  const bound = {
    body,
    serverUrl: headers.serverUrl,
    tenantName: headers.tenantName,
    callbackUrl: headers.callbackUrl,
    // Only when given, so that the hashes of requests without If-Match stay what they were.
    ...(headers.planHash ? { planHash: headers.planHash } : {}),
    // A park order's key is bound to its being a park order and to its licences too.
    ...(headers.source === 'park' ? { park: { licenses: headers.licenses } } : {}),
  };
  return createHash('sha256').update(canonicalJson(bound)).digest('hex');
}

export interface CreatedOrder {
  id: number;
  /** False when an earlier order with the same Idempotency-Key and request was returned. */
  created: boolean;
}

/**
 * Accepting an order (POST /api/v1/provision): validate the configuration, check where it goes, plan
 * its steps and store the order with its journal in one transaction. From then on the order is the
 * executor's.
 */
@Injectable()
export class OrderIntake {
  private readonly logger = new Logger('Orders');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly box: SecretBox,
    private readonly validator: ConfigurationValidator,
    private readonly orders: OrdersRepository,
    private readonly admission: OrderAdmission,
    private readonly park: ParkOrders,
  ) {}

  /** POST /api/v1/provision, once the headers' syntax has been checked. */
  async create(caller: Caller, headers: ProvisionHeaders, body: unknown): Promise<CreatedOrder> {
    await this.park.checkAccess(caller.organizationId, headers);
    const validation = await this.validator.validateAsync(body);
    if (!validation.valid) throw invalidConfiguration(validation.errors);
    const configuration: Configuration = validation.configuration;
    await this.checkServer(caller, headers.serverUrl);
    if (headers.callbackUrl) await this.assertSafe(HEADER.callbackUrl, headers.callbackUrl);

    const hash = headers.idempotencyKey ? requestHash(headers, body) : null;
    const steps = planSteps(configuration, { park: headers.source === 'park' });
    const scope = this.admission.quotaScope({ id: caller.organizationId, ancestorIds: caller.ancestorIds });
    const result = await this.dataSource.transaction(async (manager) => {
      await this.admission.lockQuota(manager, scope);
      if (headers.idempotencyKey) await this.orders.releaseExpiredIdempotencyKey(manager, caller.organizationId, headers.idempotencyKey, IDEMPOTENCY_WINDOW_HOURS);
      const id = await this.orders.insert(
        manager,
        {
          organizationId: caller.organizationId,
          serverUrl: headers.serverUrl,
          tenantName: headers.tenantName,
          callbackUrl: headers.callbackUrl,
          configuration,
          idempotencyKey: headers.idempotencyKey,
          requestHash: hash,
          planHash: headers.planHash,
        },
        steps.length,
      );
      if (id === undefined) {
        const existing = (await this.orders.findByIdempotencyKey(manager, caller.organizationId, headers.idempotencyKey!))!;
        if (existing.requestHash !== hash) {
          throw new ApiError(
            HttpStatus.UNPROCESSABLE_ENTITY,
            `${HEADER.idempotencyKey} was used within the last ${IDEMPOTENCY_WINDOW_HOURS} hours for another request (order ${existing.id}); use a new key for a different request`,
          );
        }
        return { id: existing.id, created: false };
      }
      // Counted after the insert (a repeated Idempotency-Key above still answers at the limit).
      await this.admission.checkQuota(manager, scope, id);
      // The order id is part of the AAD, so the token is sealed once the id is known, in the same transaction.
      if (headers.tenantToken !== null) await this.orders.storeSealedToken(manager, id, this.box.seal(headers.tenantToken, tenantTokenAad(id)));
      if (headers.source === 'park') await this.park.markCreated(manager, id, headers);
      await this.orders.insertSteps(manager, id, steps);
      return { id, created: true };
    });
    if (result.created) this.logger.log(withContext(`order ${result.id} created with ${steps.length} steps`, { ...logOfCaller(caller), orderId: result.id }));
    return result;
  }

  /** 400 naming Xelion-Server-Url when it is unsafe (docs/security.md) or not allowed for the caller's organization. */
  async checkServer(caller: Caller, serverUrl: string): Promise<void> {
    await this.assertSafe(HEADER.serverUrl, serverUrl);
    await this.admission.assertServerAllowed(caller.organizationId, serverUrl);
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
}
