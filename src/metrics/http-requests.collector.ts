import type { Metric, Registry } from 'prom-client';

/** A sample as prom-client's registry formats it. */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

type Labels = { method: string; route: string; status: string };

interface Series {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * The HTTP request counter and latency histogram, kept by hand and exported in prom-client's format at
 * scrape time: one Map look-up by a string key per request, where prom-client's `inc` and `observe` hash
 * the label object on every call, twice per request (docs/benchmarks.md, "The cost of a request"). The
 * label sets stay bounded (route patterns, never URLs).
 */
export class HttpRequestsCollector {
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    counterName: string,
    counterHelp: string,
    private readonly histogramName: string,
    histogramHelp: string,
    private readonly upperBounds: readonly number[],
  ) {
    registry.registerMetric(this.metric(counterName, counterHelp, 'counter', () => this.counterValues()));
    registry.registerMetric(this.metric(histogramName, histogramHelp, 'histogram', () => this.histogramValues()));
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, buckets: new Array<number>(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    let bucket = 0;
    while (bucket < this.upperBounds.length && seconds > this.upperBounds[bucket]) bucket++;
    series.buckets[bucket]++;
    series.sum += seconds;
    series.count++;
  }

  private counterValues(): Sample[] {
    return [...this.series.values()].map((series) => ({ labels: { ...series.labels }, value: series.count }));
  }

  private histogramValues(): Sample[] {
    const values: Sample[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.buckets[i];
        values.push({ labels: { le, ...series.labels }, value: cumulative, metricName: `${this.histogramName}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.histogramName}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.histogramName}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.histogramName}_count` });
    }
    return values;
  }

  private metric(name: string, help: string, type: 'counter' | 'histogram', values: () => Sample[]): Metric {
    const get = () => Promise.resolve({ name, help, type, values: values(), aggregator: 'sum' });
    // prom-client's registry reads a metric through get() and reset(); the rest of its Metric type is not used.
    return { name, help, get, reset: () => this.series.clear() } as unknown as Metric;
  }
}
