/**
 * `npm run demo`: the whole service on the embedded database and the Xelion simulator, in one process.
 * Submits examples/small-office.json, follows the order with a progress bar, prints what the tenant
 * now holds, and closes everything. Nothing is left running and nothing is kept on disk.
 * `npm run demo -- --park`: the simulator is a multi-tenant server, and the order takes its tenant from
 * the park with the stored park.* credentials (docs/provisioning.md, "Park orders").
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createWriteStream } from 'node:fs';
import { createApp, type RunningApp } from '../src/app.js';
import { loadSettings } from '../src/config/settings.js';
import { defaultPark } from '../tools/xelion-simulator/park.js';
import { startSimulator, type RunningSimulator } from '../tools/xelion-simulator/simulator.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { api } from './support/api.js';

const TENANT = 'demo';
const PARK = process.argv.slice(2).includes('--park');
const out = process.stdout;
const tty = out.isTTY === true;

function findExample(): string {
  for (const candidate of [resolve('examples/small-office.json'), resolve(import.meta.dirname, '../../examples/small-office.json')]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('examples/small-office.json not found: run the demo from the repository root');
}

function bar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'xps-demo-'));
  const rootKey = randomBytes(24).toString('base64url');
  const token = randomBytes(24).toString('hex');
  let sim: RunningSimulator | undefined;
  let running: RunningApp | undefined;
  const logFile = join(dataDir, 'service.log');
  const logStream = createWriteStream(logFile);
  try {
    const park = PARK ? defaultPark() : null;
    sim = await startSimulator({ port: 0, tenants: PARK ? [] : [{ name: TENANT, tokens: [token] }], park, latencyMs: 5 });
    out.write(
      PARK
        ? `Xelion simulator   ${sim.url} (a park: ${park!.tenants.filter((t) => t.statusEnum === 'PRELOADED' && !t.isTemplate).length} preloaded tenants)\n`
        : `Xelion simulator   ${sim.url} (tenant "${TENANT}")\n`,
    );
    const settings = loadSettings({
      DATA_DIR: 'memory', // the embedded database in memory: nothing is kept
      ROOT_API_KEY: rootKey,
      OUTBOUND_ALLOW_PRIVATE: 'true',
      EXECUTOR_POLL_MS: '100',
      LOG_LEVEL: 'info',
    });
    running = await createApp(settings, { logDestination: logStream });
    await running.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = running.app.getHttpServer().address() as { port: number };
    const baseUrl = `http://127.0.0.1:${port}`;
    out.write(`Provisioning service ${baseUrl} (embedded database in memory) after ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

    // The services beside Xelion, as the organization's credentials (the simulator plays them too).
    const me = await api(baseUrl, rootKey, 'GET', '/api/v1/organizations/me');
    const credentials = simulatorCredentials(sim);
    if (PARK) {
      // The master tenant's administrator, for the order to log in to the master tenant with.
      const admin = park!.users.find((user) => user.administrator)!;
      Object.assign(credentials, { 'park.userName': admin.userName, 'park.password': admin.password });
    }
    for (const [key, value] of Object.entries(credentials)) {
      await api(baseUrl, rootKey, 'PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value });
    }

    const configuration = JSON.parse(readFileSync(findExample(), 'utf8'));
    const { id } = await api(baseUrl, rootKey, 'POST', '/api/v1/provision', configuration, {
      'Xelion-Server-Url': sim.url,
      'Xelion-Tenant-Name': TENANT,
      // A park order: no token; the stored park.* credentials log in to the master tenant.
      ...(PARK ? { 'Xelion-Tenant-Licenses': 'user=25, phone=25' } : { 'Xelion-Tenant-Token': token }),
    });
    out.write(`\nOrder ${id}: examples/small-office.json (${configuration.users.length} users, ${configuration.departments?.length ?? 0} departments)${PARK ? ', on a tenant taken from the park' : ''}\n`);

    let order;
    let lastLine = '';
    for (;;) {
      order = await api(baseUrl, rootKey, 'GET', `/api/v1/orders/${id}`);
      const line = `${bar(order.progress.done, order.progress.total)} ${order.status === 'IN_PROGRESS' ? (order.currentStep ?? '') : order.status}`;
      if (tty) out.write(`\r${line.padEnd(90).slice(0, 90)}`);
      else if (line !== lastLine) out.write(`${line}\n`);
      lastLine = line;
      if (order.status === 'COMPLETED' || order.status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (tty) out.write('\n');

    if (order.status === 'FAILED') {
      out.write(`\nThe order FAILED: ${order.error.code}: ${order.error.message} (step ${order.error.step})\nService log: ${logFile}\n`);
      return 1;
    }
    const state = sim.dump(TENANT) as Record<string, Record<string, unknown>[]>;
    const calls = sim.calls(TENANT);
    if (PARK) {
      const taken = [...sim.state.park!.tenants.values()].find((t) => t.subDatabaseName === TENANT)!;
      const licenses = taken.licenseCounts.map((c) => `${c.name.replace(/^license\./, '')} ${c.max}`).join(', ');
      out.write(`\nTaken from the park: tenant ${order.tenant.databaseId}, now "${taken.subDatabaseName}", ${taken.statusEnum}, licences ${licenses}\n`);
    }
    out.write(`\nThe tenant "${TENANT}" now holds:\n`);
    out.write(`  organisation  ${state.organisations.map((o) => o.name).join(', ')}\n`);
    out.write(`  users         ${state.users.length}\n`);
    for (const user of state.users) {
      const line = state.phoneLines.find((l) => (l.oid as string) === (user.primaryLine as { oid: string } | null)?.oid);
      const extension = (line?.extensions as { address: string }[] | undefined)?.map((e) => e.address).join(',') ?? '';
      out.write(`                - ${String(user.userName).padEnd(40)} ext ${extension.padEnd(5)} ${line?.externalNumber ?? ''}\n`);
    }
    out.write(`  phone lines   ${state.phoneLines.length} (${state.phoneLines.map((l) => l.commonName).filter((n) => !state.users.some((u) => u.commonName === n)).join(', ')} and one per user)\n`);
    out.write(`  phones        ${state.phones.length}, registered at the redirection server: ${sim.state.registrations.size}\n`);
    out.write(`  trunk         ${state.trunks.map((t) => `${t.providerName}, ${(t.assignedNumbers as unknown[]).length} numbers, caller id ${t.defaultCallerNr}`).join('; ')}\n`);
    out.write(`  new numbers   ${order.result.numbersAllocated.map((n: { label: string; number: string }) => `${n.label} → ${n.number}`).join(', ') || 'none'}\n`);
    out.write(`\nCreated ${JSON.stringify(order.result.created)} in ${calls.total} Xelion calls; ${((Date.now() - started) / 1000).toFixed(1)} s in all.\n`);
    return 0;
  } finally {
    await running?.close();
    await sim?.close();
    await new Promise((r) => logStream.end(r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
