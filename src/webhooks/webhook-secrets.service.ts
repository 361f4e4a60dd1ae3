import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Caller } from '../common/auth/caller.js';
import { SecretBox } from '../common/crypto/secret-box.js';
import { OrganizationsService } from '../organizations/organizations.service.js';
import type { WebhookSecret } from './webhook-secret.entity.js';
import { WebhookSecretsRepository } from './webhook-secrets.repository.js';
import { webhookSecretAad } from './webhook-secret.sealed-column.js';
import { generateWebhookSecret } from './webhook-signing.js';

/** For 24 hours after a rotation both the new and the old signature are sent (docs/webhooks.md, "Signing secrets"). */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface RevealedSecret {
  organizationId: number;
  secret: string;
  createdAt: Date;
  rotatedAt: Date | null;
  /** While the previous secret still signs (24 h after a rotation), when it stops; else null. */
  previousExpiresAt: Date | null;
}

/**
 * Each organization's signing secret (`whsec_` + base64 of 32 random bytes), sealed with SecretBox.
 * Created lazily — on the first GET or the first delivery — without a race: INSERT … ON CONFLICT DO
 * NOTHING, then read whichever row won. The plaintext is never logged.
 */
@Injectable()
export class WebhookSecretsService {
  constructor(
    // For the rotation's transaction boundary only; the SQL is in WebhookSecretsRepository.
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rows: WebhookSecretsRepository,
    private readonly box: SecretBox,
    private readonly organizations: OrganizationsService,
  ) {}

  private async ensure(organizationId: number, manager?: EntityManager, lock = false): Promise<WebhookSecret> {
    const existing = await this.rows.find(organizationId, manager, lock);
    if (existing) return existing;
    await this.rows.insertIfAbsent(organizationId, this.box.seal(generateWebhookSecret(), webhookSecretAad(organizationId)), manager);
    const created = await this.rows.find(organizationId, manager, lock);
    if (!created) throw new Error(`webhook secret of organization ${organizationId} could not be created`);
    return created;
  }

  private reveal(row: WebhookSecret, now = Date.now()): RevealedSecret {
    const previousLive = row.previousSecretSealed !== null && row.previousExpiresAt !== null && row.previousExpiresAt.getTime() > now;
    return {
      organizationId: row.organizationId,
      secret: this.box.open(row.secretSealed, webhookSecretAad(row.organizationId)),
      createdAt: row.createdAt,
      rotatedAt: row.rotatedAt,
      previousExpiresAt: previousLive ? row.previousExpiresAt : null,
    };
  }

  /**
   * The secrets to sign with for an organization's messages, newest first: the current one, plus the
   * previous one during the 24 h after a rotation.
   */
  async signingSecrets(organizationId: number): Promise<string[]> {
    const row = await this.ensure(organizationId);
    const aad = webhookSecretAad(organizationId);
    const secrets = [this.box.open(row.secretSealed, aad)];
    if (row.previousSecretSealed && row.previousExpiresAt && row.previousExpiresAt.getTime() > Date.now()) {
      secrets.push(this.box.open(row.previousSecretSealed, aad));
    }
    return secrets;
  }

  /** `GET /organizations/:id/webhook-secret`: for the organization and its ancestors (404 outside the scope). */
  async getForCaller(caller: Caller, organizationId: number): Promise<RevealedSecret> {
    await this.organizations.findInScope(caller, organizationId);
    return this.reveal(await this.ensure(organizationId));
  }

  /**
   * `POST /organizations/:id/webhook-secret/rotate`: a new current secret; the old one keeps signing
   * for 24 hours. 409 for a disabled organization.
   */
  async rotate(caller: Caller, organizationId: number): Promise<RevealedSecret> {
    await this.organizations.findActiveInScope(caller, organizationId);
    return this.dataSource.transaction(async (manager) => {
      // Creates the row if needed and locks it: two rotations take turns.
      await this.ensure(organizationId, manager, true);
      const fresh = this.box.seal(generateWebhookSecret(), webhookSecretAad(organizationId));
      const after = await this.rows.rotate(manager, organizationId, fresh, ROTATION_OVERLAP_MS / 1000);
      if (!after) throw new Error(`webhook secret of organization ${organizationId} vanished during its rotation`);
      return this.reveal(after);
    });
  }
}
