import { describe, expect, it } from 'vitest';
import { checkLogsFreeOfSecrets, checkOrdersFinished, checkSingleRunner, checkTenant, checkWebhooks, checkWithinContract, type DeliveredWebhook, type TenantDump } from '../../chaos/checks.js';
import { chaosOrders } from '../../chaos/workload.js';
import { ConfigurationValidator } from '../../src/configuration/configuration.validator.js';

const request = (agent: string, startedAt: number, endedAt = startedAt + 5, status = 200) => ({ agent, startedAt, endedAt, method: 'GET', path: '/users', status });

describe('chaos checks (each can fail)', () => {
  it('orders: COMPLETED, or FAILED with a code and a message', () => {
    expect(checkOrdersFinished([{ id: 1, status: 'COMPLETED', error: null }, { id: 2, status: 'FAILED', error: { code: 'XELION_UNAVAILABLE', message: 'down' } }])).toEqual([]);
    expect(checkOrdersFinished([{ id: 3, status: 'IN_PROGRESS', error: null }])).toEqual(['order 3 is still IN_PROGRESS']);
    expect(checkOrdersFinished([{ id: 4, status: 'FAILED', error: null }])[0]).toMatch(/without a cause/);
  });

  it('single runner: a hand-over after a gap passes; two instances alternating fail', () => {
    expect(checkSingleRunner('t', [request('A', 0), request('A', 10), request('B', 3_500), request('B', 3_600)], 300)).toEqual([]);
    // A again after B died and its lease ran out: still one at a time.
    expect(checkSingleRunner('t', [request('A', 0), request('B', 3_500), request('A', 7_500)], 300)).toEqual([]);
    const interleaved = checkSingleRunner('t', [request('A', 0), request('B', 6), request('A', 12), request('B', 18)], 300);
    expect(interleaved).toHaveLength(3);
    expect(interleaved[0]).toMatch(/two instances ran the order at once/);
    // B starts while A's request is still unanswered.
    expect(checkSingleRunner('t', [request('A', 0, 1_000), request('B', 500)], 300)).toHaveLength(1);
  });

  it('contract: a request the strict simulator refused (400) is a violation; 404, 429 and 500 are not', () => {
    expect(checkWithinContract('t', [request('A', 0), request('A', 5, 6, 404), request('A', 7, 8, 429), request('A', 9, 10, 500)])).toEqual([]);
    const refused = checkWithinContract('t', [{ ...request('A', 0, 5, 400), query: '?where=provisioningInfo.macAddress=80:5E:C0:12:34:56' }]);
    expect(refused).toEqual(['tenant t: GET /users?where=provisioningInfo.macAddress=80:5E:C0:12:34:56 was refused (400): not in the contract']);
  });

  it('tenant: duplicates by natural key, and missing objects of a COMPLETED order', () => {
    const dump: TenantDump = {
      organisations: [{ commonName: 'Org' }],
      persons: [{ commonName: 'Ann A' }, { commonName: 'Bob B' }],
      users: [{ userName: 'ann' }, { userName: 'bob' }],
      phoneLines: [{ commonName: 'Ann A' }, { commonName: 'Bob B' }],
      phones: [{ provisioningInfo: { macAddress: '02:00:00:00:00:01' } }],
      trunks: [],
    };
    expect(checkTenant('t', dump, { users: 2, phones: 1 }, true)).toEqual([]);
    const doubled = { ...dump, persons: [...dump.persons, { commonName: 'Ann A' }] };
    expect(checkTenant('t', doubled, { users: 2, phones: 1 }, true)).toEqual(['tenant t: duplicate persons: Ann A ×2']);
    expect(checkTenant('t', { ...dump, organisations: [...dump.organisations, { commonName: 'Org' }] }, { users: 2, phones: 1 }, false)).toEqual(['tenant t: 2 organisations']);
    expect(checkTenant('t', dump, { users: 3, phones: 1 }, true)).toEqual(['tenant t: COMPLETED with 2 users, the configuration has 3']);
    expect(checkTenant('t', dump, { users: 3, phones: 1 }, false)).toEqual([]);
  });

  it('webhooks: the whole chain, in order, verified; redeliveries allowed', () => {
    const message = (mid: number, previousStatus: string, status: string, verified = true): DeliveredWebhook => ({
      id: String(mid),
      verified,
      json: { mid, type: 'orderStatusChanged', data: { id: 7, status, previousStatus } },
    });
    const order = { id: 7, status: 'COMPLETED', error: null };
    const good = [message(10, 'NOT_STARTED', 'IN_PROGRESS'), message(10, 'NOT_STARTED', 'IN_PROGRESS'), message(12, 'IN_PROGRESS', 'COMPLETED')];
    expect(checkWebhooks(order, good)).toEqual({ violations: [], redelivered: 1, unique: 2 });
    expect(checkWebhooks(order, [message(12, 'IN_PROGRESS', 'COMPLETED')]).violations[0]).toMatch(/a change is missing or out of order/);
    expect(checkWebhooks(order, [message(12, 'IN_PROGRESS', 'COMPLETED'), message(10, 'NOT_STARTED', 'IN_PROGRESS')]).violations.length).toBeGreaterThan(0);
    expect(checkWebhooks(order, [message(10, 'NOT_STARTED', 'IN_PROGRESS')]).violations).toEqual(['order 7: the last status delivered is IN_PROGRESS, the order is COMPLETED']);
    expect(checkWebhooks(order, [message(10, 'NOT_STARTED', 'IN_PROGRESS', false), message(12, 'IN_PROGRESS', 'COMPLETED')]).violations[0]).toMatch(/did not verify/);
  });

  it('logs: any secret in any line', () => {
    expect(checkLogsFreeOfSecrets([{ name: 'a.log', text: 'all fine' }], ['s3cret-token'])).toEqual([]);
    expect(checkLogsFreeOfSecrets([{ name: 'a.log', text: 'Authorization: xelion s3cret-token' }], ['s3cret-token'])).toHaveLength(1);
  });
});

describe('chaos workload', () => {
  it('every configuration is valid, every tenant and MAC address unique', () => {
    const orders = chaosOrders(30, 3);
    const validator = new ConfigurationValidator();
    for (const order of orders) {
      const result = validator.validate(order.configuration);
      expect(result.valid ? [] : result.errors, `order ${order.index}`).toEqual([]);
    }
    expect(new Set(orders.map((o) => o.tenant)).size).toBe(30);
    const macs = orders.flatMap((o) => o.configuration.users.flatMap((u) => (u.phones ?? []).map((p) => p.macAddress)));
    expect(new Set(macs).size).toBe(macs.length);
    expect(orders[0].expected.users).toBe(10);
  });
});
