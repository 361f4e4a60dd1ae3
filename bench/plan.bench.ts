/**
 * Plan benchmark (docs/provisioning.md, "Plan"): the Xelion calls an order makes now that it reads the
 * tenant in bulk in its preflight and answers its look-ups from that reading, and how long a plan of a
 * large configuration takes. Against the simulator at 20 ms per call, the service in this process (the
 * embedded database, or DATABASE_URL: an empty database):
 *
 *   1. examples/company-200.json without phones (numbers fixed, so that a re-run changes nothing) on an
 *      empty tenant: the calls, against the budget of 904 (10 % fewer than the 1,005 the engine made with
 *      a look-up per user);
 *   2. the same order again: at most 40 calls, everything found;
 *   3. 10 % of the users' lines changed behind the service's back: the re-run's calls plus one write each;
 *   4. a plan of examples/company-2000.json against a tenant that holds it: under 30 s;
 *   5. plans of a 10-user and a 200-user configuration against a tenant of 5,000 users: the calls of the
 *      reading that looks objects up when that is cheaper, against reading every collection in full
 *      (the same gateway, in the same run).
 *
 *   npm run build && node dist/bench/plan.bench.js
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startSimulator, type RunningSimulator } from '../tools/xelion-simulator/simulator.js';
import { simulatorCredentials } from '../tools/xelion-simulator/credentials.js';
import { XelionTenantGatewayFactory } from '../src/provisioning/xelion-tenant-gateway.js';
import { XelionClientFactory } from '../src/xelion/xelion-client.factory.js';
import { seedUsers, type SeededUser } from '../tools/xelion-simulator/seed.js';
import { startInProcessService, type InProcessService } from './support/in-process-service.js';
import { machine, writeSection } from './support/report.js';

const LATENCY_MS = 20;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** A configuration whose `new` numbers are fixed ones (a re-run then changes nothing), optionally without phones. */
function fixed(path: string, withPhones: boolean, offset: number): Json {
  const document = JSON.parse(readFileSync(path, 'utf8'));
  let n = offset;
  const number = (value: Json) => (value?.new ? { new: false, value: `+3120${String(n++).padStart(7, '0')}` } : value);
  for (const user of document.users) {
    user.externalNumber = number(user.externalNumber);
    if (!withPhones) user.phones = [];
  }
  for (const department of document.departments ?? []) department.externalNumbers = (department.externalNumbers ?? []).map(number);
  return document;
}

async function order(service: InProcessService, sim: RunningSimulator, tenant: string, token: string, document: Json): Promise<{ calls: number; result: Json; ms: number }> {
  sim.state.tenant(tenant).resetCalls();
  const started = Date.now();
  const created = await service.call('POST', '/api/v1/provision', document, {
    'xelion-server-url': sim.url,
    'xelion-tenant-name': tenant,
    'xelion-tenant-token': token,
    'x-callback-url': service.callbackUrl,
  });
  await service.ended(created.id);
  const finished = await service.call('GET', `/api/v1/orders/${created.id}`);
  if (finished.status !== 'COMPLETED') throw new Error(`order ${created.id}: ${finished.status} ${JSON.stringify(finished.error)}`);
  return { calls: sim.calls(tenant).total, result: finished.result, ms: Date.now() - started };
}

/** A configuration of `existing` seeded users and `count - existing` new ones, with internal numbers and one department of the new ones. */
function mixed(seeded: SeededUser[], count: number, existing: number): Json {
  const users: Json[] = seeded.slice(seeded.length - existing).map((user) => ({ email: user.userName, firstName: user.givenName, lastName: user.familyName, internalNumber: user.extension }));
  for (let i = 0; users.length < count; i += 1) users.push({ email: `new${i}@bench.example`, firstName: 'New', lastName: `User ${i}`, internalNumber: String(2000 + i) });
  const newcomers = users.slice(existing).map((user) => user.email);
  return { version: 1, organization: { name: 'Bench Large' }, users, departments: [{ name: 'Reception', users: newcomers.slice(0, 20), internalNumbers: ['4999'] }] };
}

async function main(): Promise<void> {
  const token = randomBytes(16).toString('hex');
  const sim = await startSimulator({
    port: 0,
    tenants: [
      { name: 'office', tokens: [token] },
      { name: 'large', tokens: [token] },
      { name: 'huge', tokens: [token] },
    ],
    latencyMs: LATENCY_MS,
  });
  const service = await startInProcessService();
  try {
    const me = await service.call('GET', '/api/v1/organizations/me');
    for (const [key, value] of Object.entries(simulatorCredentials(sim, randomBytes(12).toString('hex')))) {
      await service.call('PUT', `/api/v1/organizations/${me.id}/credentials/${key}`, { value });
    }
    const office = fixed('examples/company-200.json', false, 0);
    const empty = await order(service, sim, 'office', token, office);
    const again = await order(service, sim, 'office', token, office);

    // 10 % of the users: their personal line's voicemail switched behind the service's back.
    const lines = sim.dump('office').phoneLines as Json[];
    const changedUsers = office.users.slice(0, Math.round(office.users.length / 10));
    for (const user of changedUsers) {
      const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
      const line = lines.find((l) => l.commonName === name);
      const answer = await fetch(`${sim.url}/api/v1/office/phonelines/${line.oid}`, {
        method: 'PATCH',
        headers: { authorization: `xelion ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ operations: [{ op: 'replace', path: '/userPhoneLine/voicemailActive', value: !line.userPhoneLine?.voicemailActive }] }),
      });
      if (!answer.ok) throw new Error(`could not change line ${line.oid}: ${answer.status}`);
    }
    const changed = await order(service, sim, 'office', token, office);

    // The plan of a large configuration against a tenant that holds it (provisioned without latency first).
    const large = fixed('examples/company-2000.json', true, 5_000_000);
    sim.setOptions({ latencyMs: 0 });
    await order(service, sim, 'large', token, large);
    sim.setOptions({ latencyMs: LATENCY_MS });
    sim.state.tenant('large').resetCalls();
    const planStarted = Date.now();
    const plan = await service.call('POST', '/api/v1/provision/plan', large, { 'xelion-server-url': sim.url, 'xelion-tenant-name': 'large', 'xelion-tenant-token': token });
    const planMs = Date.now() - planStarted;
    const planCalls = sim.calls('large').total;

    // Plans against a tenant of 5,000 users: the reading that looks up when cheaper, against reading everything.
    const seeded = seedUsers(sim, 'huge', 5_000);
    const gateways = new XelionTenantGatewayFactory(new XelionClientFactory({ outboundAllowPrivate: true, xelion: { maxConcurrency: 4, timeoutMs: 30_000 } }));
    const everything = async (document: Json): Promise<{ calls: number; ms: number }> => {
      const gateway = gateways.forTenant({ serverUrl: sim.url, tenant: 'huge', token });
      sim.state.tenant('huge').resetCalls();
      const started = Date.now();
      await gateway.about();
      await Promise.all([gateway.findOrganisations(document.organization.name), gateway.readUsers(), gateway.readPersons(), gateway.readLines(), gateway.readPhones(), gateway.trunks()]);
      return { calls: sim.calls('huge').total, ms: Date.now() - started };
    };
    const adaptive = async (document: Json): Promise<{ calls: number; ms: number; reading: string }> => {
      sim.state.tenant('huge').resetCalls();
      const started = Date.now();
      const answer = await service.call('POST', '/api/v1/provision/plan', document, { 'xelion-server-url': sim.url, 'xelion-tenant-name': 'huge', 'xelion-tenant-token': token });
      const reading = answer.requirements.find((r: Json) => r.name === 'tenantRead');
      if (!reading?.ok || answer.conflicts.length > 0) throw new Error(`the plan of the large tenant failed: ${JSON.stringify(answer.requirements)} ${JSON.stringify(answer.conflicts)}`);
      return { calls: sim.calls('huge').total, ms: Date.now() - started, reading: String(reading.message).replace(/^read /, '') };
    };
    const largeRows: string[] = [];
    for (const [count, existing] of [
      [10, 5],
      [200, 100],
    ] as const) {
      const document = mixed(seeded, count, existing);
      const full = await everything(document);
      const chosen = await adaptive(document);
      largeRows.push(
        `| ${count} users (${existing} of them in the tenant) | ${chosen.calls} calls, ${(chosen.ms / 1000).toFixed(2)} s (${chosen.reading}) | ${full.calls} calls, ${(full.ms / 1000).toFixed(2)} s | **${(chosen.calls / full.calls).toFixed(2)}** |`,
      );
    }

    const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
    const sum = (counts: Record<string, number> = {}) => Object.values(counts).reduce((a, b) => a + b, 0);
    const rows = [
      `| company-200 without phones, empty tenant | ${empty.calls} | ≤ 904 (the look-up-per-user engine made 1,005) | ${verdict(empty.calls <= 904)} |`,
      `| the same order again, nothing changed | ${again.calls} (created ${sum(again.result.created)}, updated ${sum(again.result.updated)}) | ≤ 40, all unchanged | ${verdict(again.calls <= 40 && sum(again.result.created) + sum(again.result.updated) === 0)} |`,
      `| again after ${changedUsers.length} users' lines changed behind its back | ${changed.calls} (updated ${sum(changed.result.updated)}) | ${again.calls} + ${changedUsers.length} = ${again.calls + changedUsers.length} | ${verdict(changed.calls <= again.calls + changedUsers.length)} |`,
      `| plan of company-2000 (${plan.summary.unchanged} unchanged, ${plan.summary.update} update, ${plan.summary.create} create) on a tenant that holds it | ${planCalls} calls, ${(planMs / 1000).toFixed(1)} s | < 30 s | ${verdict(planMs < 30_000)} |`,
    ];
    const markdown = `## Plan and call budgets

\`npm run build && node dist/bench/plan.bench.js\` — ${machine()}; simulator at ${LATENCY_MS} ms per call, XELION_MAX_CONCURRENCY 4, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database'}.
The order's preflight reads what the configuration needs of the tenant (docs/provisioning.md, "Reading the tenant": here
every list, as each ends within the pages its look-ups would take; phones and trunks only when the configuration has
phones or numbers) and the steps' first attempts answer their look-ups from that reading; only creates and updates go
to the tenant.
The 1,005 calls of the former engine (a look-up per user) are the figure measured before this change; it no
longer exists to run beside it.

| case | Xelion calls | budget | |
|---|---|---|---|
${rows.join('\n')}

Plans against a tenant of 5,000 users (seeded straight into the simulator: a Person, a personal line and a user
each), configurations with internal numbers and one department. The reading reads a collection page by page for as
many pages as looking its objects up would take, and looks them up when the list has not ended by then; lines (for
extensions in use) are read in full. The baseline reads every collection in full, as the plan did before, through
the same gateway (plus the same version and token checks).

The reading reads the persons once it knows which users exist, so on a tenant this large it takes one list's time
more than reading everything at once (about 50 pages × 20 ms), while it sends no more calls.

| configuration | plan, reading chosen per collection | baseline: every collection read in full | calls ÷ baseline |
|---|---|---|---|
${largeRows.join('\n')}
`;
    console.log(markdown);
    writeSection('plan', markdown);
  } finally {
    await service.close();
    await sim.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
