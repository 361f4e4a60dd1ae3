import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DeadlineExceededError,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  isRetryableTransportError,
  parseRetryAfterMs,
  requestNeverSent,
  retryDecisionForResponse,
  retryDelayMs,
  withRetry,
  type RetryPolicy,
} from '../../src/common/http/outbound-http.js';
import { UnsafeUrlError } from '../../src/common/http/url-safety.js';

const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

function errno(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('backoff with full jitter', () => {
  it('stays within [0, min(max, base * 2^(n-1)))', () => {
    for (let retry = 1; retry <= 8; retry += 1) {
      const ceiling = Math.min(1000, 100 * 2 ** (retry - 1));
      expect(backoffDelayMs(retry, policy, () => 0)).toBe(0);
      expect(backoffDelayMs(retry, policy, () => 0.999999)).toBe(Math.floor(0.999999 * ceiling));
      for (let i = 0; i < 50; i += 1) {
        const delay = backoffDelayMs(retry, policy);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
      }
    }
  });

  it('is jittered (not the same every time)', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelayMs(5, policy)));
    expect(delays.size).toBeGreaterThan(5);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs(['2'], now)).toBe(2000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs(undefined, now)).toBeUndefined();
  });

  it('is honoured before the backoff, and capped', () => {
    expect(retryDelayMs(1, policy, 2500, () => 0.5)).toBe(2500);
    expect(retryDelayMs(1, policy, 3_600_000, () => 0.5)).toBe(5000);
    expect(retryDelayMs(3, policy, undefined, () => 0.5)).toBe(200);
  });

  it('comes from the response headers of a 429 or 503', () => {
    expect(retryDecisionForResponse({ status: 429, headers: { 'retry-after': '1' } })).toEqual({ retry: true, retryAfterMs: 1000 });
    expect(retryDecisionForResponse({ status: 503, headers: {} })).toEqual({ retry: true, retryAfterMs: undefined });
    expect(retryDecisionForResponse({ status: 404, headers: { 'retry-after': '1' } })).toEqual({ retry: false });
  });
});

describe('what is retryable', () => {
  it('statuses: 429 and 5xx except 501/505', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 403, 404, 409, 501, 505].some(isRetryableStatus)).toBe(false);
  });

  it('errors: timeouts and connection errors, not URL-safety refusals or bugs', () => {
    expect(isRetryableTransportError(errno('ECONNRESET'))).toBe(true);
    expect(isRetryableTransportError(errno('ETIMEDOUT'))).toBe(true);
    expect(isRetryableTransportError(Object.assign(new Error('x'), { cause: errno('ECONNREFUSED') }))).toBe(true);
    expect(isRetryableTransportError(new UnsafeUrlError('no', 'internal-address'))).toBe(false);
    expect(isRetryableTransportError(Object.assign(new Error('x'), { code: 'UNSAFE_URL', cause: new UnsafeUrlError('no', 'internal-address') }))).toBe(false);
    expect(isRetryableTransportError(new TypeError('undefined is not a function'))).toBe(false);
  });

  it('tells a request that never left from one that may have been processed', () => {
    expect(requestNeverSent(errno('ECONNREFUSED'))).toBe(true);
    expect(requestNeverSent(errno('ECONNRESET'))).toBe(false);
    expect(requestNeverSent(errno('ETIMEDOUT'))).toBe(false);
  });
});

describe('withRetry', () => {
  const noSleep = { sleep: async () => {}, random: () => 0.5 };

  it('retries retryable errors up to maxAttempts, then throws the last one', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw errno('ECONNRESET');
      },
      { policy, ...noSleep },
    ).catch((caught: unknown) => caught);
    expect(calls).toBe(4);
    expect((error as { code: string }).code).toBe('ECONNRESET');
  });

  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls += 1;
          throw new Error('bug');
        },
        { policy, ...noSleep },
      ),
    ).rejects.toThrow('bug');
    expect(calls).toBe(1);
  });

  it('retries retryable results, waiting Retry-After then backoff, and returns the success', async () => {
    const waits: number[] = [];
    const answers = [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 500, headers: {} },
      { status: 200, headers: {} },
    ];
    let attempt = 0;
    const result = await withRetry(async () => answers[attempt++], {
      policy,
      retryOnResult: retryDecisionForResponse,
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
    });
    expect(result.status).toBe(200);
    expect(waits).toEqual([2000, 100]);
  });

  it('returns the last retryable result when attempts run out', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls += 1;
        return { status: 503, headers: {} };
      },
      { policy: { maxAttempts: 3 }, retryOnResult: retryDecisionForResponse, ...noSleep },
    );
    expect(result.status).toBe(503);
    expect(calls).toBe(3);
  });

  it('retries a timed-out attempt once (maxTimeouts 2 by default): the caller’s policy decides beyond that', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls += 1;
        throw new DeadlineExceededError(2000);
      },
      { policy: { ...policy, maxAttempts: 6 }, ...noSleep },
    ).catch((caught: unknown) => caught);
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    // Other retryable errors still get every attempt, and a timeout among them counts once.
    calls = 0;
    await withRetry(
      async () => {
        calls += 1;
        throw calls === 1 ? new DeadlineExceededError(2000) : errno('ECONNRESET');
      },
      { policy: { ...policy, maxAttempts: 6 }, ...noSleep },
    ).catch(() => undefined);
    expect(calls).toBe(6);
  });

  it('uses the default policy when none is given', () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBeGreaterThan(1);
  });
});
