/**
 * What a log line written while serving a request, or running an order, carries (docs/operations.md,
 * "Logs"). Passed explicitly with the line (`withContext`), not kept in AsyncLocalStorage: on Node 20
 * any store in use switches promise hooks on for every promise of the process, 10–15 % of the CPU of a
 * request and of a Xelion call (docs/benchmarks.md, "The executor's CPU per call").
 */
export interface LogContext {
  reqId?: string;
  organizationId?: number;
  orderId?: number;
}

/** A line for Nest's Logger with its context beside the message (PinoLoggerService writes an object's fields). */
export function withContext(msg: string, context: LogContext | undefined): string | (LogContext & { msg: string }) {
  return context ? { msg, ...context } : msg;
}

/** The ids every log line about an order carries, whoever writes it (docs/operations.md, "Logs"). */
export function logOfOrder(order: { id: number; organizationId: number }): LogContext {
  return { orderId: order.id, organizationId: order.organizationId };
}
