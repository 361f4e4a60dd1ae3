import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { OutboundWatch } from '../common/http/outbound-http.js';
import { logOfOrder, withContext } from '../common/logging/request-context.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OrderJournal, type ClaimedOrder } from './order-journal.js';
import { OrderRunner, type RunControl, type RunOutcome } from './order-runner.js';

const TICK = 'order-executor.tick';
const HEARTBEAT = 'order-executor.heartbeat';
/** How long shutdown waits for running steps before it releases their orders (bounded by the lease). */
const MAX_DRAIN_MS = 10_000;

interface Running {
  order: ClaimedOrder;
  control: RunControl;
  /** The run's outbound requests in flight, each with its deadline (a stuck run loses its lease). */
  watch: OutboundWatch;
  done: Promise<RunOutcome | 'error'>;
}

/**
 * The executor (docs/provisioning.md, "The executor"): every EXECUTOR_POLL_MS it claims due orders into a lease kept alive by a
 * heartbeat, at most EXECUTOR_CONCURRENCY at once, and runs them. An order whose instance died is
 * claimed again once its lease (LEASE_SECONDS) has run out. EXECUTOR_ENABLED=false registers nothing
 * (an API-only instance). On shutdown it stops claiming, lets running steps finish for a bounded
 * time, and releases the orders it still holds so another instance continues them at once.
 */
@Injectable()
export class ExecutorService implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Executor');
  /** This instance's identity in `orders.locked_by`. */
  readonly id = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly running = new Map<number, Running>();
  private started = false;
  private stopping = false;
  private halted = false;
  private ticking = false;
  private takeOvers = 0;

  constructor(
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly journal: OrderJournal,
    private readonly runner: OrderRunner,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, pollMs, concurrency, leaseSeconds } = this.settings.executor;
    if (!enabled) {
      this.logger.log('executor disabled (EXECUTOR_ENABLED=false): this instance only serves the API');
      return;
    }
    this.started = true;
    this.scheduler.addInterval(TICK, setInterval(() => void this.tick(), pollMs));
    const heartbeatMs = Math.max(200, Math.floor((leaseSeconds * 1000) / 3));
    this.scheduler.addInterval(HEARTBEAT, setInterval(() => void this.heartbeat(), heartbeatMs));
    this.logger.log(`executor ${this.id} started: poll ${pollMs} ms, ${concurrency} orders at once, lease ${leaseSeconds} s`);
  }

  /** Orders taken over from instances that died, since start (a metric later; a log line now). */
  get takeOverCount(): number {
    return this.takeOvers;
  }

  get runningOrderIds(): number[] {
    return [...this.running.keys()];
  }

  /** How long after a claim or heartbeat was SENT this instance may rely on the lease (see RunControl.leaseValidUntil). */
  private leaseValidFrom(sentAt: number): number {
    const leaseMs = this.settings.executor.leaseSeconds * 1000;
    return sentAt + leaseMs - Math.min(1000, leaseMs / 10);
  }

  /** One poll: claims as many due orders as there is room for, and starts them. Exposed for tests. */
  async tick(): Promise<void> {
    if (!this.started || this.stopping || this.ticking) return;
    const free = this.settings.executor.concurrency - this.running.size;
    if (free <= 0) return;
    this.ticking = true;
    try {
      const sentAt = Date.now();
      const held = new Map<number, number>();
      for (const run of this.running.values()) held.set(run.order.group, (held.get(run.order.group) ?? 0) + 1);
      const claimed = await this.journal.claim(this.id, free, held, [...this.running.keys()]);
      for (const order of claimed) this.start(order, this.leaseValidFrom(sentAt));
    } catch (error) {
      this.logger.error(`claiming orders failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private start(order: ClaimedOrder, leaseValidUntil: number): void {
    if (order.takenOverFrom) {
      this.takeOvers++;
      this.metrics.leaseTakenOver();
      this.logger.warn(
        withContext(`took over order ${order.id} from ${order.takenOverFrom} after its lease expired (take-overs: ${this.takeOvers})`, logOfOrder(order)),
      );
    }
    const watch = new OutboundWatch();
    const control: RunControl = { lost: false, draining: false, leaseValidUntil, watch };
    const done = this.runner
      .run(this.id, order, control)
      .catch((error: unknown) => {
        // Never the error object itself: an HTTP error may carry request headers.
        this.logger.error(
          withContext(`order ${order.id}: run ended unexpectedly: ${(error as Error)?.message ?? String(error)}`, logOfOrder(order)),
        );
        return 'error' as const;
      })
      .finally(() => {
        this.running.delete(order.id);
        // Room again: look for more work at once rather than on the next tick.
        if (!this.stopping) setImmediate(() => void this.tick());
      });
    this.running.set(order.id, { order, control, watch, done });
  }

  private async heartbeat(): Promise<void> {
    if (this.halted || this.running.size === 0) return;
    // A run whose request outlived its total deadline is stuck, not busy: its lease is left to run
    // out, so that it stops calling out and the order is taken over (docs/security.md).
    const ids = [...this.running.entries()].filter(([id, run]) => !this.stuck(id, run)).map(([id]) => id);
    if (ids.length === 0) return;
    const sentAt = Date.now();
    try {
      const held = await this.journal.heartbeat(this.id, ids);
      for (const id of ids) {
        const run = this.running.get(id);
        if (!run) continue;
        if (held.has(id)) run.control.leaseValidUntil = this.leaseValidFrom(sentAt);
        else run.control.lost = true;
      }
    } catch (error) {
      // PostgreSQL unreachable: the runs keep going only while their leases surely hold (holdsLease).
      this.logger.error(`lease heartbeat failed: ${(error as Error).message}`);
    }
  }

  private stuck(id: number, run: Running): boolean {
    if (!run.watch.overdue()) return false;
    this.logger.warn(withContext(`order ${id}: an outbound request outlived its deadline; the lease is not renewed`, logOfOrder(run.order)));
    return true;
  }

  /** Stops claiming; running orders are drained in beforeApplicationShutdown. */
  onModuleDestroy(): void {
    this.stopClaiming();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.halted || this.running.size === 0) {
      this.stopHeartbeat();
      return;
    }
    for (const run of this.running.values()) run.control.draining = true;
    const bound = Math.min(MAX_DRAIN_MS, this.settings.executor.leaseSeconds * 1000);
    const all = Promise.all([...this.running.values()].map((run) => run.done));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, bound).unref())]);
    this.stopHeartbeat();
    const left = [...this.running.keys()];
    if (left.length > 0) {
      for (const run of this.running.values()) run.control.lost = true;
      const released = await this.journal.release(this.id, left);
      this.logger.warn(`shutdown: released ${released} order(s) whose steps did not finish within ${bound} ms`);
    }
  }

  /**
   * Stops this executor at once, as a crash would: no further journal writes, leases left to expire.
   * For tests of take-over, and for an operator who must stop an instance without releasing work.
   */
  halt(): void {
    this.halted = true;
    this.stopClaiming();
    this.stopHeartbeat();
    for (const run of this.running.values()) run.control.lost = true;
  }

  /** Resolves when no order is running here (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()].map((run) => run.done));
  }

  private stopClaiming(): void {
    this.stopping = true;
    if (this.scheduler.doesExist('interval', TICK)) this.scheduler.deleteInterval(TICK);
  }

  private stopHeartbeat(): void {
    if (this.scheduler.doesExist('interval', HEARTBEAT)) this.scheduler.deleteInterval(HEARTBEAT);
  }
}
