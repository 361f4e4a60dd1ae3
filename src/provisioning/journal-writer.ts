import type { StepError } from '../orders/order-step.entity.js';
import type { OrderResult } from '../orders/order.entity.js';
import type { JournalBatch, OrderJournal } from './order-journal.js';

type Op =
  | { type: 'begin'; seq: number; name: string; resolve: (attempt: number) => void; reject: (error: unknown) => void }
  | { type: 'finish'; seq: number; output: Record<string, unknown>; resolve: () => void; reject: (error: unknown) => void }
  | { type: 'error'; seq: number; error: StepError; resolve: () => void; reject: (error: unknown) => void };

/**
 * Group commit of one run's journal writes. A write is queued; while one transaction is under way the
 * writes that arrive meanwhile wait, and then go together in the next one (OrderJournal.writeBatch:
 * fenced, short, never open while Xelion is called). With a fast database nearly every write is its
 * own transaction; when the database is slow (a loaded machine, a busy pool) the
 * writes of several steps share one, instead of queueing up one transaction each. Every promise
 * resolves only once its write is committed: a step is RUNNING with its attempt counted before
 * anything is sent for it, and its output is durable before a step that reads it starts.
 */
export class JournalWriter {
  private queue: Op[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly journal: OrderJournal,
    private readonly me: string,
    private readonly orderId: number,
    /** The committed outputs by seq: a finish is added here as soon as its transaction commits. */
    private readonly committed: Map<number, Record<string, unknown>>,
    /** The order's result with these (not yet committed) outputs counted too. */
    private readonly resultWith: (finished: Map<number, Record<string, unknown>>) => OrderResult,
    /** Called with the outputs of a batch once it is committed (before any of its promises resolve). */
    private readonly onCommitted: (finished: Map<number, Record<string, unknown>>) => void = () => {},
  ) {}

  /** Marks the step RUNNING and counts its attempt; resolves with the attempt number once committed. */
  begin(seq: number, name: string): Promise<number> {
    return new Promise((resolve, reject) => this.push({ type: 'begin', seq, name, resolve, reject }));
  }

  /** The step DONE with its output, the order's result and progress; resolves once committed. */
  finish(seq: number, output: Record<string, unknown>): Promise<void> {
    return new Promise((resolve, reject) => this.push({ type: 'finish', seq, output, resolve, reject }));
  }

  /** A failed attempt that will be tried again (the step stays RUNNING). */
  noteError(seq: number, error: StepError): Promise<void> {
    return new Promise((resolve, reject) => this.push({ type: 'error', seq, error, resolve, reject }));
  }

  /** Resolves when every queued write has been committed (or has failed). */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private push(op: Op): void {
    this.queue.push(op);
    if (!this.flushing) this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      // Let the writes of the current turn of the event loop join this batch.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const ops = this.queue;
        this.queue = [];
        const finished = new Map<number, Record<string, unknown>>();
        const batch: JournalBatch = { finishes: [], errors: [], begins: [], result: null };
        for (const op of ops) {
          if (op.type === 'finish') {
            finished.set(op.seq, op.output);
            batch.finishes.push({ seq: op.seq, output: op.output });
          } else if (op.type === 'error') batch.errors.push({ seq: op.seq, error: op.error });
          else batch.begins.push({ seq: op.seq, name: op.name });
        }
        if (finished.size > 0) batch.result = this.resultWith(finished);
        let attempts: Map<number, number>;
        try {
          attempts = await this.journal.writeBatch(this.me, this.orderId, batch);
        } catch (error) {
          for (const op of ops) op.reject(error);
          continue;
        }
        for (const [seq, output] of finished) this.committed.set(seq, output);
        if (finished.size > 0) this.onCommitted(finished);
        for (const op of ops) {
          if (op.type === 'begin') {
            const attempt = attempts.get(op.seq);
            if (attempt === undefined) op.reject(new Error(`order ${this.orderId}: step ${op.seq} is not in the journal`));
            else op.resolve(attempt);
          } else op.resolve();
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
