import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { HttpRequestsCollector } from './http-requests.collector.js';

/** Buckets (seconds) for work that takes milliseconds to a few seconds: HTTP requests, Xelion calls, steps. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Buckets (seconds) for webhook delivery lag: normally under a second, up to days while a receiver is down. */
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 21_600, 86_400, 259_200];

/** What one Xelion HTTP request came to, as a label. */
export function xelionResult(status: number | undefined): string {
  if (status === undefined) return 'transport_error';
  if (status === 429) return 'throttled';
  if (status >= 200 && status < 300) return 'success';
  if (status >= 500) return 'server_error';
  return 'client_error';
}

/**
 * A gauge whose values a feature reads at scrape time (e.g. orders by status, from the database): the
 * feature registers it with `MetricsService.registerGauge`, so that this module reads no feature's tables.
 */
export interface ScrapedGauge<Label extends string> {
  name: string;
  help: string;
  labelNames: readonly Label[];
  /** Every sample, read now; a label set not returned is not exposed (return zeros to expose them). */
  read(): Promise<{ labels: Record<Label, string>; value: number }[]>;
}

/**
 * The application's Prometheus instruments, in a registry of its own
 * (never prom-client's global one: two applications may share a test process). Labels are kept to a
 * bounded set: route patterns, never URLs; no organization, order or tenant ids; never a secret.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly http = new HttpRequestsCollector(
    this.registry,
    'xps_http_requests_total',
    'HTTP requests answered, by method, route pattern and status',
    'xps_http_request_duration_seconds',
    'Time to answer an HTTP request, by method, route pattern and status',
    LATENCY_BUCKETS,
  );
  private readonly steps = new Counter({
    name: 'xps_order_steps_total',
    help: 'Step attempts run by this instance, by step kind and outcome (done, error)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly stepDuration = new Histogram({
    name: 'xps_order_step_duration_seconds',
    help: 'Duration of one step attempt, by step kind and outcome',
    labelNames: ['kind', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly takeOvers = new Counter({
    name: 'xps_order_leases_taken_over_total',
    help: 'Orders this instance took over after the lease of another (dead) instance expired',
    registers: [this.registry],
  });
  private readonly xelionCalls = new Counter({
    name: 'xps_xelion_requests_total',
    help: 'HTTP requests sent to Xelion (retries included), by method and result',
    labelNames: ['method', 'result'] as const,
    registers: [this.registry],
  });
  private readonly xelionDuration = new Histogram({
    name: 'xps_xelion_request_duration_seconds',
    help: 'Latency of one HTTP request to Xelion, by method and result',
    labelNames: ['method', 'result'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly webhookAttempts = new Counter({
    name: 'xps_webhook_attempts_total',
    help: 'Webhook delivery attempts, by outcome (delivered, retry, gone)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly webhookLag = new Histogram({
    name: 'xps_webhook_delivery_lag_seconds',
    help: 'From a webhook message being written to its successful delivery',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'xps_' });
  }

  /** Adds a gauge read at scrape time (ScrapedGauge); its samples replace the previous scrape's. */
  registerGauge<Label extends string>(gauge: ScrapedGauge<Label>): void {
    new Gauge({
      name: gauge.name,
      help: gauge.help,
      labelNames: gauge.labelNames,
      registers: [this.registry],
      async collect() {
        const samples = await gauge.read();
        this.reset();
        for (const sample of samples) this.set(sample.labels, sample.value);
      },
    });
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.http.observe(method, route, status, seconds);
  }

  /** Runs one step attempt and records its outcome and duration (the step's own result is passed on). */
  async timeStep<T>(kind: string, attempt: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let outcome = 'error';
    try {
      const result = await attempt();
      outcome = 'done';
      return result;
    } finally {
      const labels = { kind, outcome };
      this.steps.inc(labels);
      this.stepDuration.observe(labels, (performance.now() - started) / 1000);
    }
  }

  leaseTakenOver(): void {
    this.takeOvers.inc();
  }

  /** One Xelion HTTP request ended: `status` undefined when no answer came (timeout, connection error). */
  readonly observeXelion = (method: string, status: number | undefined, startedMs: number): void => {
    const labels = { method, result: xelionResult(status) };
    this.xelionCalls.inc(labels);
    this.xelionDuration.observe(labels, (performance.now() - startedMs) / 1000);
  };

  /** One webhook attempt recorded; `lagSeconds` (delivered_at − created_at) when it was delivered. */
  webhookAttempt(outcome: string, lagSeconds?: number): void {
    this.webhookAttempts.inc({ outcome });
    if (outcome === 'delivered' && lagSeconds !== undefined && Number.isFinite(lagSeconds)) this.webhookLag.observe(lagSeconds);
  }
}
