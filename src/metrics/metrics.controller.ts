import { Controller, Get, Headers, HttpStatus, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/auth.decorators.js';
import { ApiError } from '../common/http/error-response.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { metricsAccessAllowed } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * GET /metrics on the main port (when METRICS_PORT is unset). Outside the API-key guard: Prometheus
 * scrapers authenticate with METRICS_TOKEN (a bearer token) when that is set. Not part of the API
 * document: it is for operators, not integrators.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (this.settings.metrics.port !== undefined) {
      throw new NotFoundException(`metrics are served on port ${this.settings.metrics.port} (METRICS_PORT), not here`);
    }
    if (!metricsAccessAllowed(this.settings.metrics.token, authorization)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    const { contentType, text } = await this.metrics.scrape();
    void reply.header('content-type', contentType).header('cache-control', 'no-store');
    return text;
  }
}
