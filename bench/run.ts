/**
 * Every benchmark, one after the other (`npm run bench`); each rewrites its own section of
 * docs/benchmarks.md. Run on a quiet machine: other load stretches the wall-clock numbers.
 * One benchmark by name: `npm run bench -- http` (http, validation, validation-cost, provisioning, plan, executor-cpu, webhooks, scale, memory).
 * scale needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawnSync } from 'node:child_process';

const ALL = ['http', 'validation', 'validation-cost', 'provisioning', 'plan', 'executor-cpu', 'webhooks', 'scale', 'memory'];
const FILES: Record<string, string> = {
  http: 'dist/bench/http.bench.js',
  validation: 'dist/bench/validation.bench.js',
  'validation-cost': 'dist/bench/validation-cost.bench.js',
  provisioning: 'dist/bench/provisioning.bench.js',
  plan: 'dist/bench/plan.bench.js',
  'executor-cpu': 'dist/bench/executor-cpu.bench.js',
  webhooks: 'dist/bench/webhooks.bench.js',
  scale: 'dist/bench/scale.bench.js',
  memory: 'dist/bench/memory.bench.js',
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !FILES[name]);
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  process.exit(64);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : ALL) {
  console.log(`\n== ${name}`);
  // Each in a process of its own, so that one benchmark's leftovers cannot slow the next.
  const result = spawnSync(process.execPath, [FILES[name]], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${name} failed (exit ${result.status})`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
