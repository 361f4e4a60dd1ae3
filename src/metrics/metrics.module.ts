import { Global, Module } from '@nestjs/common';
import { XELION_OBSERVER } from '../xelion/xelion.observer.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsServer } from './metrics-server.js';
import { MetricsService } from './metrics.service.js';

export { MetricsService } from './metrics.service.js';

/**
 * Prometheus metrics (docs/operations.md): MetricsService is global, so that any module records with one call;
 * GET /metrics on the main port, or on METRICS_PORT (MetricsServer).
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsServer, { provide: XELION_OBSERVER, useExisting: MetricsService }],
  exports: [MetricsService, XELION_OBSERVER],
})
export class MetricsModule {}
