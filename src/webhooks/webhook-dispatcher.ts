import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookSecretsService } from './webhook-secrets.service.js';
import { nextRetryDelay, PRODUCTION_RETRY_SCHEDULE_MS } from './webhook-retry.js';
import { WebhookSender, type DeliveryResult } from './webhook-sender.js';
import { WebhookWakeup } from './webhook-wakeup.js';
import { WebhooksRepository, type AttemptOutcome, type ClaimedMessage } from './webhooks.repository.js';

const INTERVAL_NAME = 'webhooks-dispatcher';

/**
 * Delivers the outbox (docs/webhooks.md). Every WEBHOOK_POLL_MS (and at once when this instance
 * wrote a message), it claims due messages and sends each one outside any transaction, then records
 * the attempt and the new state in one transaction.
 *
 * - Per order, strictly in `mid` order: only the oldest pending message of an order can be claimed,
 *   so a later one waits until the earlier one is delivered or given up. Orders never wait on each other.
 * - Several instances: the claim is one `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED)` that sets a
 *   lease (`locked_by` = a token unique to that claim, `locked_until`); recording is fenced on the token.
 * - A dispatcher that dies mid-send loses nothing: its lease expires (WEBHOOK_LEASE_SECONDS) and the
 *   message is sent again, with the same `mid` as `webhook-id`, so receivers can de-duplicate.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly instanceId = randomUUID().slice(0, 8);
  private readonly schedule: readonly number[];
  private readonly sender: WebhookSender;
  private readonly inFlight = new Set<Promise<void>>();
  private running = false;
  private again = false;
  private started = false;
  private stopping = false;
  private claims = 0;

  constructor(
    private readonly messages: WebhooksRepository,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly secrets: WebhookSecretsService,
    private readonly wakeup: WebhookWakeup,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {
    this.schedule = settings.webhooks.retryScheduleMs ?? PRODUCTION_RETRY_SCHEDULE_MS;
    this.sender = new WebhookSender(settings.outboundAllowPrivate, settings.webhooks.timeoutMs);
  }

  onApplicationBootstrap(): void {
    if (this.settings.webhooks.dispatcherEnabled) this.start();
  }

  /** Starts polling (done at start-up unless WEBHOOK_DISPATCHER_ENABLED=false). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.wakeup.onWake(() => this.poke());
    const timer = setInterval(() => this.poke(), this.settings.webhooks.pollMs);
    timer.unref();
    this.scheduler.addInterval(INTERVAL_NAME, timer);
    this.poke();
  }

  /** Stops claiming, and waits for the sends in flight to be sent and recorded. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    this.wakeup.onWake(null);
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    while (this.running || this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
      if (this.running) await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
    this.sender.close();
  }

  /** Runs a claim round now, or right after the current one. */
  poke(): void {
    if (!this.started || this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    void this.claimRounds();
  }

  private async claimRounds(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        const free = this.settings.webhooks.concurrency - this.inFlight.size;
        if (free <= 0 || !this.started) break;
        const claimed = await this.claim(free);
        for (const message of claimed) this.track(message);
        if (claimed.length === free) this.again = true;
      } while (this.again && this.started);
    } catch (error) {
      if (this.started) this.logger.error(`claiming webhook messages failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }

  private track(message: ClaimedMessage): void {
    const work = this.deliver(message)
      .catch((error: unknown) => {
        this.logger.error(`webhook message ${message.mid}: recording the attempt failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(work);
        // The next message of this order may now be due; and a slot is free.
        this.poke();
      });
    this.inFlight.add(work);
  }

  /** Claims up to `limit` due messages, each the oldest pending one of its order, under a token unique to this claim. */
  private claim(limit: number): Promise<ClaimedMessage[]> {
    return this.messages.claimDue(`${this.instanceId}:${++this.claims}`, this.settings.webhooks.leaseSeconds, limit);
  }

  private async deliver(message: ClaimedMessage): Promise<void> {
    let result: DeliveryResult;
    try {
      const secrets = await this.secrets.signingSecrets(message.organizationId);
      result = await this.sender.send({ mid: message.mid, url: message.callbackUrl, body: message.body, secrets });
    } catch (error) {
      result = {
        outcome: 'retry',
        attemptedAt: new Date(),
        httpStatus: null,
        durationMs: 0,
        error: `could not sign the message: ${(error as Error).message}`.slice(0, 500),
        retryAfterMs: null,
      };
    }
    await this.record(message, result);
  }

  /**
   * Records the attempt and the message's new state (in one transaction, fenced on the claim's lease:
   * WebhooksRepository.recordAttempt). Protected so that a process killed between sending and recording
   * can be reproduced by a subclass that skips it (docs/webhooks.md, "Tests and benchmark").
   */
  protected async record(message: ClaimedMessage, result: DeliveryResult): Promise<void> {
    const attempts = message.attemptCount + 1;
    const outcome: AttemptOutcome =
      result.outcome === 'retry' ? retryOutcome(nextRetryDelay(this.schedule, attempts, result.retryAfterMs)) : { next: result.outcome };
    const recorded = await this.messages.recordAttempt(message, result, outcome);
    if (!recorded.leaseHeld) {
      this.logger.warn(`webhook message ${message.mid}: lease lost before the attempt was recorded; another dispatcher owns it`);
    }
    this.metrics.webhookAttempt(result.outcome, recorded.lagSeconds);
    if (result.outcome !== 'delivered') {
      this.logger.log(`webhook message ${message.mid} of order ${message.orderId}: attempt ${attempts} failed (${result.error ?? result.httpStatus})`);
    }
  }
}

/** A failed attempt: again after `delay`, or given up when the schedule is exhausted (null). */
function retryOutcome(delay: number | null): AttemptOutcome {
  return delay === null ? { next: 'exhausted' } : { next: 'retry', delayMs: delay };
}
