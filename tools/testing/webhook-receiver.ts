import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { OrderStatusChangedEvent } from '../../packages/client/src/index.js';

/** What the receiver saw of one request, and whether `standardwebhooks` accepted it. */
export interface ReceivedWebhook {
  path: string;
  id: string;
  timestamp: string;
  signature: string;
  contentType: string | undefined;
  body: string;
  /** The body parsed, typed by the OpenAPI document's `orderStatusChanged` webhook (packages/client). */
  json: OrderStatusChangedEvent;
  /** Verified by `new Webhook(secret).verify(body, headers)` with at least one of the receiver's secrets. */
  verified: boolean;
  /** Which of the receiver's secrets verified it (indexes into `secrets`). */
  verifiedWith: number[];
  receivedAt: number;
  /** The status the receiver answered with (undefined while held). */
  answered?: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer on its own (until `release()`). */
  hold?: boolean;
}

/**
 * A real HTTP receiver for the tests (node:http on a random loopback port). It verifies every message
 * with the published `standardwebhooks` package and nothing else, and can be taken down and brought
 * back on the same port, answer any status (410, 3xx, 500 …), be slow, or hold requests.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Secrets to verify with (any one may verify a message). */
  secrets: string[] = [];
  /** Decides the answer per request; default 204. */
  reply: (message: ReceivedWebhook) => Reply = () => ({ status: 204 });
  private server: Server | null = null;
  private port = 0;
  private held: { response: ServerResponse; message: ReceivedWebhook }[] = [];

  static async start(secrets: string[] = []): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.secrets = secrets;
    await receiver.up();
    return receiver;
  }

  /** The URL for a path on this receiver (the port stays the same across down/up). */
  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get isUp(): boolean {
    return this.server !== null;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((request, response) => void this.handle(request, response));
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection: deliveries now fail with ECONNREFUSED. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const { response } of this.held.splice(0)) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Answers every held request with `status`. */
  release(status = 204): void {
    for (const { response, message } of this.held.splice(0)) {
      message.answered = status;
      if (!response.destroyed) response.writeHead(status).end();
    }
  }

  async close(): Promise<void> {
    await this.down();
  }

  /** Verified messages for `path` (all paths when omitted), in arrival order. */
  messages(path?: string): ReceivedWebhook[] {
    return this.received.filter((m) => path === undefined || m.path === path);
  }

  async waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs = 15_000, what = 'webhooks'): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.map((m) => ({ path: m.path, id: m.id, body: m.json })))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received;
  }

  /** Verifies with the `standardwebhooks` package only. */
  static verify(secret: string, body: string, headers: { id: string; timestamp: string; signature: string }): boolean {
    try {
      new Webhook(secret).verify(body, {
        'webhook-id': headers.id,
        'webhook-timestamp': headers.timestamp,
        'webhook-signature': headers.signature,
      });
      return true;
    } catch {
      return false;
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(',') : (value ?? '');
    };
    const message: ReceivedWebhook = {
      path: request.url ?? '',
      id: header('webhook-id'),
      timestamp: header('webhook-timestamp'),
      signature: header('webhook-signature'),
      contentType: request.headers['content-type'],
      body,
      json: safeParse(body) as OrderStatusChangedEvent,
      verified: false,
      verifiedWith: [],
      receivedAt: Date.now(),
    };
    message.verifiedWith = this.secrets.flatMap((secret, index) => (WebhookReceiver.verify(secret, body, message) ? [index] : []));
    message.verified = message.verifiedWith.length > 0;
    this.received.push(message);
    const reply = this.reply(message);
    if (reply.hold) {
      this.held.push({ response, message });
      return;
    }
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    message.answered = reply.status;
    if (!response.destroyed) response.writeHead(reply.status, reply.headers).end();
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
