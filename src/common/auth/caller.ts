import type { LogContext } from '../logging/request-context.js';

/** Who is calling: the organization behind the API key, resolved by the global guard. */
export interface Caller {
  organizationId: number;
  /** The id of the request the caller made (X-Request-Id), for the log lines written while serving it. */
  requestId?: string;
  /** The caller organization's ancestors, root first. */
  ancestorIds: number[];
  apiKeyId: number;
  /** The caller's organization as read while authenticating (for `GET /organizations/me`). */
  organization: { id: number; name: string; parentId: number | null; createdAt: Date; allowedServerHosts: string[] | null };
}

/** The ids a log line written for this caller's request carries (docs/operations.md, "Logs"). */
export function logOfCaller(caller: Caller): LogContext {
  return { reqId: caller.requestId, organizationId: caller.organizationId };
}

/** The ids a request's own log lines carry: its id and, once the key is checked, the caller's organization. */
export function logOfRequest(request: { id: string; user?: Caller }): LogContext {
  return { reqId: request.id, organizationId: request.user?.organizationId };
}
