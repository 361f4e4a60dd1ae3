/**
 * The Xelion simulator as a benchmark's Xelion server, in a process of its own, so that its CPU is
 * not counted as the service's. Tenants `cpu1` … `cpuN` (SIM_TENANT_COUNT) with token `cpu-token`,
 * SIM_LATENCY_MS per call; prints `{"listening": port}`.
 */
import { startSimulator } from '../../tools/xelion-simulator/simulator.js';

const count = Number(process.env.SIM_TENANT_COUNT ?? 1);
const sim = await startSimulator({
  port: 0,
  tenants: Array.from({ length: count }, (_, i) => ({ name: `cpu${i + 1}`, tokens: ['cpu-token'] })),
  latencyMs: Number(process.env.SIM_LATENCY_MS ?? 20),
  // Twenty orders at once share the simulator, not a session: the per-session limit stays as Xelion's.
  concurrencyLimit: 8,
});
console.log(JSON.stringify({ listening: sim.port }));
process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
