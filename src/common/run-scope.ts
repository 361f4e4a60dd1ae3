import type { OutboundWatch } from './http/outbound-http.js';
import type { LogContext } from './logging/request-context.js';

/**
 * The unit of work outbound requests are made for — an order's run, or a request such as a plan —
 * passed with them explicitly: the watch of their deadlines (the executor's) and the ids their log
 * lines carry.
 */
export interface RunScope {
  watch?: OutboundWatch;
  log?: LogContext;
}
