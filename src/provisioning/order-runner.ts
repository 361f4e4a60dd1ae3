import { Inject, Injectable, Logger } from '@nestjs/common';
import { SecretBox, SecretBoxError } from '../common/crypto/secret-box.js';
import type { OutboundWatch } from '../common/http/outbound-http.js';
import { logOfOrder, withContext } from '../common/logging/request-context.js';
import type { RunScope } from '../common/run-scope.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { StepError } from '../orders/order-step.entity.js';
import type { OrderError } from '../orders/order.entity.js';
import { tenantTokenAad } from '../orders/order.sealed-column.js';
import type { Configuration } from '../configuration/configuration.types.js';
import { classifyError, type Classified } from './error-mapping.js';
import { ExternalServicesFactory, type ExternalServices } from './external-services.js';
import { JournalWriter } from './journal-writer.js';
import { OrderJournal, type ClaimedOrder, type JournalStep } from './order-journal.js';
import { summarize } from './order-result.js';
import { stepDependencies, type StepKind } from './provisioning-plan.js';
import type { JournalView, StepContext, StepOutput, StepOutputs } from './step-context.js';
import { ParkTenants, type ParkStepAccess } from './park-tenant.js';
import { DrainingError, LeaseLostError, ORGANIZATION_DISABLED, PARK_LOGIN_REJECTED, StepFailure, TENANT_TOKEN_REJECTED } from './step-errors.js';
import { STEP_HANDLERS } from './steps/index.js';
import { SnapshotTenantGateway } from './snapshot-tenant-gateway.js';
import { readTenant, remainingPart } from './tenant-reading.js';
import { TenantGatewayFactory, type TenantGateway } from './tenant-gateway.js';

/** What the run's outbound requests are made for: their deadlines watched, their log lines with the order's ids. */
function runScope(order: { id: number; organizationId: number }, control: RunControl): RunScope {
  return { watch: control.watch, log: logOfOrder(order) };
}

/** How the executor steers one run from outside. */
export interface RunControl {
  /** Set when the heartbeat found the lease gone, or the executor was halted: write nothing more. */
  lost: boolean;
  /** Set on shutdown: start no new step. */
  draining: boolean;
  /**
   * Until when (Date.now() ms) this instance surely holds the lease: the send time of the last claim or
   * heartbeat that held it, plus LEASE_SECONDS, minus a safety margin. The database's `locked_until` is
   * never earlier, so past this moment another instance may have taken the order over (for example
   * while heartbeats failed because PostgreSQL was unreachable): no request goes to Xelion after it.
   */
  leaseValidUntil: number;
  /** The run's outbound requests, watched for overrun deadlines (ExecutorService). */
  watch?: OutboundWatch;
}

/** May this run still call Xelion or start a step? (Lease held, by the local clock too.) */
export function holdsLease(control: RunControl): boolean {
  return !control.lost && Date.now() < control.leaseValidUntil;
}

export type RunOutcome = 'completed' | 'failed' | 'released' | 'lost';

/** A step failed for good: the order fails with this. */
class OrderFailed extends Error {
  constructor(
    readonly failure: OrderError,
    readonly step: { seq: number; error: StepError } | null,
    readonly eraseToken: boolean,
  ) {
    super(failure.message);
  }
}

/**
 * Attempts of one step within one run while its errors stay retryable (429/5xx/timeouts after the
 * client's own retries, or a create whose outcome is unknown). Waits of 0.5, 1, 2, 4, 8, 8, 8 s (±25 %)
 * between them: a Xelion that misbehaves for up to ~30 s does not fail the order, a longer outage does,
 * with its cause (docs/provisioning.md). Each attempt looks up first.
 */
export const STEP_ATTEMPTS_PER_RUN = 8;
/**
 * Attempts of one step within one run when they end because a call's total deadline passed: each
 * such attempt holds an executor slot for the deadline, retries included, and a server that is that
 * slow rarely recovers within seconds. With XELION_TIMEOUT_MS=2000 an order against a server that
 * trickles or hangs fails within about 20 s (docs/security.md, "Outbound deadlines and fairness").
 */
export const STEP_TIMEOUT_ATTEMPTS_PER_RUN = 3;
const STEP_BACKOFF_MS = 500;
const STEP_BACKOFF_MAX_MS = 8_000;
/** Steps running at once per allowed Xelion request: a step spends part of its time in the journal. */
export const STEPS_PER_SLOT = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one claimed order: each step of its journal as soon as the steps it depends on are done, in
 * parallel, each step journaled (begin, finish or fail) with fencing through a group-committing
 * JournalWriter. Returns how the run ended.
 */
@Injectable()
export class OrderRunner {
  private readonly logger = new Logger('Executor');

  constructor(
    private readonly journal: OrderJournal,
    private readonly box: SecretBox,
    private readonly gateways: TenantGatewayFactory,
    private readonly services: ExternalServicesFactory,
    @Inject(SETTINGS) private readonly settings: RuntimeSettings,
    private readonly metrics: MetricsService,
    private readonly parkTenants: ParkTenants,
  ) {}

  async run(me: string, order: ClaimedOrder, control: RunControl): Promise<RunOutcome> {
    const steps = await this.journal.steps(order.id);
    const outputs = new Map<number, StepOutput>();
    for (const step of steps) if (step.status === 'DONE' && step.output) outputs.set(step.seq, step.output as StepOutput);
    // The result of the committed outputs, kept up to date as finishes commit (not summed anew each time).
    let committedResult = summarize(outputs.values());
    const writer = new JournalWriter(
      this.journal,
      me,
      order.id,
      outputs as Map<number, Record<string, unknown>>,
      (finished) => summarize(finished.values() as Iterable<StepOutput>, committedResult),
      (finished) => {
        committedResult = summarize(finished.values() as Iterable<StepOutput>, committedResult);
      },
    );
    try {
      const active = activeCheck(() => this.journal.organizationDisabled(order.organizationId));
      await active();
      const services = this.services.forOrder({ ...order, watch: control.watch });
      await checkCredentials(services, steps.filter((step) => !outputs.has(step.seq)));
      let tenant: TenantGateway | undefined;
      // The run's first attempts answer look-ups from the preflight's reading (docs/provisioning.md, "Plan").
      let reading: SnapshotTenantGateway | undefined;
      const useToken = (token: string) => {
        tenant = this.gateways.forTenant({ serverUrl: order.serverUrl, tenant: order.tenantName, token, mayCall: () => holdsLease(control), run: runScope(order, control) });
        reading = new SnapshotTenantGateway(tenant);
      };
      // A park order gets its tenant token from its `tenant` step (docs/provisioning.md, "Park orders").
      const park = await this.parkAccess(me, order, services, control, useToken);
      if (!park || order.tokenSealed) useToken(this.openToken(order));
      const journal = journalView(steps, outputs);
      const configuration = order.configuration as Configuration;
      if (reading) await this.readAgain(order, reading, configuration, steps, outputs);
      await this.runSteps(steps, stepDependencies(steps, configuration), outputs, writer, order, control, active, (step, attempt) => ({
        order,
        configuration,
        step: { seq: step.seq, kind: step.kind as StepKind, subject: step.subject, name: step.name, attempt },
        firstAttempt: attempt === 1,
        journal,
        get tenant(): TenantGateway {
          if (!tenant) throw new StepFailure('INTERNAL_ERROR', 'the park order has no tenant session: its tenant step has not run');
          return attempt === 1 && reading ? reading : tenant;
        },
        adoptReading: (tenantReading) => reading?.adopt(tenantReading),
        park,
        services,
      }));
      if (!holdsLease(control)) throw new LeaseLostError(order.id);
      await this.journal.completeOrder(me, order, summarize(outputs.values()));
      this.logger.log(withContext(`order ${order.id} completed`, logOfOrder(order)));
      return 'completed';
    } catch (error) {
      if (error instanceof LeaseLostError || !holdsLease(control)) {
        this.logger.warn(withContext(`order ${order.id}: lost the lease; another instance continues it`, logOfOrder(order)));
        return 'lost';
      }
      if (error instanceof DrainingError) {
        await this.journal.release(me, [order.id]);
        this.logger.log(withContext(`order ${order.id} released at shutdown; another instance continues it`, logOfOrder(order)));
        return 'released';
      }
      if (error instanceof OrderFailed) {
        try {
          await this.journal.failOrder(me, order, error.failure, error.step, error.eraseToken, summarize(outputs.values()));
        } catch (writeError) {
          if (writeError instanceof LeaseLostError) return 'lost';
          throw writeError;
        }
        this.logger.warn(withContext(`order ${order.id} failed at ${error.failure.step ?? 'start'} (${error.failure.code}): ${error.failure.message}`, logOfOrder(order)));
        return 'failed';
      }
      throw error;
    }
  }

  /**
   * A resumed run (after a crash, a take-over or a retry) whose preflight is done reads the tenant again for
   * the steps left, and their first attempts answer from that reading (docs/provisioning.md, "Reading the
   * tenant"): it is taken after everything earlier runs wrote. A reading that fails leaves the look-ups live.
   */
  private async readAgain(order: ClaimedOrder, reading: SnapshotTenantGateway, configuration: Configuration, steps: JournalStep[], outputs: Map<number, StepOutput>): Promise<void> {
    const preflight = steps.find((step) => step.kind === 'preflight');
    // Steps begun before look objects up live on their next attempt (OrderRunner's `tenant`): only the others read.
    const pending = steps.filter((step) => !outputs.has(step.seq) && step.attempts === 0);
    if (!preflight || !outputs.has(preflight.seq) || pending.length === 0) return;
    try {
      reading.adopt(await readTenant(reading, remainingPart(configuration, pending)));
    } catch (error) {
      this.logger.warn(withContext(`order ${order.id}: the tenant could not be read again (${classifyError(error).code}); the steps look objects up one by one`, logOfOrder(order)));
    }
  }

  private async parkAccess(
    me: string,
    order: ClaimedOrder,
    services: ExternalServices,
    control: RunControl,
    useToken: (token: string) => void,
  ): Promise<ParkStepAccess | undefined> {
    if (order.tenantSource !== 'park') return undefined;
    return this.parkTenants.forRun(me, order, services, () => holdsLease(control), useToken, runScope(order, control));
  }

  private openToken(order: ClaimedOrder): string {
    if (!order.tokenSealed) {
      throw new OrderFailed({ code: TENANT_TOKEN_REJECTED, message: 'the order has no tenant token; retry it with a Xelion-Tenant-Token header', step: null }, null, true);
    }
    try {
      return this.box.open(order.tokenSealed, tenantTokenAad(order.id));
    } catch (error) {
      if (error instanceof SecretBoxError) {
        throw new OrderFailed(
          { code: 'TENANT_TOKEN_UNREADABLE', message: `the stored tenant token cannot be decrypted (${error.message}); retry the order with a Xelion-Tenant-Token header`, step: null },
          null,
          true,
        );
      }
      throw error;
    }
  }

  /**
   * Runs the unfinished steps, each as soon as the steps it depends on are done (no barrier between
   * stages), up to STEPS_PER_SLOT × XELION_MAX_CONCURRENCY at once so that the client's queue for the
   * tenant stays full (the client enforces the limit). Deeper steps go first (a user's phones before
   * the next user) so that the steps that unblock others are never starved. After the first failure
   * no new step starts; the running ones finish and are journaled, then the order fails.
   */
  private async runSteps(
    steps: JournalStep[],
    dependencies: Map<number, number[]>,
    outputs: Map<number, StepOutput>,
    writer: JournalWriter,
    order: ClaimedOrder,
    control: RunControl,
    active: () => Promise<void>,
    contextFor: (step: JournalStep, attempt: number) => StepContext,
  ): Promise<void> {
    const waiting = steps
      .filter((step) => !outputs.has(step.seq))
      .sort((a, b) => b.stage - a.stage || a.seq - b.seq);
    const width = Math.max(1, this.settings.xelion.maxConcurrency * STEPS_PER_SLOT);
    let running = 0;
    let stop: unknown;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (stop === undefined && running < width) {
          const index = waiting.findIndex((step) => (dependencies.get(step.seq) ?? []).every((seq) => outputs.has(seq)));
          if (index < 0) break;
          const [step] = waiting.splice(index, 1);
          running++;
          this.runStep(step, writer, order, control, active, contextFor)
            .catch((error: unknown) => {
              stop ??= error;
            })
            .finally(() => {
              running--;
              pump();
            });
        }
        if (running === 0) {
          if (stop === undefined && waiting.length > 0) {
            stop = new OrderFailed({ code: 'INTERNAL_ERROR', message: `steps ${waiting.map((s) => s.name).join(', ')} wait for steps that never finish`, step: null }, null, false);
          }
          resolve();
        }
      };
      pump();
    });
    await writer.idle();
    if (stop !== undefined) throw stop;
  }

  /** One step: begun (journaled), performed, and finished (journaled) before its dependents start. */
  private async runStep(
    step: JournalStep,
    writer: JournalWriter,
    order: ClaimedOrder,
    control: RunControl,
    active: () => Promise<void>,
    contextFor: (step: JournalStep, attempt: number) => StepContext,
  ): Promise<void> {
    const handler = STEP_HANDLERS[step.kind as StepKind];
    let timeouts = 0;
    for (let tryInRun = 1; ; tryInRun++) {
      if (!holdsLease(control)) throw new LeaseLostError(order.id);
      if (control.draining) throw new DrainingError();
      await active();
      const attempt = await writer.begin(step.seq, step.name);
      let output: StepOutput;
      try {
        output = await this.metrics.timeStep(step.kind, () => handler(contextFor(step, attempt)));
      } catch (error) {
        if (error instanceof LeaseLostError || error instanceof DrainingError) throw error;
        // A call cancelled because the lease ran out (XelionCallCancelledError), or any error seen after it.
        if (!holdsLease(control)) throw new LeaseLostError(order.id);
        const classified = classifyError(error);
        this.logger.warn(withContext(`order ${order.id}, step ${step.name}, attempt ${attempt}: ${classified.code}${classified.retryable ? ' (retryable)' : ''}: ${classified.message}`, logOfOrder(order)));
        if (classified.timedOut) timeouts++;
        if (classified.retryable && tryInRun < STEP_ATTEMPTS_PER_RUN && timeouts < STEP_TIMEOUT_ATTEMPTS_PER_RUN) {
          await writer.noteError(step.seq, stepError(classified));
          await sleep(Math.min(STEP_BACKOFF_MAX_MS, STEP_BACKOFF_MS * 2 ** (tryInRun - 1)) * (0.75 + Math.random() / 2));
          continue;
        }
        throw new OrderFailed(
          { code: classified.code, message: classified.message, step: step.name, ...(classified.xelionErrorCode !== undefined ? { xelionErrorCode: classified.xelionErrorCode } : {}) },
          { seq: step.seq, error: stepError(classified) },
          // A rejected token is worthless: erased (a park order's master token too, when the master tenant refused it).
          classified.code === TENANT_TOKEN_REJECTED || classified.code === PARK_LOGIN_REJECTED,
        );
      }
      if (!holdsLease(control)) throw new LeaseLostError(order.id);
      // The writer adds the output to `outputs` when it is committed: only then may dependents start.
      await writer.finish(step.seq, output as Record<string, unknown>);
      return;
    }
  }
}

/**
 * A check, run before each step begins, that the order's organization and its ancestors are still
 * enabled: a disabled organization's order starts no further step and fails with
 * ORGANIZATION_DISABLED (docs/security.md, "Disabled organizations"). Steps that begin while a check
 * is in flight share its answer, so parallel steps cost one query.
 */
function activeCheck(isDisabled: () => Promise<boolean>): () => Promise<void> {
  let inFlight: Promise<boolean> | undefined;
  return async () => {
    inFlight ??= isDisabled().finally(() => {
      inFlight = undefined;
    });
    if (await inFlight) {
      throw new OrderFailed({ code: ORGANIZATION_DISABLED, message: "the order's organization (or one of its ancestors) has been disabled", step: null }, null, true);
    }
  };
}

/** The credential groups the unfinished steps use, checked before the first of them writes anything. */
async function checkCredentials(services: ExternalServices, unfinished: JournalStep[]): Promise<void> {
  try {
    await services.checkCredentials(unfinished.map((step) => step.kind as StepKind));
  } catch (error) {
    const classified = classifyError(error);
    if (classified.retryable) throw error;
    throw new OrderFailed({ code: classified.code, message: classified.message, step: null }, null, false);
  }
}

function stepError(classified: Classified): StepError {
  return { code: classified.code, message: classified.message, ...(classified.xelionErrorCode !== undefined ? { xelionErrorCode: classified.xelionErrorCode } : {}) };
}

function journalView(steps: JournalStep[], outputs: Map<number, StepOutput>): JournalView {
  const bySubject = new Map<string, JournalStep>();
  for (const step of steps) {
    bySubject.set(`${step.kind}\u0000${step.subject ?? ''}`, step);
    if (!bySubject.has(step.kind)) bySubject.set(step.kind, step);
  }
  const find = (kind: StepKind, subject?: string | null) => bySubject.get(subject === undefined ? kind : `${kind}\u0000${subject ?? ''}`);
  return {
    output<K extends StepKind>(kind: K, subject?: string | null) {
      const step = find(kind, subject);
      // A step's output was written by the handler of its kind (STEP_HANDLERS is typed by kind).
      return step ? (outputs.get(step.seq) as StepOutputs[K] | undefined) : undefined;
    },
  };
}

