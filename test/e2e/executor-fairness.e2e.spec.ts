import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OrderJournal } from '../../src/provisioning/order-journal.js';
import { createOrganization, type OrgWithKey } from '../support/factories.js';
import { ROOT_KEY, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The claim's fairness (docs/security.md, "Outbound deadlines and fairness"): the orders of one
 * top-level organization — a child of the root with its whole subtree, the root's own orders one more
 * group — never hold more than EXECUTOR_MAX_PER_ORGANIZATION of an instance's slots.
 */
const MINIMAL = JSON.parse(readFileSync(new URL('../../examples/minimal.json', import.meta.url), 'utf8'));

describe('OrderJournal.claim with EXECUTOR_MAX_PER_ORGANIZATION', () => {
  let app: TestApp;
  let journal: OrderJournal;
  let a: OrgWithKey;
  let aChild: OrgWithKey;
  let aGrandchild: OrgWithKey;
  let b: OrgWithKey;
  const ids = new Map<string, number[]>();

  const provision = async (name: string, key: string) => {
    const response = await app.request('POST', '/api/v1/provision', {
      key,
      body: MINIMAL,
      headers: { 'Xelion-Server-Url': 'http://127.0.0.1:9', 'Xelion-Tenant-Name': 'pbx1', 'Xelion-Tenant-Token': 'canary-fairness-token' },
    });
    expect(response.status, response.text).toBe(201);
    ids.set(name, [...(ids.get(name) ?? []), response.body.id]);
  };

  beforeAll(async () => {
    // No executor: the test claims by hand, as an instance with 8 slots and at most 2 per organization.
    app = await startTestApp({ EXECUTOR_ENABLED: 'false', WEBHOOK_DISPATCHER_ENABLED: 'false', EXECUTOR_CONCURRENCY: '8', EXECUTOR_MAX_PER_ORGANIZATION: '2' });
    journal = app.app.get(OrderJournal);
    a = await createOrganization(app, ROOT_KEY, 'reseller A');
    aChild = await createOrganization(app, a.key, 'A child', a.id);
    aGrandchild = await createOrganization(app, aChild.key, 'A grandchild', aChild.id);
    b = await createOrganization(app, ROOT_KEY, 'reseller B');
    // A's subtree first (lowest ids), then B, then the root itself.
    for (const [name, key] of [['a', a.key], ['aChild', aChild.key], ['aGrandchild', aGrandchild.key], ['aGrandchild', aGrandchild.key], ['b', b.key], ['b', b.key], ['b', b.key], ['root', ROOT_KEY]] as const) {
      await provision(name, key);
    }
  });
  afterAll(() => app?.close());

  it('claims at most the cap per top-level organization, its whole subtree counted together', async () => {
    const claimed = await journal.claim('fairness-test', 8);
    const groups = new Map<number, number[]>();
    for (const order of claimed) groups.set(order.group, [...(groups.get(order.group) ?? []), order.id]);
    // A's subtree (4 orders) and B (3 orders) get 2 each; the root's own order is a group of its own.
    expect(claimed.map((order) => order.id).sort((x, y) => x - y)).toEqual(
      [...ids.get('a')!, ...ids.get('aChild')!, ...ids.get('b')!.slice(0, 2), ...ids.get('root')!].sort((x, y) => x - y),
    );
    expect(groups.get(a.id)).toHaveLength(2);
    expect(groups.get(b.id)).toHaveLength(2);
    expect([...groups.keys()].filter((group) => group < 0)).toHaveLength(1);

    // Held orders count: with A and B at their cap here, only orders of others would be claimed.
    const held = new Map([...groups].map(([group, orders]) => [group, orders.length]));
    expect(await journal.claim('fairness-test', 8, held)).toEqual([]);
    // One of A's finishes: one more of A's subtree (the oldest waiting) is claimed, none of B's.
    held.set(a.id, 1);
    const next = await journal.claim('fairness-test', 8, held);
    expect(next.map((order) => order.id)).toEqual([ids.get('aGrandchild')![0]]);
    expect(next[0].group).toBe(a.id);

    // An order whose lease ran out while its run is still here (stuck) is left to other instances.
    await app.dataSource.query(`UPDATE orders SET locked_until = now() - interval '1 second' WHERE id = $1`, [ids.get('root')![0]]);
    const rootGroup = [...groups.keys()].find((group) => group < 0)!;
    held.set(a.id, 2);
    held.set(rootGroup, 0);
    expect(await journal.claim('fairness-test', 8, held, ids.get('root')!)).toEqual([]);
    expect((await journal.claim('another-instance', 8, new Map())).map((order) => order.id)).toEqual(expect.arrayContaining(ids.get('root')!));
  });
});
