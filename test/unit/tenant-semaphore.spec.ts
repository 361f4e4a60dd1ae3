import { describe, expect, it } from 'vitest';
import { SEMAPHORE_IDLE_MS, tenantSemaphore, tenantSemaphoreCount } from '../../src/xelion/tenant.semaphore.js';

describe('tenantSemaphore', () => {
  it('drops semaphores that stayed idle, and a pruned one still held by a client defers to the live one', async () => {
    const start = Date.now();
    const held = tenantSemaphore('https://a.example.com', 'pbx', 1, start);
    const busy = tenantSemaphore('https://b.example.com', 'pbx', 1, start);
    const release = await busy.acquire();
    const before = tenantSemaphoreCount();
    // Idle long enough: the next look-up sweeps the idle one out; the busy one stays.
    held.lastUsed = start;
    busy.lastUsed = start;
    tenantSemaphore('https://c.example.com', 'pbx', 1, start + SEMAPHORE_IDLE_MS + 61_000);
    expect(tenantSemaphoreCount()).toBe(before);
    expect(tenantSemaphore('https://b.example.com', 'pbx', 1)).toBe(busy);

    // The pruned semaphore, used again through an old reference, and a new one for the same tenant
    // share one limit: the registry's live semaphore.
    const fresh = tenantSemaphore('https://a.example.com', 'pbx', 1);
    expect(fresh).not.toBe(held);
    const first = await held.acquire();
    let second = false;
    const waiting = fresh.acquire().then((r) => {
      second = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(second).toBe(false);
    expect(fresh.inUse).toBe(1);
    first();
    (await waiting)();
    release();
  });
});
