import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/common/auth/caller.js';
import { OrdersRepository, type StatusColumns } from '../../src/orders/orders.repository.js';
import { openRepositoryDatabase, type RepositoryDatabase } from '../support/repository-database.js';
import { insertOrganization as organization } from '../support/repository-fixtures.js';

function callerOf(org: { id: number; ancestorIds: number[] }): Caller {
  return { organizationId: org.id, ancestorIds: org.ancestorIds, apiKeyId: 0, organization: { id: org.id, name: 'x', parentId: null, createdAt: new Date(), allowedServerHosts: null } };
}

const STEPS = [
  { seq: 0, stage: 0, kind: 'organisation', subject: null, name: 'organisation' },
  { seq: 1, stage: 1, kind: 'user', subject: 'a@example.com', name: 'user a@example.com' },
  { seq: 2, stage: 1, kind: 'user', subject: 'b@example.com', name: 'user b@example.com' },
];

const KEEP: StatusColumns = { finished: false, releaseLease: false, clearCurrentStep: false, clearNextRun: false, eraseToken: false, countProgress: false };

describe('OrdersRepository (real database)', () => {
  let db: RepositoryDatabase;
  let repo: OrdersRepository;
  let root: { id: number; ancestorIds: number[] };
  let reseller: { id: number; ancestorIds: number[] };
  let child: { id: number; ancestorIds: number[] };
  let other: { id: number; ancestorIds: number[] };

  beforeAll(async () => {
    db = await openRepositoryDatabase();
    repo = new OrdersRepository(db.dataSource);
    root = await organization(db.dataSource, 'root');
    reseller = await organization(db.dataSource, 'reseller', root);
    child = await organization(db.dataSource, 'child', reseller);
    other = await organization(db.dataSource, 'other', root);
  });
  afterAll(() => db?.close());

  async function newOrder(org: { id: number }, idempotencyKey: string | null = null, requestHash: string | null = null): Promise<number | undefined> {
    return db.dataSource.transaction(async (manager) => {
      const id = await repo.insert(
        manager,
        { organizationId: org.id, serverUrl: 'https://pbx.example.com', tenantName: 'pbx', callbackUrl: null, configuration: { v: 1 }, idempotencyKey, requestHash, planHash: null },
        STEPS.length,
      );
      if (id !== undefined) await repo.insertSteps(manager, id, STEPS);
      return id;
    });
  }

  async function statusOf(id: number): Promise<Record<string, unknown>> {
    const [row] = await db.dataSource.query(
      `SELECT status, error, finished_at, locked_by, locked_until, current_step, tenant_token_sealed, progress_done, progress_total, attempts, started_at FROM orders WHERE id = $1`,
      [id],
    );
    return row;
  }

  it('inserts an order with its steps; a repeated Idempotency-Key inserts nothing and finds the first order', async () => {
    const id = await newOrder(reseller, 'key-1', 'hash-1');
    expect(id).toBeGreaterThan(0);
    expect(await statusOf(id!)).toMatchObject({ status: 'NOT_STARTED', progress_total: 3, progress_done: 0 });
    expect((await repo.journalSteps(id!)).map((s) => [s.seq, s.kind, s.subject, s.status])).toEqual([
      [0, 'organisation', null, 'PENDING'],
      [1, 'user', 'a@example.com', 'PENDING'],
      [2, 'user', 'b@example.com', 'PENDING'],
    ]);
    expect(await newOrder(reseller, 'key-1', 'hash-2')).toBeUndefined();
    expect(await repo.findByIdempotencyKey(db.dataSource.manager, reseller.id, 'key-1')).toEqual({ id, requestHash: 'hash-1' });
    // The same key in another organization is another order.
    expect(await newOrder(child, 'key-1')).toBeGreaterThan(id!);
  });

  it('releases an Idempotency-Key only after its window', async () => {
    const id = (await newOrder(reseller, 'key-old'))!;
    await repo.releaseExpiredIdempotencyKey(db.dataSource.manager, reseller.id, 'key-old', 24);
    expect(await repo.findByIdempotencyKey(db.dataSource.manager, reseller.id, 'key-old')).toMatchObject({ id });
    await db.dataSource.query(`UPDATE orders SET created_at = now() - interval '25 hours' WHERE id = $1`, [id]);
    await repo.releaseExpiredIdempotencyKey(db.dataSource.manager, reseller.id, 'key-old', 24);
    expect(await repo.findByIdempotencyKey(db.dataSource.manager, reseller.id, 'key-old')).toBeUndefined();
  });

  it('stores and reports the sealed token', async () => {
    const id = (await newOrder(reseller))!;
    expect(await repo.hasSealedToken(db.dataSource.manager, id)).toBe(false);
    await repo.storeSealedToken(db.dataSource.manager, id, 'sealed-value');
    expect(await repo.hasSealedToken(db.dataSource.manager, id)).toBe(true);
  });

  it('counts unfinished orders per organization or per subtree, leaving one out', async () => {
    const scopeOrg = await organization(db.dataSource, 'quota', root);
    const below = await organization(db.dataSource, 'quota-child', scopeOrg);
    const a = (await newOrder(scopeOrg))!;
    await newOrder(below);
    const done = (await newOrder(below))!;
    await repo.writeStatus(db.dataSource.manager, done, 'NOT_STARTED', 'FAILED', { ...KEEP, finished: true, error: { code: 'CANCELLED', message: 'x', step: null } });
    const m = db.dataSource.manager;
    expect(await repo.countUnfinished(m, { id: scopeOrg.id, subtree: true }, 0)).toBe(2);
    expect(await repo.countUnfinished(m, { id: scopeOrg.id, subtree: true }, a)).toBe(1);
    expect(await repo.countUnfinished(m, { id: scopeOrg.id, subtree: false }, 0)).toBe(1);
    await db.dataSource.transaction((manager) => repo.lockQuotaScope(manager, { id: scopeOrg.id, subtree: true }));
  });

  it('finds and lists orders only inside the caller subtree', async () => {
    const mine = (await newOrder(child))!;
    const theirs = (await newOrder(other))!;
    expect((await repo.findInScope(callerOf(reseller), mine))?.id).toBe(mine);
    expect(await repo.findInScope(callerOf(reseller), theirs)).toBeNull();
    expect(await repo.findInScope(callerOf(child), theirs)).toBeNull();
    const page = await repo.listPage(callerOf(reseller), { limit: 200 }, (order) => order.id);
    expect(page.data).toContain(mine);
    expect(page.data).not.toContain(theirs);
    expect(page.data).toEqual([...page.data].sort((x, y) => y - x));
    const narrowed = await repo.listPage(callerOf(reseller), { limit: 200, organizationId: other.id }, (order) => order.id);
    expect(narrowed.data).toEqual([]);
    expect((await repo.stepEntities(mine)).map((s) => s.seq)).toEqual([0, 1, 2]);
  });

  it('writes a status only from the expected one, with the columns asked for', async () => {
    const id = (await newOrder(reseller))!;
    await repo.storeSealedToken(db.dataSource.manager, id, 'sealed');
    const m = db.dataSource.manager;
    expect(await repo.writeStatus(m, id, 'IN_PROGRESS', 'COMPLETED', { ...KEEP, finished: true })).toBe(false);
    expect(await statusOf(id)).toMatchObject({ status: 'NOT_STARTED' });
    expect(await repo.writeStatus(m, id, 'NOT_STARTED', 'IN_PROGRESS', { ...KEEP, clearNextRun: true, lease: { holder: 'me', seconds: 60 } })).toBe(true);
    const running = await statusOf(id);
    expect(running).toMatchObject({ status: 'IN_PROGRESS', locked_by: 'me', attempts: 1 });
    expect(running.started_at).not.toBeNull();
    await db.dataSource.query(`UPDATE order_steps SET status = 'DONE' WHERE order_id = $1 AND seq < 2`, [id]);
    expect(
      await repo.writeStatus(m, id, 'IN_PROGRESS', 'COMPLETED', { ...KEEP, error: null, finished: true, releaseLease: true, clearCurrentStep: true, eraseToken: true, countProgress: true }),
    ).toBe(true);
    expect(await statusOf(id)).toMatchObject({ status: 'COMPLETED', locked_by: null, locked_until: null, tenant_token_sealed: null, progress_done: 2, error: null });
    expect((await statusOf(id)).finished_at).not.toBeNull();
  });

  it('claims due orders once: two instances claiming at the same time never take the same order', async () => {
    const group = await organization(db.dataSource, 'claims', root);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await newOrder(group))!);
    const limits = { limit: 50, leaseSeconds: 60, held: new Map<number, number>(), maxPerGroup: 100, running: [] };
    const [a, b] = await Promise.all([
      db.dataSource.transaction((manager) => repo.claimDue(manager, 'instance-a', limits)),
      db.dataSource.transaction((manager) => repo.claimDue(manager, 'instance-b', limits)),
    ]);
    const mine = (rows: { id: number }[]) => rows.map((row) => row.id).filter((id) => ids.includes(id));
    expect([...mine(a), ...mine(b)].sort((x, y) => x - y)).toEqual(ids);
    expect(mine(a).filter((id) => mine(b).includes(id))).toEqual([]);
    expect(a.every((row) => row.previous_status === 'NOT_STARTED' || row.previous_status === 'IN_PROGRESS')).toBe(true);
    // Now leased: nothing of these is due.
    const again = await db.dataSource.transaction((manager) => repo.claimDue(manager, 'instance-c', limits));
    expect(mine(again)).toEqual([]);
  });

  it('claims at most maxPerGroup of one group, counting those held, and never the ones still running here', async () => {
    const group = await organization(db.dataSource, 'fair', root);
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push((await newOrder(group))!);
    // Other tests' due orders are claimed out of the way first.
    await db.dataSource.transaction((manager) => repo.claimDue(manager, 'sweeper', { limit: 1000, leaseSeconds: 600, held: new Map(), maxPerGroup: 1000, running: ids }));
    const claimed = await db.dataSource.transaction((manager) =>
      repo.claimDue(manager, 'fair-instance', { limit: 10, leaseSeconds: 60, held: new Map([[group.id, 1]]), maxPerGroup: 3, running: [ids[0]] }),
    );
    expect(claimed.map((row) => row.id)).toEqual([ids[1], ids[2]]);
    expect(claimed.every((row) => Number(row.grp) === group.id)).toBe(true);
  });

  it('extends, fences and releases leases of their holder only; a lapsed lease is due again', async () => {
    const group = await organization(db.dataSource, 'leases', root);
    const id = (await newOrder(group))!;
    await db.dataSource.transaction((manager) => repo.claimDue(manager, 'sweeper-2', { limit: 1000, leaseSeconds: 600, held: new Map(), maxPerGroup: 1000, running: [id] }));
    const [row] = await db.dataSource.transaction((manager) => repo.claimDue(manager, 'holder', { limit: 1, leaseSeconds: 60, held: new Map(), maxPerGroup: 10, running: [] }));
    expect(row.id).toBe(id);
    expect(await repo.anyDue()).toBe(false);
    expect(await repo.extendLeases('holder', [id], 60)).toEqual([id]);
    expect(await repo.extendLeases('intruder', [id], 60)).toEqual([]);
    expect(await db.dataSource.transaction((manager) => repo.lockIfLeased(manager, id, 'holder'))).toBe(true);
    expect(await db.dataSource.transaction((manager) => repo.lockIfLeased(manager, id, 'intruder'))).toBe(false);
    expect(await repo.releaseLeases('intruder', [id])).toBe(0);
    expect(await repo.releaseLeases('holder', [id])).toBe(1);
    expect(await db.dataSource.transaction((manager) => repo.lockIfLeased(manager, id, 'holder'))).toBe(false);
    expect(await repo.anyDue()).toBe(true);
    const [taken] = await db.dataSource.transaction((manager) => repo.claimDue(manager, 'next', { limit: 1, leaseSeconds: 60, held: new Map(), maxPerGroup: 10, running: [] }));
    expect(taken).toMatchObject({ id, previous_status: 'IN_PROGRESS', previous_locked_by: null });
  });

  it('keeps the step journal in one fenced statement: begin, note errors, finish, progress; then fail, stop and reset', async () => {
    const id = (await newOrder(reseller))!;
    expect(await db.dataSource.transaction((m) => repo.writeStatus(m, id, 'NOT_STARTED', 'IN_PROGRESS', { ...KEEP, lease: { holder: 'journal-holder', seconds: 60 } }))).toBe(true);
    const result = { created: { organisation: 1 }, updated: {}, found: {}, numbersAllocated: [], warnings: [] };

    // Not the lease holder: nothing is written.
    expect(await repo.writeJournal(id, 'intruder', { finishes: [], errors: [], begins: [0, 1], progress: { currentStep: 'organisation', result: null } })).toBeNull();
    let steps = await repo.journalSteps(id);
    expect(steps.map((s) => [s.seq, s.status, s.attempts])).toEqual([
      [0, 'PENDING', 0],
      [1, 'PENDING', 0],
      [2, 'PENDING', 0],
    ]);
    expect(await statusOf(id)).toMatchObject({ current_step: null, progress_done: 0 });

    const begun = await repo.writeJournal(id, 'journal-holder', { finishes: [], errors: [], begins: [0, 1], progress: { currentStep: 'user a@example.com', result: null } });
    expect([...begun!.entries()].sort()).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(await statusOf(id)).toMatchObject({ current_step: 'user a@example.com', progress_done: 0 });

    const next = await repo.writeJournal(id, 'journal-holder', {
      finishes: [{ seq: 0, output: { oid: '42' } }],
      errors: [{ seq: 1, error: { code: 'XELION_UNAVAILABLE', message: 'busy' } }],
      begins: [2],
      progress: { currentStep: 'user b@example.com', result },
    });
    expect([...next!.entries()]).toEqual([[2, 1]]);
    steps = await repo.journalSteps(id);
    expect(steps.map((s) => [s.seq, s.status, s.attempts])).toEqual([
      [0, 'DONE', 1],
      [1, 'RUNNING', 1],
      [2, 'RUNNING', 1],
    ]);
    expect(steps[0].output).toEqual({ oid: '42' });
    const [errors] = await db.dataSource.query(`SELECT array_agg(error ORDER BY seq) AS e FROM order_steps WHERE order_id = $1`, [id]);
    expect(errors.e).toEqual([null, { code: 'XELION_UNAVAILABLE', message: 'busy' }, null]);
    const [order] = await db.dataSource.query(`SELECT result FROM orders WHERE id = $1`, [id]);
    expect(order.result).toEqual(result);
    expect(await statusOf(id)).toMatchObject({ current_step: 'user b@example.com', progress_done: 1 });

    // A retried attempt begun again: its attempt counted, its error cleared; an errors-only batch leaves the order row alone.
    expect([...(await repo.writeJournal(id, 'journal-holder', { finishes: [], errors: [], begins: [1], progress: { currentStep: 'user a@example.com', result: null } }))!]).toEqual([[1, 2]]);
    expect(await repo.writeJournal(id, 'journal-holder', { finishes: [], errors: [{ seq: 2, error: { code: 'XELION_UNAVAILABLE', message: 'later' } }], begins: [], progress: null })).toEqual(new Map());
    expect(await statusOf(id)).toMatchObject({ current_step: 'user a@example.com', progress_done: 1 });
    expect((await repo.journalSteps(id)).map((s) => [s.seq, s.status, s.attempts])).toEqual([
      [0, 'DONE', 1],
      [1, 'RUNNING', 2],
      [2, 'RUNNING', 1],
    ]);

    await db.dataSource.transaction(async (m) => {
      await repo.failStep(m, id, 2, { code: 'XELION_REJECTED', message: 'no' });
      await repo.stopRunningSteps(m, id);
    });
    steps = await repo.journalSteps(id);
    expect(steps.map((s) => s.status)).toEqual(['DONE', 'PENDING', 'FAILED']);
    await db.dataSource.transaction((m) => repo.resetUnfinishedSteps(m, id));
    expect((await repo.journalSteps(id)).map((s) => s.status)).toEqual(['DONE', 'PENDING', 'PENDING']);

    // A lease given up (or run out) fences the journal too.
    expect(await repo.releaseLeases('journal-holder', [id])).toBe(1);
    expect(await repo.writeJournal(id, 'journal-holder', { finishes: [{ seq: 1, output: {} }], errors: [], begins: [], progress: { currentStep: null, result: null } })).toBeNull();
    expect((await repo.journalSteps(id)).map((s) => s.status)).toEqual(['DONE', 'PENDING', 'PENDING']);
  });
});
