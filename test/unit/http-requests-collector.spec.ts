import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestsCollector } from '../../src/metrics/http-requests.collector.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

describe('HttpRequestsCollector', () => {
  it("exposes exactly what prom-client's Counter and Histogram expose for the same requests", async () => {
    const reference = new Registry();
    const counter = new Counter({ name: 'xps_http_requests_total', help: 'requests', labelNames: ['method', 'route', 'status'], registers: [reference] });
    const histogram = new Histogram({ name: 'xps_http_request_duration_seconds', help: 'latency', labelNames: ['method', 'route', 'status'], buckets: BUCKETS, registers: [reference] });
    const registry = new Registry();
    const collector = new HttpRequestsCollector(registry, 'xps_http_requests_total', 'requests', 'xps_http_request_duration_seconds', 'latency', BUCKETS);

    const requests: [string, string, number, number][] = [
      ['GET', '/health/live', 200, 0.0002],
      ['GET', '/health/live', 200, 0.005],
      ['GET', '/api/v1/organizations/:id', 200, 0.0051],
      ['GET', '/api/v1/organizations/:id', 404, 0.02],
      ['POST', '/api/v1/provision', 201, 7],
      ['GET', 'unmatched', 404, 0.001],
      ['GET', '/health/live', 200, 120],
    ];
    for (const [method, route, status, seconds] of requests) {
      const labels = { method, route, status: String(status) };
      counter.inc(labels);
      histogram.observe(labels, seconds);
      collector.observe(method, route, status, seconds);
    }
    const text = await registry.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('xps_http_requests_total{method="GET",route="/health/live",status="200"} 3');
    expect(text).toContain('xps_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health/live",status="200"} 2');

    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('route=');
  });
});
