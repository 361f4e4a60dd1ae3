/**
 * The chaos suite's verdicts (`npm run chaos`), as pure functions over what the run
 * recorded, so that each can be shown to fail (test/unit/chaos-checks.spec.ts). Each returns the
 * violations it found; an empty list is a pass.
 */

export interface OrderOutcome {
  id: number;
  status: string;
  error: { code?: string; message?: string } | null;
}

/** Every order ended COMPLETED, or FAILED with a cause (a code and a message). */
export function checkOrdersFinished(orders: OrderOutcome[]): string[] {
  const violations: string[] = [];
  for (const order of orders) {
    if (order.status === 'COMPLETED') continue;
    if (order.status === 'FAILED') {
      if (!order.error?.code || !order.error.message) violations.push(`order ${order.id} FAILED without a cause: ${JSON.stringify(order.error)}`);
      continue;
    }
    violations.push(`order ${order.id} is still ${order.status}`);
  }
  return violations;
}

/** A request the simulator logged for one tenant (tools/xelion-simulator, `recordRequests`). */
export interface LoggedRequest {
  agent: string;
  startedAt: number;
  endedAt: number;
  method: string;
  path: string;
  query?: string;
  status: number;
}

/**
 * Every request stayed within the Xelion contract: the strict simulator answers 400 to whatever the
 * contract does not define (docs/xelion-contract.md), which would otherwise only show as a FAILED order.
 */
export function checkWithinContract(tenant: string, requests: LoggedRequest[]): string[] {
  return requests.filter((r) => r.status === 400).map((r) => `tenant ${tenant}: ${r.method} ${r.path}${r.query ?? ''} was refused (400): not in the contract`);
}

/**
 * Never run by two instances at once. Each order has a tenant of its own, and every request names
 * its instance (process) in User-Agent. Sorted by arrival, the requests fall into blocks of one
 * instance; where the instance changes, the order changed hands, which needs the old lease to
 * expire — the old instance stops calling at least the executor's safety margin before the lease
 * ends (RunControl.leaseValidUntil), and the new one claims only after it ended. So at every change
 * the earlier block has finished (all its requests answered) and `minHandoverMs` passed before the
 * next block starts. Two instances running the order together alternate within milliseconds and fail this.
 */
export function checkSingleRunner(tenant: string, requests: LoggedRequest[], minHandoverMs: number): string[] {
  const sorted = [...requests].sort((a, b) => a.startedAt - b.startedAt);
  const violations: string[] = [];
  let blockStart = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i].agent === sorted[blockStart].agent) continue;
    if (i < sorted.length) {
      const block = sorted.slice(blockStart, i);
      const lastEnd = Math.max(...block.map((r) => r.endedAt));
      const next = sorted[i];
      if (next.startedAt - lastEnd < minHandoverMs) {
        const gap = Math.round(next.startedAt - lastEnd);
        violations.push(
          `tenant ${tenant}: ${next.agent} sent ${next.method} ${next.path} ${gap} ms after ${sorted[blockStart].agent}'s last request ended (a hand-over needs ≥ ${minHandoverMs} ms): two instances ran the order at once`,
        );
      }
      blockStart = i;
    }
  }
  return violations;
}

/** What the simulator holds for one tenant (`dump()`), the groups the check reads. */
export interface TenantDump {
  organisations: { commonName?: unknown; name?: unknown }[];
  persons: { commonName?: unknown }[];
  users: { userName?: unknown }[];
  phoneLines: { commonName?: unknown }[];
  phones: { provisioningInfo?: { macAddress?: unknown } }[];
  trunks: { commonName?: unknown }[];
}

function duplicatesOf(values: unknown[]): string[] {
  const seen = new Map<string, number>();
  for (const value of values) seen.set(String(value), (seen.get(String(value)) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([value, n]) => `${value} ×${n}`);
}

/**
 * No duplicate object in the tenant: one organisation, one trunk at most, and persons, users, lines
 * and phones unique by their natural keys; a COMPLETED order's tenant also holds every user and phone
 * of its configuration.
 */
export function checkTenant(tenant: string, dump: TenantDump, expected: { users: number; phones: number }, completed: boolean): string[] {
  const violations: string[] = [];
  if (dump.organisations.length > 1) violations.push(`tenant ${tenant}: ${dump.organisations.length} organisations`);
  if (dump.trunks.length > 1) violations.push(`tenant ${tenant}: ${dump.trunks.length} trunks`);
  const groups: [string, unknown[]][] = [
    ['persons', dump.persons.map((p) => p.commonName)],
    ['users', dump.users.map((u) => u.userName)],
    ['phone lines', dump.phoneLines.map((l) => l.commonName)],
    ['phones', dump.phones.map((p) => p.provisioningInfo?.macAddress)],
  ];
  for (const [what, keys] of groups) {
    const twice = duplicatesOf(keys);
    if (twice.length > 0) violations.push(`tenant ${tenant}: duplicate ${what}: ${twice.join(', ')}`);
  }
  if (completed) {
    if (dump.organisations.length !== 1) violations.push(`tenant ${tenant}: COMPLETED but ${dump.organisations.length} organisations`);
    if (dump.users.length !== expected.users) violations.push(`tenant ${tenant}: COMPLETED with ${dump.users.length} users, the configuration has ${expected.users}`);
    if (dump.phones.length !== expected.phones) violations.push(`tenant ${tenant}: COMPLETED with ${dump.phones.length} phones, the configuration has ${expected.phones}`);
  }
  return violations;
}

/** One webhook request as the receiver saw it. */
export interface DeliveredWebhook {
  id: string;
  verified: boolean;
  json: { mid?: number; type?: string; data?: { id?: number; status?: string; previousStatus?: string | null } } | undefined;
}

export interface WebhookVerdict {
  violations: string[];
  /** Messages received more than once (redelivered after a crash or a lost answer: allowed, de-duplicated by webhook-id). */
  redelivered: number;
  unique: number;
}

/**
 * Every status change of the order delivered, in order, each verified with `standardwebhooks`: in
 * order of first arrival (duplicates dropped by `webhook-id`), the messages form the chain
 * NOT_STARTED → … → the order's final status, each `previousStatus` the status before it, with
 * increasing `mid`s equal to the `webhook-id`s.
 */
export function checkWebhooks(order: OrderOutcome, received: DeliveredWebhook[]): WebhookVerdict {
  const violations: string[] = [];
  const firsts = new Map<string, DeliveredWebhook>();
  let redelivered = 0;
  for (const message of received) {
    if (!message.verified) violations.push(`order ${order.id}: message ${message.id} did not verify with standardwebhooks`);
    if (firsts.has(message.id)) {
      redelivered++;
      if (JSON.stringify(firsts.get(message.id)!.json) !== JSON.stringify(message.json)) violations.push(`order ${order.id}: message ${message.id} came again with another body`);
    } else {
      firsts.set(message.id, message);
    }
  }
  const chain = [...firsts.values()];
  let previous: string = 'NOT_STARTED';
  let lastMid = 0;
  for (const message of chain) {
    const data = message.json?.data;
    const mid = message.json?.mid ?? 0;
    if (String(mid) !== message.id) violations.push(`order ${order.id}: webhook-id ${message.id} but mid ${mid}`);
    if (mid <= lastMid) violations.push(`order ${order.id}: message ${mid} arrived after message ${lastMid}`);
    if (data?.previousStatus !== previous) {
      violations.push(`order ${order.id}: message ${mid} says ${data?.previousStatus} → ${data?.status}, but the status before it was ${previous} (a change is missing or out of order)`);
    }
    previous = data?.status ?? '?';
    lastMid = Math.max(lastMid, mid);
  }
  if (previous !== order.status) violations.push(`order ${order.id}: the last status delivered is ${previous}, the order is ${order.status}`);
  return { violations, redelivered, unique: chain.length };
}

/** No secret of the run appears in any log line. */
export function checkLogsFreeOfSecrets(logs: { name: string; text: string }[], secrets: string[]): string[] {
  const violations: string[] = [];
  for (const log of logs) {
    for (const secret of secrets) {
      if (secret && log.text.includes(secret)) violations.push(`${log.name} contains a secret (${secret.slice(0, 6)}…)`);
    }
  }
  return violations;
}
