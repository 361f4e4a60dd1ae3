import { mulberry32 } from '../support/random.js';
import { sleep, type Answer } from './answer.js';
import type { FaultRule, SimulatorOptions, SimulatorState } from './state.js';

/** Latency and injected faults: queued rules first, else the random error rate (seeded for reproducible runs). */
export class Faults {
  private random: () => number;

  constructor(
    private readonly options: SimulatorOptions,
    private readonly state: SimulatorState,
  ) {
    this.random = Math.random;
    this.reseed();
  }

  /** After a change of `options.seed`. */
  reseed(): void {
    this.random = this.options.seed === null ? Math.random : mulberry32(this.options.seed);
  }

  private takeFault(route: string, tenant: string | undefined): FaultRule | undefined {
    const index = this.state.faults.findIndex((rule) => (rule.route === undefined || rule.route === route) && (rule.tenant === undefined || rule.tenant === tenant));
    if (index < 0) return undefined;
    const rule = this.state.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.state.faults.splice(index, 1);
    return rule;
  }

  /** The fault for this call, if any: a configured rule first, else the random error rate. */
  private pickFault(route: string, tenant: string | undefined, isWrite: boolean): FaultRule | undefined {
    const rule = this.takeFault(route, tenant);
    if (rule) return rule;
    if (this.options.errorRate > 0 && this.random() < this.options.errorRate) {
      const phase = this.options.errorPhase === 'random' ? (this.random() < 0.5 ? 'before' : 'after') : this.options.errorPhase;
      return { status: 500, errorCode: 11000, message: 'Internal server error (simulated)', phase: isWrite ? phase : 'before' };
    }
    return undefined;
  }

  private faultAnswer(rule: FaultRule, info: string): Answer {
    const headers: Record<string, string> = {};
    if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
    return {
      status: rule.status,
      headers,
      body: { errorCode: rule.errorCode ?? (rule.status === 429 ? 10400 : rule.status >= 500 ? 11000 : 10202), message: rule.message ?? 'simulated fault', info },
    };
  }

  async latency(): Promise<void> {
    await sleep(this.options.latencyMs + (this.options.latencyJitterMs > 0 ? Math.floor(this.random() * this.options.latencyJitterMs) : 0));
  }

  /** Latency, injected faults, then `handle` — with a fault "after" the change, the change is made and the error answered. */
  async run(route: string, tenant: string | undefined, isWrite: boolean, info: string, handle: () => Answer): Promise<Answer> {
    await this.latency();
    const fault = this.pickFault(route, tenant, isWrite);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault && (fault.phase ?? 'before') === 'before') return this.faultAnswer(fault, info);
    const answer = handle();
    if (fault) return this.faultAnswer(fault, info);
    return answer;
  }
}
