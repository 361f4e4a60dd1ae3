import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../tools/xelion-simulator/simulator.js';

export type { RunningSimulator, SimulatorOptions };

export const SIM_TENANT = 'pbx1';
export const SIM_TOKEN = 'test-token-pbx1';

/**
 * Starts the Xelion simulator in this process over real HTTP on a free port (127.0.0.1), with one
 * tenant `pbx1` (token SIM_TOKEN) and a second `pbx2` (token `test-token-pbx2`) unless `tenants` is given.
 * Close it in afterAll.
 */
export function startTestSimulator(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  return startSimulator({
    port: 0,
    host: '127.0.0.1',
    tenants: [
      { name: SIM_TENANT, tokens: [SIM_TOKEN] },
      { name: 'pbx2', tokens: ['test-token-pbx2'] },
    ],
    seed: 42,
    ...options,
  });
}

/** fetch against the simulator's tenant API: `xelionFetch(sim, 'GET', '/users')`. */
export async function xelionFetch(
  sim: RunningSimulator,
  method: string,
  path: string,
  body?: unknown,
  options: { tenant?: string; token?: string | null } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? SIM_TOKEN : options.token;
  if (token !== null) headers.authorization = `xelion ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sim.url}/api/v1/${options.tenant ?? SIM_TENANT}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}
