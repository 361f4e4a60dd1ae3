/**
 * When to try again (docs/webhooks.md): "retried with exponential backoff and jitter for at least
 * three days (for example: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), honouring
 * `Retry-After`". The first attempt is at once; entry i of the schedule is the delay before attempt i+2.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays before attempts 2..10: 75 h 35 min in total, so the last attempt is more than three days after the first. */
export const PRODUCTION_RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** Jitter only ever lengthens a delay (by up to this fraction), so the three days are never shortened. */
export const JITTER_FRACTION = 0.1;
/** A Retry-After longer than this is capped: one receiver cannot park a message indefinitely. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/**
 * The delay before the next attempt after `attemptsMade` failed attempts, or null when the schedule is
 * exhausted (the message is then marked failed). `retryAfterMs` (from the receiver) is honoured: the
 * delay is never shorter than it.
 */
export function nextRetryDelay(
  schedule: readonly number[],
  attemptsMade: number,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number | null {
  if (attemptsMade < 1 || attemptsMade > schedule.length) return null;
  const base = schedule[attemptsMade - 1];
  const jittered = Math.round(base * (1 + JITTER_FRACTION * random()));
  return retryAfterMs === null ? jittered : Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}
