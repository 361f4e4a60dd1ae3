import type { Configuration } from '../configuration/configuration.types.js';
import type { ClaimedOrder } from './order-journal.js';
import type { StepKind } from './provisioning-plan.js';
import type { DayNightMode, TenantGateway } from './tenant-gateway.js';
import type { TenantReading } from './tenant-index.js';
import type { ExternalServices } from './external-services.js';
import type { ParkStepAccess } from './park-tenant.js';

/** Counts of objects per kind (`person`, `user`, `phoneLine`, `phone`, `trunk`, `organisation`, …). */
export type Counts = Record<string, number>;

/** What every step may add to the order's result: counts per kind, numbers it allocated, warnings. */
export interface StepReport {
  created?: Counts;
  updated?: Counts;
  found?: Counts;
  numbersAllocated?: { label: string; number: string; owner: string }[];
  warnings?: string[];
}

/** What later steps (fallbacks, opening hours) need to know of a department's line without reading it again. */
export interface LineState {
  defaultFallbackOid: string | null;
  voicemailActive: boolean;
  dayNightMode: DayNightMode | null;
}

/**
 * What each kind of step records in the journal: the oids it found or created (so that later steps,
 * and a retried or taken-over run, use the same objects) and what its dependents need, besides its report.
 */
export interface StepOutputs {
  tenant: StepReport & { tenant: { databaseId: string; name: string }; started: boolean };
  preflight: StepReport;
  numbers: StepReport & { allocations: Record<string, string> };
  organization: StepReport & { oids: { organisation: string } };
  user: StepReport & { oids: { user: string; person: string | null; line: string }; createdUser: boolean; createdLine: boolean };
  closedLine: StepReport & { oids: { line: string } };
  department: StepReport & { oids: { line: string }; state: LineState };
  phones: StepReport & { oids: { phones: string[] }; registered: number };
  fallbacks: StepReport;
  openingHours: StepReport;
  trunk: StepReport & { oids: { trunk: string }; numbersAssigned: number };
}

/** The output of some step. */
export type StepOutput = StepOutputs[StepKind];

/** What earlier steps recorded, looked up by step kind and subject, typed by kind. */
export interface JournalView {
  output<K extends StepKind>(kind: K, subject?: string | null): StepOutputs[K] | undefined;
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
  /** The order's tenant; for a park order, available once its `tenant` step is done. */
  tenant: TenantGateway;
  /**
   * Hands the preflight's reading of the tenant to the run: the following steps' first attempts
   * answer their look-ups from it (SnapshotTenantGateway). Absent when the run has no tenant session yet.
   */
  adoptReading?(reading: TenantReading): void;
  /** A park order's access to the park (its `tenant` step); undefined for other orders. */
  park?: ParkStepAccess;
  services: ExternalServices;
}

export type StepHandler<K extends StepKind = StepKind> = (context: StepContext) => Promise<StepOutputs[K]>;

/** Adds `n` to `counts[kind]`. */
export function count(counts: Counts, kind: string, n = 1): void {
  counts[kind] = (counts[kind] ?? 0) + n;
}
