import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/config/settings.js';
import { JITTER_FRACTION, MAX_RETRY_AFTER_MS, nextRetryDelay, PRODUCTION_RETRY_SCHEDULE_MS } from '../../src/webhooks/webhook-retry.js';
import { generateWebhookSecret, signWebhook, webhookHeaders } from '../../src/webhooks/webhook-signing.js';
import { orderStatusChangedBody } from '../../src/webhooks/webhook.types.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('webhook signing (Standard Webhooks, verified with the published library)', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateWebhookSecret();
    const b = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });

  it('signs exactly as standardwebhooks does, and standardwebhooks verifies it', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ mid: 7, type: 'orderStatusChanged', data: { id: 3, status: 'COMPLETED' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const ours = signWebhook(secret, '7', timestamp, body);
    expect(ours).toBe(new Webhook(secret).sign('7', new Date(timestamp * 1000), body));
    const headers = webhookHeaders([secret], '7', timestamp, body);
    expect(headers).toEqual({ 'webhook-id': '7', 'webhook-timestamp': String(timestamp), 'webhook-signature': ours });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('during a rotation carries both signatures, each verifiable on its own', () => {
    const fresh = generateWebhookSecret();
    const old = generateWebhookSecret();
    const body = '{"mid":1}';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([fresh, old], '1', timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(fresh).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(old).verify(body, { ...headers })).not.toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, { ...headers })).toThrow();
  });

  it('a changed body, id or timestamp does not verify', () => {
    const secret = generateWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], '5', timestamp, '{"a":1}');
    const verify = (body: string, h: Record<string, string>) => () => new Webhook(secret).verify(body, h);
    expect(verify('{"a":2}', { ...headers })).toThrow();
    expect(verify('{"a":1}', { ...headers, 'webhook-id': '6' })).toThrow();
    expect(verify('{"a":1}', { ...headers, 'webhook-timestamp': String(timestamp - 1) })).toThrow();
    expect(() => webhookHeaders([], '1', timestamp, '{}')).toThrow();
  });
});

describe('retry schedule', () => {
  it('is the issue\'s example: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h', () => {
    expect(PRODUCTION_RETRY_SCHEDULE_MS).toEqual([5_000, 300_000, 1_800_000, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]);
  });

  it('keeps retrying for at least three days, even with the smallest jitter', () => {
    let total = 0;
    for (let attempts = 1; ; attempts++) {
      const delay = nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, attempts, null, () => 0);
      if (delay === null) {
        expect(attempts).toBe(10); // ten attempts in all
        break;
      }
      total += delay;
    }
    expect(total).toBeGreaterThanOrEqual(3 * DAY);
  });

  it('grows (exponential backoff) and jitter only lengthens, by at most 10 %', () => {
    for (let i = 1; i < PRODUCTION_RETRY_SCHEDULE_MS.length; i++) {
      expect(PRODUCTION_RETRY_SCHEDULE_MS[i]).toBeGreaterThan(PRODUCTION_RETRY_SCHEDULE_MS[i - 1]);
    }
    expect(nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 2, null, () => 0)).toBe(300_000);
    expect(nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 2, null, () => 0.999999)).toBe(Math.round(300_000 * (1 + JITTER_FRACTION * 0.999999)));
    const samples = Array.from({ length: 50 }, () => nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 3)!);
    expect(new Set(samples).size).toBeGreaterThan(1);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(1_800_000);
  });

  it('honours Retry-After when it asks for longer, capped at 24 h', () => {
    expect(nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 1, 60_000, () => 0)).toBe(60_000);
    expect(nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 1, 1_000, () => 0)).toBe(5_000);
    expect(nextRetryDelay(PRODUCTION_RETRY_SCHEDULE_MS, 1, 10 * DAY, () => 0)).toBe(MAX_RETRY_AFTER_MS);
  });

  it('gives up after the last attempt', () => {
    expect(nextRetryDelay([100, 200], 2, null)).not.toBeNull();
    expect(nextRetryDelay([100, 200], 3, null)).toBeNull();
    expect(nextRetryDelay([100, 200], 3, 5_000)).toBeNull();
  });
});

describe('message body', () => {
  it('is the Provisioning Guide body, with the extra data fields', () => {
    expect(orderStatusChangedBody(2, { orderId: 1, organizationId: 9, callbackUrl: 'https://x', previousStatus: 'IN_PROGRESS', status: 'FAILED', error: { code: 'E', message: 'm' } })).toEqual({
      mid: 2,
      type: 'orderStatusChanged',
      data: { id: 1, status: 'FAILED', organizationId: 9, previousStatus: 'IN_PROGRESS', error: { code: 'E', message: 'm' } },
    });
    // `error` only on FAILED.
    const started = orderStatusChangedBody(3, { orderId: 1, organizationId: 9, callbackUrl: 'https://x', previousStatus: null, status: 'NOT_STARTED', error: { code: 'E', message: 'm' } });
    expect(started.data).toEqual({ id: 1, status: 'NOT_STARTED', organizationId: 9, previousStatus: null });
  });
});

describe('webhook settings', () => {
  it('default to the production values', () => {
    const settings = loadSettings({});
    expect(settings.webhooks).toEqual({ dispatcherEnabled: true, pollMs: 250, concurrency: 16, leaseSeconds: 60, timeoutMs: 10_000, retryScheduleMs: undefined });
  });

  it('read the test-only retry schedule and refuse a bad one, naming the variable', () => {
    expect(loadSettings({ WEBHOOK_RETRY_SCHEDULE_MS: '100, 200,300' }).webhooks.retryScheduleMs).toEqual([100, 200, 300]);
    expect(() => loadSettings({ WEBHOOK_RETRY_SCHEDULE_MS: '100,abc' })).toThrow(SettingsError);
    expect(() => loadSettings({ WEBHOOK_RETRY_SCHEDULE_MS: '100,abc' })).toThrow(/WEBHOOK_RETRY_SCHEDULE_MS/);
    // The 10-second limit of the issue cannot be raised.
    expect(() => loadSettings({ WEBHOOK_TIMEOUT_MS: '20000' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });
});
