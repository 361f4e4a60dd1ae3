import { describe, expect, it } from 'vitest';
import { JournalWriter } from '../../src/provisioning/journal-writer.js';
import type { JournalBatch, OrderJournal } from '../../src/provisioning/order-journal.js';
import { LeaseLostError } from '../../src/provisioning/step-errors.js';

/** A journal whose transactions the test commits by hand. */
function fakeJournal() {
  const batches: JournalBatch[] = [];
  const pending: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  let attempts = 0;
  const journal = {
    writeBatch: (_me: string, _orderId: number, batch: JournalBatch) => {
      batches.push(batch);
      return new Promise<Map<number, number>>((resolve, reject) => {
        pending.push({ resolve: () => resolve(new Map(batch.begins.map((b) => [b.seq, ++attempts]))), reject });
      });
    },
  } as unknown as OrderJournal;
  const commit = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    pending.shift()!.resolve();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { journal, batches, pending, commit };
}

describe('JournalWriter (group commit)', () => {
  it('writes that arrive while a transaction is under way share the next one; results count committed and new outputs', async () => {
    const fake = fakeJournal();
    const committed = new Map<number, Record<string, unknown>>([[1, { created: { a: 1 } }]]);
    const writer = new JournalWriter(fake.journal, 'me', 7, committed, (finished) => ({
      created: { a: [...committed.values(), ...finished.values()].length },
      updated: {},
      found: {},
      numbersAllocated: [],
      warnings: [],
    }));
    const first = writer.begin(2, 'step 2');
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.batches).toHaveLength(1);
    // Three writes while the first transaction is open: one transaction after it.
    const done = writer.finish(3, { created: { a: 1 } });
    const second = writer.begin(4, 'step 4');
    const error = writer.noteError(5, { code: 'XELION_UNAVAILABLE', message: 'x' });
    await fake.commit();
    expect(await first).toBe(1);
    expect(fake.batches).toHaveLength(2);
    expect(fake.batches[1]).toMatchObject({ finishes: [{ seq: 3 }], begins: [{ seq: 4, name: 'step 4' }], errors: [{ seq: 5 }] });
    expect(fake.batches[1].result?.created).toEqual({ a: 2 });
    expect(committed.has(3)).toBe(false);
    await fake.commit();
    await Promise.all([done, error]);
    expect(await second).toBe(2);
    // A finished output is known as committed before its promise resolves (dependents may start).
    expect(committed.has(3)).toBe(true);
    await writer.idle();
  });

  it('a failed transaction (the lease is lost) rejects every write of its batch', async () => {
    const fake = fakeJournal();
    const writer = new JournalWriter(fake.journal, 'me', 7, new Map(), () => ({ created: {}, updated: {}, found: {}, numbersAllocated: [], warnings: [] }));
    const a = writer.begin(1, 'a');
    const b = writer.finish(2, {});
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.batches).toHaveLength(1);
    fake.pending.shift()!.reject(new LeaseLostError(7));
    await expect(a).rejects.toBeInstanceOf(LeaseLostError);
    await expect(b).rejects.toBeInstanceOf(LeaseLostError);
    await writer.idle();
  });
});
