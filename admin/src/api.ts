/**
 * The page's only way to the service: the public API on the same origin, the API key in `X-Auth-Key`.
 * The key lives in sessionStorage only (gone when the tab closes; a sign-out removes it).
 */
export type OrderStatus = 'NOT_STARTED' | 'IN_PROGRESS' | 'FAILED' | 'COMPLETED';
export const ORDER_STATUSES: OrderStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED'];

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Organization {
  id: number;
  name: string;
  parentId: number | null;
  createdAt: string;
  disabled: boolean;
}

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  id: number;
  name: string;
  key: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
}

export interface Credential {
  key: string;
  /** Whether descendants' orders may use it (as part of a complete, wholly shared group). */
  inherit: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookSecret {
  organizationId: number;
  secret: string;
  createdAt: string;
  rotatedAt: string | null;
  previousExpiresAt: string | null;
}

export interface OrderError {
  code: string;
  message: string;
  step?: string | null;
  xelionErrorCode?: number;
}

export interface OrderResult {
  created: Record<string, number>;
  updated: Record<string, number>;
  found: Record<string, number>;
  numbersAllocated: { label: string; number: string; owner: string }[];
  warnings: string[];
}

export interface Order {
  id: number;
  organizationId: number;
  status: OrderStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  tenant: { serverUrl: string; name: string };
  callbackUrl: string | null;
  progress: { done: number; total: number };
  currentStep: string | null;
  error: OrderError | null;
  result: OrderResult | null;
  configuration?: unknown;
}

export interface OrderStep {
  seq: number;
  name: string;
  kind: string;
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: OrderError | null;
  output: Record<string, unknown> | null;
}

export interface WebhookAttempt {
  attemptedAt: string;
  httpStatus: number | null;
  durationMs: number;
  error: string | null;
}

export interface WebhookMessage {
  mid: number;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  failureReason: string | null;
  callbackUrl: string;
  body: unknown;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attempts: WebhookAttempt[];
}

/** An error the API answered (or the network failure that kept it from answering), in words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Fields of a rejected request body: `{ field, message }`. */
    readonly details: { field: string; message: string }[] = [],
    /** An invalid configuration: `{ path, message }`, path a JSON Pointer. */
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'xps.apiKey';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(KEY_STORAGE);
  },
  signIn(key: string): void {
    sessionStorage.setItem(KEY_STORAGE, key);
  },
  signOut(): void {
    sessionStorage.removeItem(KEY_STORAGE);
  },
};

/** Raised (on window) when the service refuses the stored key: the page signs out. */
export const UNAUTHORIZED_EVENT = 'xps:unauthorized';

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, as application/json (the configuration test sends the user's text unchanged). */
  rawBody?: string;
  headers?: Record<string, string>;
  /** Use this key instead of the stored one (signing in). */
  key?: string;
  /** Leave out the key (public endpoints). */
  anonymous?: boolean;
  query?: Record<string, string | number | undefined | null>;
}

export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const key = options.anonymous ? null : (options.key ?? session.key);
  if (key) headers['x-auth-key'] = key;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, `Could not reach the service (${error instanceof Error ? error.message : String(error)}). Check your connection and try again.`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (response.ok) return parsed as T;

  const problem = (parsed ?? {}) as { message?: unknown; details?: unknown; errors?: unknown };
  const message =
    typeof problem.message === 'string' && problem.message
      ? problem.message
      : `The service answered ${response.status} ${response.statusText || ''}`.trim();
  const error = new ApiError(
    response.status,
    message,
    Array.isArray(problem.details) ? (problem.details as ApiError['details']) : [],
    Array.isArray(problem.errors) ? (problem.errors as ApiError['errors']) : [],
  );
  if (response.status === 401 && key && options.key === undefined) {
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT, { detail: message }));
  }
  throw error;
}

/** Every page of a list (up to `maxPages` pages of 200). */
export async function all<T>(path: string, maxPages = 10): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < maxPages; page += 1) {
    const result: Page<T> = await api<Page<T>>('GET', path, { query: { limit: 200, cursor } });
    items.push(...result.data);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return items;
}
