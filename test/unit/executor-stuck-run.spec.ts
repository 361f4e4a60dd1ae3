import { describe, expect, it, vi } from 'vitest';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { RuntimeSettings } from '../../src/config/runtime-settings.js';
import type { MetricsService } from '../../src/metrics/metrics.service.js';
import { ExecutorService } from '../../src/provisioning/executor.service.js';
import type { ClaimedOrder, OrderJournal } from '../../src/provisioning/order-journal.js';
import type { OrderRunner, RunControl } from '../../src/provisioning/order-runner.js';

/** The heartbeat does not renew the lease of a run whose outbound request outlived its deadline (docs/security.md). */
describe('ExecutorService heartbeat', () => {
  const order = (id: number): ClaimedOrder => ({
    id,
    organizationId: 2,
    serverUrl: 'https://x.example.com',
    tenantName: 't',
    callbackUrl: null,
    configuration: {},
    tokenSealed: null,
    planHash: null,
    tenantSource: 'token',
    takenOverFrom: null,
    previousStatus: 'NOT_STARTED',
    group: 2,
  });

  it('renews a busy run, not one whose request is past its deadline', async () => {
    const intervals = new Map<string, NodeJS.Timeout>();
    const scheduler = {
      addInterval: (name: string, interval: NodeJS.Timeout) => intervals.set(name, interval),
      doesExist: (_kind: string, name: string) => intervals.has(name),
      deleteInterval: (name: string) => {
        clearInterval(intervals.get(name));
        intervals.delete(name);
      },
    } as unknown as SchedulerRegistry;
    const heartbeat = vi.fn(async (_me: string, ids: number[]) => new Set(ids));
    const journal = { claim: vi.fn(async () => [order(1), order(2)]), heartbeat, release: vi.fn(async () => 0) } as unknown as OrderJournal;
    const finish: (() => void)[] = [];
    const runner = {
      run: vi.fn(async (_me: string, claimed: ClaimedOrder, control: RunControl) => {
        const watch = control.watch!;
        // Order 1: a request within its deadline. Order 2: one whose deadline passed 5 s ago and is still in flight.
        const done = claimed.id === 1 ? watch.begin(60_000) : watch.begin(1_000, Date.now() - 6_000);
        await new Promise<void>((resolve) => finish.push(resolve));
        done();
        return 'completed' as const;
      }),
    } as unknown as OrderRunner;
    const settings = { executor: { enabled: true, pollMs: 60_000, concurrency: 4, leaseSeconds: 30, maxPerOrganization: 4 } } as RuntimeSettings;
    const executor = new ExecutorService(settings, journal, runner, scheduler, { leaseTakenOver: vi.fn() } as unknown as MetricsService);
    executor.onApplicationBootstrap();
    try {
      await executor.tick();
      expect(executor.runningOrderIds).toEqual([1, 2]);
      await (executor as unknown as { heartbeat(): Promise<void> }).heartbeat();
      expect(heartbeat).toHaveBeenCalledTimes(1);
      expect(heartbeat.mock.calls[0][1]).toEqual([1]);
    } finally {
      for (const resolve of finish) resolve();
      await executor.idle();
      executor.onModuleDestroy();
      await executor.beforeApplicationShutdown();
    }
  });
});
