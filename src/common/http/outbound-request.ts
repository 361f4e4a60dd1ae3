import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_MAX_BODY_BYTES, DeadlineExceededError, type OutboundWatch } from './outbound-http.js';
import type { SafeAgents } from './url-safety.js';

/**
 * A lean outbound request on Node's own HTTP client, for the hot path of the Xelion client: one request,
 * one total deadline, one body cap, nothing merged per call. It keeps every guarantee of the axios path
 * (outbound-http.ts, docs/security.md "Outbound deadlines and fairness"): the connection goes through the
 * URL-safety agents (the address is checked when connecting, so DNS rebinding cannot reach an internal
 * address; keep-alive sockets are reused per server), redirects are not followed (Node's client never
 * follows them), no proxy from the environment is used, the answer's body is capped, and the deadline
 * covers connecting, the headers and the whole body. A profile of the executor put axios's per-call
 * work (config merging, interceptors, transforms) first among the service's own costs
 * (docs/benchmarks.md, "The executor's CPU per Xelion call").
 */

export interface OutboundRequest {
  method: string;
  /** Absolute http(s) URL, query included. */
  url: URL;
  headers: Record<string, string>;
  /** Sent as is (the caller serialised it); its length is sent as Content-Length. */
  body?: string;
  /** Total deadline of this request: connecting, the headers and the whole body. */
  deadlineMs: number;
  /** The most of the answer's body read (default 10 MiB); a larger one fails with BodyTooLargeError. */
  maxBodyBytes?: number;
  /** The unit of work (an order's run) whose requests are watched for overrun deadlines, if any. */
  watch?: OutboundWatch;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as text (UTF-8). */
  body: string;
}

/** The transport a client sends its requests through (a stub in a unit test). */
export interface OutboundHttp {
  request(request: OutboundRequest): Promise<OutboundResponse>;
}

/** The answer's body (or the request's) is larger than allowed; nothing more of it was read. */
/** An answer's body as JSON when it is JSON; other text stays text (callers then say "unexpected answer"). */
export function parseAnswerBody(text: string): unknown {
  if (text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class BodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`the body is larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Requests through `agents` (createSafeAgents): one keep-alive pool per server, checked at connect time. */
export function createOutboundHttp(agents: SafeAgents): OutboundHttp {
  return { request: (request) => sendOutbound(agents, request) };
}

function prematureClose(): Error {
  return Object.assign(new Error('the connection closed before the whole answer arrived'), { code: 'ECONNRESET' });
}

export function sendOutbound(agents: SafeAgents, request: OutboundRequest): Promise<OutboundResponse> {
  const maxBodyBytes = request.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { url } = request;
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') return Promise.reject(new TypeError(`not an http(s) URL: ${url.protocol}`));
  const headers: Record<string, string | number> = { ...request.headers };
  if (request.body !== undefined) {
    const length = Buffer.byteLength(request.body);
    if (length > DEFAULT_MAX_BODY_BYTES) return Promise.reject(new BodyTooLargeError(DEFAULT_MAX_BODY_BYTES));
    headers['content-length'] = length;
  }
  return new Promise<OutboundResponse>((resolve, reject) => {
    const done = request.watch?.begin(request.deadlineMs);
    const timer = setTimeout(() => finish(new DeadlineExceededError(request.deadlineMs)), request.deadlineMs);
    let outgoing: ClientRequest | undefined;
    let settled = false;
    const finish = (error: Error | undefined, response?: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done?.();
      if (error) {
        outgoing?.destroy(error);
        reject(error);
      } else {
        resolve(response!);
      }
    };
    try {
      outgoing = (https ? httpsRequest : httpRequest)(
        {
          agent: https ? agents.httpsAgent : agents.httpAgent,
          protocol: url.protocol,
          hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
          port: url.port === '' ? undefined : url.port,
          method: request.method,
          path: `${url.pathname}${url.search}`,
          headers,
        },
        (incoming: IncomingMessage) => {
          const declared = Number(incoming.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBodyBytes) {
            finish(new BodyTooLargeError(maxBodyBytes));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBodyBytes) finish(new BodyTooLargeError(maxBodyBytes));
            else chunks.push(chunk);
          });
          incoming.on('end', () => {
            const body = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
            finish(undefined, { status: incoming.statusCode ?? 0, headers: incoming.headers, body });
          });
          incoming.on('error', (error) => finish(error));
          // After 'end' this is the normal close: no error object is made for it (a profile showed their cost).
          incoming.on('close', () => {
            if (!settled) finish(prematureClose());
          });
        },
      );
      outgoing.on('error', (error) => finish(error));
      outgoing.end(request.body);
    } catch (error) {
      // A header Node refuses (a control character in a token): nothing was sent.
      finish(error as Error);
    }
  });
}
