import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request it receives (method, URL, headers,
 * body) and forwards it to `target` (e.g. the Xelion simulator), answering with the target's answer.
 * It stands for a server that a hostile organization controls: the tests read everything it saw.
 */
export class RecordingProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** Every request received, in arrival order. */
    readonly received: RecordedRequest[],
  ) {}

  static async start(target: string): Promise<RecordingProxy> {
    const base = new URL(target);
    const received: RecordedRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') });
        const forwarded = httpRequest(
          { host: base.hostname, port: base.port, method: req.method, path: req.url, headers: { ...req.headers, host: base.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        forwarded.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RecordingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received);
  }

  /** Every request as one text (request line, headers, body), for scanning. */
  text(): string {
    return this.received.map((r) => `${r.method} ${r.url}\n${JSON.stringify(r.headers)}\n${r.body}`).join('\n\n');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
