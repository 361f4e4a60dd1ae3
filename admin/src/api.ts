/**
 * The page's only way to the service: the public API on the same origin, the API key in `X-Auth-Key`.
 * The key lives in sessionStorage only (gone when the tab closes; a sign-out removes it).
 */
import type { components } from '@xelion-provisioning/client/schema';

// The API's types come from its OpenAPI document (packages/client, generated), never written by hand here.
type Schemas = components['schemas'];
export type OrderStatus = Schemas['OrderStatus'];
export const ORDER_STATUSES: OrderStatus[] = ['NOT_STARTED', 'IN_PROGRESS', 'FAILED', 'COMPLETED'];

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type Organization = Schemas['Organization'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type Credential = Schemas['Credential'];
export type WebhookSecret = Schemas['WebhookSecret'];
export type OrderError = Schemas['OrderError'];
export type OrderResult = Schemas['OrderResult'];
export type Order = Schemas['Order'];
export type OrderStep = Schemas['OrderStep'];
export type WebhookAttempt = Schemas['WebhookAttempt'];
export type WebhookMessage = Schemas['WebhookMessage'];
export type Plan = Schemas['Plan'];

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
