import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { ORDER_STATUSES } from './order.entity.js';
import { orderMetricsRepository } from './order-metrics.repository.js';

/** Registers `xps_orders` (docs/operations.md): orders by status, counted in the database at scrape time. */
@Injectable()
export class OrderMetricsCollector {
  constructor(metrics: MetricsService, @InjectDataSource() dataSource: DataSource) {
    metrics.registerGauge({
      name: 'xps_orders',
      help: 'Orders in the database (all instances), by status; read at scrape time',
      labelNames: ['status'] as const,
      async read() {
        const counts = new Map((await orderMetricsRepository.countByStatus(dataSource.manager)).map((row) => [row.status, row.count]));
        // Every status, 0 when no order has it, so that a dashboard's series never disappears.
        return ORDER_STATUSES.map((status) => ({ labels: { status }, value: counts.get(status) ?? 0 }));
      },
    });
  }
}
