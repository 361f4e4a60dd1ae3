import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A park tenant this service took (or is taking) for an organization. */
export interface TenantIntentRow {
  organizationId: number;
  orderId: number | null;
  databaseId: string;
  tenantName: string;
}

/** What recording an intent found (docs/provisioning.md, "Park orders"). */
export type IntentOutcome =
  /** Recorded for this order: the tenant may be renamed now. */
  | { kind: 'recorded' }
  /** The name is recorded already, for this tenant or another, by this organization or another. */
  | { kind: 'nameTaken'; intent: TenantIntentRow }
  /** The tenant is recorded already under another name (another order took it meanwhile). */
  | { kind: 'tenantTaken'; intent: TenantIntentRow };

interface IntentDbRow {
  organization_id: number;
  order_id: number | null;
  database_id: string;
  tenant_name: string;
}

const rowOf = (row: IntentDbRow): TenantIntentRow => ({ organizationId: row.organization_id, orderId: row.order_id, databaseId: row.database_id, tenantName: row.tenant_name });

/**
 * The `park_tenant_intents` table: which park tenant this service took for which organization, and
 * under which name. An intent is written before the renaming PATCH, in the same fenced transaction
 * that records the tenant on the order, so that a crash between the two never takes a second tenant
 * and a name is never reused by an organization that did not take it.
 */
@Injectable()
export class TenantIntentRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The intent for a tenant of a server, by its databaseId. */
  async ofTenant(serverUrl: string, databaseId: string): Promise<TenantIntentRow | undefined> {
    const [row]: IntentDbRow[] = await this.dataSource.query(
      `SELECT organization_id, order_id, database_id, tenant_name FROM park_tenant_intents WHERE server_url = $1 AND database_id = $2`,
      [serverUrl, databaseId],
    );
    return row ? rowOf(row) : undefined;
  }

  /** The databaseIds of a server's tenants that have an intent (taken, or being taken, by some order). */
  async takenOn(serverUrl: string, databaseIds: string[]): Promise<Set<string>> {
    const rows: { database_id: string }[] = await this.dataSource.query(
      `SELECT database_id FROM park_tenant_intents WHERE server_url = $1 AND database_id = ANY($2::text[])`,
      [serverUrl, databaseIds],
    );
    return new Set(rows.map((row) => row.database_id));
  }

  /**
   * Records that `orderId` takes tenant `databaseId` under `tenantName` for `organizationId`, and the
   * tenant on the order — only while `me` holds the order's lease (else false: write nothing more).
   * An existing intent of the same organization, tenant and name is the order's to reuse.
   */
  async record(
    me: string,
    intent: { organizationId: number; orderId: number; serverUrl: string; databaseId: string; tenantName: string },
  ): Promise<IntentOutcome | false> {
    return this.dataSource.transaction(async (manager) => {
      const fenced: unknown[] = await manager.query(
        `SELECT id FROM orders WHERE id = $1 AND locked_by = $2 AND status = 'IN_PROGRESS' AND locked_until > now() FOR UPDATE`,
        [intent.orderId, me],
      );
      if (fenced.length === 0) return false;
      const inserted: unknown[] = await manager.query(
        `INSERT INTO park_tenant_intents (organization_id, order_id, server_url, database_id, tenant_name)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id`,
        [intent.organizationId, intent.orderId, intent.serverUrl, intent.databaseId, intent.tenantName],
      );
      if (inserted.length === 0) {
        const rows: IntentDbRow[] = await manager.query(
          `SELECT organization_id, order_id, database_id, tenant_name FROM park_tenant_intents
            WHERE server_url = $1 AND (tenant_name = $2 OR database_id = $3)
            ORDER BY (tenant_name = $2) DESC LIMIT 1`,
          [intent.serverUrl, intent.tenantName, intent.databaseId],
        );
        const existing = rowOf(rows[0]);
        const same = existing.organizationId === intent.organizationId && existing.databaseId === intent.databaseId && existing.tenantName === intent.tenantName;
        if (!same) return existing.tenantName === intent.tenantName ? { kind: 'nameTaken', intent: existing } : { kind: 'tenantTaken', intent: existing };
      }
      await manager.query(`UPDATE orders SET tenant_database_id = $2 WHERE id = $1`, [intent.orderId, intent.databaseId]);
      return { kind: 'recorded' };
    });
  }
}
