import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSafeAgents, UnsafeUrlError } from '../../src/common/http/url-safety.js';
import { outboundAxiosConfig } from '../../src/common/http/outbound-http.js';
import { sendOutbound } from '../../src/common/http/outbound-request.js';

/** The connection-time guard: the check is repeated when connecting, whatever was validated before. */
describe('safe agents (connect-time URL safety)', () => {
  let server: Server;
  let port: number;
  let hits = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(['localhost', '127.0.0.1'])('refuses %s at connect time when private addresses are not allowed', async (host) => {
    const agents = createSafeAgents(false);
    const before = hits;
    const error = await axios
      .get(`http://${host}:${port}/`, outboundAxiosConfig({ agents, timeoutMs: 2000 }))
      .catch((caught: unknown) => caught);
    expect((error as { cause?: unknown }).cause ?? error).toBeInstanceOf(UnsafeUrlError);
    expect(String((error as Error).message)).toMatch(host === 'localhost' ? /the host localhost is not allowed/ : /internal address \(loopback\)/);
    expect(hits).toBe(before);
    agents.httpAgent.destroy();
  });

  it.each(['localhost', '127.0.0.1'])('connects to %s when private addresses are allowed', async (host) => {
    const agents = createSafeAgents(true);
    const response = await axios.get(`http://${host}:${port}/`, outboundAxiosConfig({ agents, timeoutMs: 2000 }));
    expect(response.status).toBe(200);
    expect(response.data).toBe('ok');
    agents.httpAgent.destroy();
  });

  // The Xelion client's own path (Node's HTTP client over the same agents) gets the same check.
  it.each(['localhost', '127.0.0.1'])('sendOutbound refuses %s at connect time when private addresses are not allowed', async (host) => {
    const agents = createSafeAgents(false);
    const before = hits;
    const error = await sendOutbound(agents, { method: 'GET', url: new URL(`http://${host}:${port}/`), headers: {}, deadlineMs: 2000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsafeUrlError);
    expect(String((error as Error).message)).toMatch(host === 'localhost' ? /the host localhost is not allowed/ : /internal address \(loopback\)/);
    expect(hits).toBe(before);
    agents.httpAgent.destroy();
  });

  it('sendOutbound connects and reuses its connection when private addresses are allowed', async () => {
    const agents = createSafeAgents(true);
    const sockets = new Set<unknown>();
    for (let i = 0; i < 3; i += 1) {
      const answer = await sendOutbound(agents, { method: 'GET', url: new URL(`http://127.0.0.1:${port}/`), headers: {}, deadlineMs: 2000 });
      expect(answer).toMatchObject({ status: 200, body: 'ok' });
      for (const free of Object.values(agents.httpAgent.freeSockets)) for (const socket of free ?? []) sockets.add(socket);
    }
    expect(sockets.size).toBe(1);
    agents.httpAgent.destroy();
  });
});
