import type { INestApplication } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SETTINGS, type RuntimeSettings } from '../../src/config/runtime-settings.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { WebhookSecretsService } from '../../src/webhooks/webhook-secrets.service.js';
import type { DeliveryResult } from '../../src/webhooks/webhook-sender.js';
import { WebhookWakeup } from '../../src/webhooks/webhook-wakeup.js';
import { WebhooksRepository, type ClaimedMessage } from '../../src/webhooks/webhooks.repository.js';

/**
 * A dispatcher that can be "killed" between sending a message and recording the attempt, as a process
 * that dies mid-send would be: nothing is recorded, and the claim's lease is left to run out
 * (docs/webhooks.md, "Delivery"). Built on a running application's providers, next to (not instead of)
 * its own dispatcher; stop that one before starting this one, they share the poll timer's name.
 */
export class KillableWebhookDispatcher extends WebhookDispatcher {
  private killed = false;

  static on(app: INestApplication): KillableWebhookDispatcher {
    return new KillableWebhookDispatcher(
      app.get(WebhooksRepository),
      app.get<RuntimeSettings>(SETTINGS),
      app.get(WebhookSecretsService),
      app.get(WebhookWakeup),
      app.get(SchedulerRegistry),
      app.get(MetricsService),
    );
  }

  /** Stops claiming at once; sends in flight may still complete, but none of them is recorded. */
  kill(): void {
    this.killed = true;
    void this.stop();
  }

  /** Releases its HTTP agents (it is not an application provider, so no shutdown hook does). */
  async close(): Promise<void> {
    await this.onApplicationShutdown();
  }

  protected override async record(message: ClaimedMessage, result: DeliveryResult): Promise<void> {
    if (!this.killed) await super.record(message, result);
  }
}
