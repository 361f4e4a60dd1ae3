import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import { Webhook } from 'standardwebhooks';
import type { components, operations, paths, webhooks } from './schema.js';

export type { components, operations, paths, webhooks };

type Schemas = components['schemas'];
export type Configuration = Schemas['Configuration'];
export type ConfigurationErrorItem = Schemas['ConfigurationErrorItem'];
export type ErrorResponse = Schemas['ErrorResponse'];
export type Order = Schemas['Order'];
export type OrderStatus = Schemas['OrderStatus'];
export type OrderErrorCode = Schemas['OrderErrorCode'];
export type OrderPage = Schemas['OrderPage'];
export type OrderStep = Schemas['OrderStep'];
export type Organization = Schemas['Organization'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type WebhookMessage = Schemas['WebhookMessage'];
export type WebhookSecret = Schemas['WebhookSecret'];
/** The body of an `orderStatusChanged` webhook message. */
export type OrderStatusChangedEvent = Schemas['OrderStatusChangedEvent'];

/** The header the API key goes in. */
export const API_KEY_HEADER = 'X-Auth-Key';

/** The statuses an order ends in. */
export const FINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'FAILED'];

export interface ProvisioningClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service is, e.g. `https://provisioning.example.com` (no `/api/v1`). */
  baseUrl: string;
  /** An API key of your organization, sent as `X-Auth-Key`; public operations work without one. */
  apiKey?: string;
}

/** A typed client of the whole API: `client.GET('/api/v1/orders/{id}', { params: { path: { id } } })`. */
export type ProvisioningClient = Client<paths>;

/** Creates a client (openapi-fetch) typed by the service's OpenAPI document. */
export function createProvisioningClient({ baseUrl, apiKey, headers, ...rest }: ProvisioningClientOptions): ProvisioningClient {
  return createClient<paths>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...(headers as Record<string, string> | undefined), ...(apiKey ? { [API_KEY_HEADER]: apiKey } : {}) },
  });
}

/** A refused request: the HTTP status and the API's error body. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | undefined,
  ) {
    super(body?.message ? `${status} ${body.error}: ${body.message}` : `HTTP ${status}`);
    this.name = 'ApiRequestError';
  }
}

/**
 * The data of an openapi-fetch result, or an ApiRequestError with the API's error body:
 * `const order = unwrap(await client.GET(...))`.
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw new ApiRequestError(result.response.status, result.error as ErrorResponse | undefined);
}

export interface WaitForOrderOptions {
  /** Time between two reads of the order (default 1000 ms). */
  intervalMs?: number;
  /** Give up after this long (default: never). */
  timeoutMs?: number;
  /** Called after every read, e.g. to show progress. */
  onUpdate?: (order: Order) => void;
  signal?: AbortSignal;
}

/** Reads the order until it is COMPLETED or FAILED, and returns it (a FAILED order is returned, not thrown). */
export async function waitForOrder(client: ProvisioningClient, id: number, options: WaitForOrderOptions = {}): Promise<Order> {
  const { intervalMs = 1000, timeoutMs, onUpdate, signal } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (;;) {
    const order = unwrap(await client.GET('/api/v1/orders/{id}', { params: { path: { id } }, signal }));
    onUpdate?.(order);
    if (FINAL_STATUSES.includes(order.status)) return order;
    if (Date.now() + intervalMs > deadline) throw new Error(`order ${id} is still ${order.status} after ${timeoutMs} ms`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, intervalMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
  }
}

/**
 * Verifies a webhook message with the Standard Webhooks library and returns its body, typed.
 * `rawBody` must be the bytes received, as a string, before any JSON parsing; `headers` must carry
 * `webhook-id`, `webhook-timestamp` and `webhook-signature`. Throws when the signature or the
 * timestamp (more than 5 minutes away) is wrong.
 */
export function verifyWebhook(
  secret: string,
  rawBody: string | Buffer,
  headers: Record<string, string | string[] | undefined> | Headers,
): OrderStatusChangedEvent {
  const plain: Record<string, string> = {};
  const entries: [string, string | string[] | undefined][] = [];
  if (headers instanceof Headers) headers.forEach((value, name) => entries.push([name, value]));
  else entries.push(...Object.entries(headers));
  for (const [name, value] of entries) {
    if (typeof value === 'string') plain[name.toLowerCase()] = value;
    else if (Array.isArray(value) && value.length > 0) plain[name.toLowerCase()] = value[0];
  }
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  return new Webhook(secret).verify(body, plain) as OrderStatusChangedEvent;
}
