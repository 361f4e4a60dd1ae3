import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving a request, or running an order, carries. */
export interface LogContext {
  reqId?: string;
  organizationId?: number;
  orderId?: number;
}

const storage = new AsyncLocalStorage<LogContext>();

export const logContext = {
  get(): LogContext | undefined {
    return storage.getStore();
  },
  run<T>(context: LogContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  /** Adds fields to the current context (for example the organization, once the caller is known). */
  assign(fields: LogContext): void {
    const store = storage.getStore();
    if (store) Object.assign(store, fields);
  },
};
