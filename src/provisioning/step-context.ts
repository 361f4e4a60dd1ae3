import type { Configuration } from './configuration-view.js';
import type { ClaimedOrder } from './order-journal.js';
import type { StepKind } from './provisioning-plan.js';
import type { TenantGateway } from './tenant-gateway.js';
import type { ExternalServices } from './external-services.js';

/** Counts of objects per kind (`person`, `user`, `phoneLine`, `phone`, `trunk`, `organisation`, …). */
export type Counts = Record<string, number>;

/**
 * What a step records in the journal: the oids it found or created (so that later steps, and a
 * retried or taken-over run, use the same objects), counts for the order's result, numbers it
 * allocated and warnings.
 */
export interface StepOutput {
  oids?: Record<string, string | string[] | null>;
  created?: Counts;
  updated?: Counts;
  found?: Counts;
  numbersAllocated?: { label: string; number: string; owner: string }[];
  warnings?: string[];
  [extra: string]: unknown;
}

/** What earlier steps recorded, looked up by step kind and subject. */
export interface JournalView {
  output(kind: StepKind, subject?: string | null): StepOutput | undefined;
  oid(kind: StepKind, subject: string | null, name: string): string | undefined;
}

export interface StepContext {
  order: ClaimedOrder;
  configuration: Configuration;
  step: { seq: number; kind: StepKind; subject: string | null; name: string; attempt: number };
  /**
   * True on the step's first attempt: nothing this step creates can exist from an earlier attempt,
   * so objects whose natural key is "the one this order created" need no search. On later attempts
   * (a crash, a take-over, a retry) the step searches for them before it creates anything.
   */
  firstAttempt: boolean;
  journal: JournalView;
  tenant: TenantGateway;
  services: ExternalServices;
}

export type StepHandler = (context: StepContext) => Promise<StepOutput>;

/** Adds `n` to `counts[kind]`. */
export function count(counts: Counts, kind: string, n = 1): void {
  counts[kind] = (counts[kind] ?? 0) + n;
}
