import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { modify } from '../common/database/affected.js';
import { WebhookSecret } from './webhook-secret.entity.js';

/**
 * The webhook_secrets table: one sealed signing secret per organization, and during a rotation's overlap
 * the previous one (docs/webhooks.md, "Signing secrets"). Values arrive and leave sealed; sealing and
 * opening are the service's. Methods that take a `manager` run in the caller's transaction (default: none).
 */
@Injectable()
export class WebhookSecretsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The organization's row; with `lock`, locked FOR UPDATE until the transaction of `manager` ends. */
  find(organizationId: number, manager: EntityManager = this.dataSource.manager, lock = false): Promise<WebhookSecret | null> {
    const query = manager.createQueryBuilder(WebhookSecret, 's').where('s.organization_id = :organizationId', { organizationId });
    if (lock) query.setLock('pessimistic_write');
    return query.getOne();
  }

  /**
   * Stores a first secret unless the organization already has one (concurrent first uses: one wins, the
   * others change nothing). True when this call inserted it.
   */
  async insertIfAbsent(organizationId: number, secretSealed: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO webhook_secrets (organization_id, secret_sealed) VALUES ($1, $2) ON CONFLICT (organization_id) DO NOTHING RETURNING organization_id`,
      [organizationId, secretSealed],
    )) as { organization_id: number }[];
    return rows.length === 1;
  }

  /**
   * Makes `secretSealed` the current secret; the current one becomes the previous one, which keeps signing
   * for `overlapSeconds`. Answers the row after the change, or null when the organization has no secret yet.
   */
  async rotate(manager: EntityManager, organizationId: number, secretSealed: string, overlapSeconds: number): Promise<WebhookSecret | null> {
    const { affected } = await modify(
      manager,
      `UPDATE webhook_secrets
          SET previous_secret_sealed = secret_sealed, previous_expires_at = now() + make_interval(secs => $3),
              secret_sealed = $2, rotated_at = now()
        WHERE organization_id = $1`,
      [organizationId, secretSealed, overlapSeconds],
    );
    return affected === 1 ? this.find(organizationId, manager) : null;
  }
}
