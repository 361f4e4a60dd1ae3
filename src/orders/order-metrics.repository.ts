import type { EntityManager } from 'typeorm';
import type { OrderStatus } from './order.entity.js';

/** Order counts for the metrics endpoint (order-metrics.collector.ts). */
export const orderMetricsRepository = {
  /** Orders in the database (all instances) by status; statuses without orders are absent. */
  async countByStatus(db: EntityManager): Promise<{ status: OrderStatus; count: number }[]> {
    const rows: { status: OrderStatus; n: number }[] = await db.query(`SELECT status, count(*)::int AS n FROM orders GROUP BY status`);
    return rows.map((row) => ({ status: row.status, count: Number(row.n) }));
  },
};
