import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { WebhookSecretsService } from './webhook-secrets.service.js';
import { nextRetryDelay, PRODUCTION_RETRY_SCHEDULE_MS } from './webhook-retry.js';
import { WebhookSender, type DeliveryResult } from './webhook-sender.js';
import { WebhookWakeup } from './webhook-wakeup.js';
import { ORDER_MESSAGE_LOCK } from './webhooks.service.js';

const INTERVAL_NAME = 'webhooks-dispatcher';

interface ClaimedMessage {
  mid: number;
  order_id: number;
  organization_id: number;
  callback_url: string;
  body: string;
  attempt_count: number;
}

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
  /** Claims abandoned by stop({ abandon: true }): their sends are not recorded, as if the process had died. */
  private readonly abandoned = new Set<string>();
  private readonly inFlightClaims = new Set<string>();
  private claims = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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

  /**
   * Stops claiming. With `abandon`, sends in flight are not recorded — as if the process had been
   * killed — and their leases simply expire (used by tests); otherwise they are awaited.
   */
  async stop(options: { abandon?: boolean } = {}): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.stopping = true;
    this.wakeup.onWake(null);
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    if (options.abandon) {
      for (const claim of this.inFlightClaims) this.abandoned.add(claim);
      return;
    }
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

  private track(message: ClaimedMessage & { token: string }): void {
    const claim = `${message.token}/${message.mid}`;
    this.inFlightClaims.add(claim);
    const work = this.deliver(message, claim)
      .catch((error: unknown) => {
        this.logger.error(`webhook message ${message.mid}: recording the attempt failed: ${(error as Error).message}`);
      })
      .finally(() => {
        this.inFlight.delete(work);
        this.inFlightClaims.delete(claim);
        this.abandoned.delete(claim);
        // The next message of this order may now be due; and a slot is free.
        this.poke();
      });
    this.inFlight.add(work);
  }

  /** Claims up to `limit` due messages, each the oldest pending one of its order. */
  private async claim(limit: number): Promise<(ClaimedMessage & { token: string })[]> {
    const token = `${this.instanceId}:${++this.claims}`;
    const result = (await this.dataSource.query(
      `UPDATE webhook_messages m
          SET locked_by = $1, locked_until = now() + make_interval(secs => $2)
         FROM (SELECT c.mid FROM webhook_messages c
                WHERE c.status = 'pending'
                  AND c.next_attempt_at <= now()
                  AND (c.locked_until IS NULL OR c.locked_until < now())
                  AND NOT EXISTS (SELECT 1 FROM webhook_messages e
                                   WHERE e.order_id = c.order_id AND e.mid < c.mid AND e.status = 'pending')
                ORDER BY c.next_attempt_at, c.mid
                LIMIT $3
                FOR UPDATE SKIP LOCKED) picked
        WHERE m.mid = picked.mid
      RETURNING m.mid, m.order_id, m.organization_id, m.callback_url, m.body, m.attempt_count`,
      [token, this.settings.webhooks.leaseSeconds, limit],
    )) as [ClaimedMessage[], number];
    return result[0].map((row) => ({ ...row, mid: Number(row.mid), token }));
  }

  private async deliver(message: ClaimedMessage & { token: string }, claim: string): Promise<void> {
    let result: DeliveryResult;
    try {
      const secrets = await this.secrets.signingSecrets(message.organization_id);
      result = await this.sender.send({ mid: message.mid, url: message.callback_url, body: message.body, secrets });
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
    if (this.abandoned.has(claim)) return; // "killed": nothing is recorded, the lease runs out
    await this.record(message, result);
  }

  /** The attempt and the message's new state, in one transaction, fenced on this claim's lease. */
  private async record(message: ClaimedMessage & { token: string }, result: DeliveryResult): Promise<void> {
    const attempts = message.attempt_count + 1;
    let lag: number | undefined;
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO webhook_attempts (mid, attempted_at, http_status, duration_ms, error) VALUES ($1, $2, $3, $4, $5)`,
        [message.mid, result.attemptedAt, result.httpStatus, result.durationMs, result.error],
      );
      let update: [unknown[], number];
      if (result.outcome === 'delivered') {
        update = await manager.query(
          `UPDATE webhook_messages SET status = 'delivered', failure_reason = NULL, attempt_count = $3, delivered_at = now(),
                  next_attempt_at = NULL, locked_by = NULL, locked_until = NULL
            WHERE mid = $1 AND locked_by = $2
          RETURNING extract(epoch from delivered_at - created_at)::float8 AS lag`,
          [message.mid, message.token, attempts],
        );
        lag = (update[0][0] as { lag?: number } | undefined)?.lag;
      } else if (result.outcome === 'gone') {
        update = await manager.query(
          `UPDATE webhook_messages SET status = 'failed', failure_reason = 'gone', attempt_count = $3,
                  next_attempt_at = NULL, locked_by = NULL, locked_until = NULL
            WHERE mid = $1 AND locked_by = $2`,
          [message.mid, message.token, attempts],
        );
        if (update[1] === 1) {
          // "410 Gone stops delivery to that URL for that order": the later messages too. The order's
          // message lock (enqueueStatusChange) first: a message being written now either commits before
          // this statement reads, or sees this one as gone when its turn comes — never sent after a 410.
          await manager.query('SELECT pg_advisory_xact_lock($1, $2)', [ORDER_MESSAGE_LOCK, message.order_id]);
          await manager.query(
            `UPDATE webhook_messages SET status = 'failed', failure_reason = 'gone', next_attempt_at = NULL
              WHERE order_id = $1 AND callback_url = $2 AND mid > $3 AND status = 'pending'`,
            [message.order_id, message.callback_url, message.mid],
          );
        }
      } else {
        const delay = nextRetryDelay(this.schedule, attempts, result.retryAfterMs);
        update = await manager.query(
          delay === null
            ? `UPDATE webhook_messages SET status = 'failed', failure_reason = 'exhausted', attempt_count = $3,
                      next_attempt_at = NULL, locked_by = NULL, locked_until = NULL
                WHERE mid = $1 AND locked_by = $2`
            : `UPDATE webhook_messages SET attempt_count = $3, next_attempt_at = now() + make_interval(secs => $4),
                      locked_by = NULL, locked_until = NULL
                WHERE mid = $1 AND locked_by = $2`,
          delay === null ? [message.mid, message.token, attempts] : [message.mid, message.token, attempts, delay / 1000],
        );
      }
      if (update[1] !== 1) {
        this.logger.warn(`webhook message ${message.mid}: lease lost before the attempt was recorded; another dispatcher owns it`);
      }
    });
    this.metrics.webhookAttempt(result.outcome, lag);
    if (result.outcome !== 'delivered') {
      this.logger.log(`webhook message ${message.mid} of order ${message.order_id}: attempt ${attempts} failed (${result.error ?? result.httpStatus})`);
    }
  }
}
