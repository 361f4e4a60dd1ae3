import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { TenantLicenses } from './order.entity.js';

/** TypeORM answers an UPDATE … RETURNING with `[rows, affected]`, other statements with the rows. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** What a run of a park order reads besides the claimed order (docs/provisioning.md, "Park orders"). */
export interface ParkOrderRow {
  tenantSource: string;
  tenantDatabaseId: string | null;
  tenantLicenses: TenantLicenses | null;
  masterTokenSealed: string | null;
}

/**
 * The park-order columns of `orders` (tenant source, licences, the sealed master-tenant token, the
 * tenant taken). Writes made during a run are fenced like the journal's: only while this instance
 * holds an unexpired lease on the order.
 */
@Injectable()
export class ParkOrderRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** At creation, in the creating transaction: the order is a park order. */
  async markPark(manager: EntityManager, orderId: number, licenses: TenantLicenses | null, masterTokenSealed: string | null): Promise<void> {
    await manager.query(`UPDATE orders SET tenant_source = 'park', tenant_licenses = $2::jsonb, master_token_sealed = $3 WHERE id = $1`, [
      orderId,
      licenses === null ? null : JSON.stringify(licenses),
      masterTokenSealed,
    ]);
  }

  async replaceMasterToken(manager: EntityManager, orderId: number, sealed: string): Promise<void> {
    await manager.query(`UPDATE orders SET master_token_sealed = $2 WHERE id = $1`, [orderId, sealed]);
  }

  async hasMasterToken(manager: EntityManager, orderId: number): Promise<boolean> {
    const [row]: { present: boolean }[] = await manager.query(`SELECT master_token_sealed IS NOT NULL AS present FROM orders WHERE id = $1`, [orderId]);
    return row?.present === true;
  }

  /** A retried park order logs in to its tenant again: its `tenant` step runs again (it finds the tenant it took). */
  async reopenTenantStep(manager: EntityManager, orderId: number): Promise<void> {
    await manager.query(`UPDATE order_steps SET status = 'PENDING', error = NULL WHERE order_id = $1 AND kind = 'tenant'`, [orderId]);
  }

  async read(orderId: number): Promise<ParkOrderRow | undefined> {
    const [row]: { tenant_source: string; tenant_database_id: string | null; tenant_licenses: TenantLicenses | null; master_token_sealed: string | null }[] =
      await this.dataSource.query(`SELECT tenant_source, tenant_database_id, tenant_licenses, master_token_sealed FROM orders WHERE id = $1`, [orderId]);
    return row
      ? { tenantSource: row.tenant_source, tenantDatabaseId: row.tenant_database_id, tenantLicenses: row.tenant_licenses, masterTokenSealed: row.master_token_sealed }
      : undefined;
  }

  /**
   * The tenant session a park order's `tenant` step opened becomes the order's tenant token (sealed
   * by the caller), for the remaining steps and for a take-over. False when the lease is gone.
   */
  async keepTenantToken(me: string, orderId: number, sealed: string): Promise<boolean> {
    const rows = rowsOf<{ id: number }>(
      await this.dataSource.query(
        `UPDATE orders SET tenant_token_sealed = $3
          WHERE id = $1 AND locked_by = $2 AND status = 'IN_PROGRESS' AND locked_until > now()
          RETURNING id`,
        [orderId, me, sealed],
      ),
    );
    return rows.length === 1;
  }
}
