import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { metricsAccessAllowed } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * METRICS_PORT set: a second, plain HTTP listener on HOST:METRICS_PORT that serves only GET /metrics,
 * so that the port can be left reachable by the scraper alone. It closes with the application.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
  ) {}

  /** The port it listens on (METRICS_PORT=0 picks a free one: tests), or undefined. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, token } = this.settings.metrics;
    if (port === undefined) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      const answer = (status: number, message: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(`${message}\n`);
      };
      if (path !== '/metrics') return answer(404, 'only GET /metrics is served here');
      if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'only GET /metrics', { allow: 'GET, HEAD' });
      if (!metricsAccessAllowed(token, request.headers.authorization)) {
        return answer(401, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', { 'www-authenticate': 'Bearer realm="metrics"' });
      }
      this.metrics.scrape().then(
        ({ contentType, text }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(text),
        (error: unknown) => {
          this.logger.error(`collecting metrics failed: ${(error as Error).message}`);
          answer(500, 'collecting metrics failed');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.settings.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.settings.host}:${this.port}/metrics (METRICS_PORT)`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
