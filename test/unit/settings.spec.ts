import { describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/config/settings.js';

const KEY = Buffer.alloc(32, 1).toString('base64');

describe('loadSettings', () => {
  it('has the documented defaults', () => {
    const settings = loadSettings({});
    expect(settings).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: './data',
      encryptionKey: undefined,
      rootOrganizationName: 'root',
      logLevel: 'info',
      outboundAllowPrivate: false,
      executor: { enabled: true, pollMs: 500, concurrency: 4, leaseSeconds: 30, maxPerOrganization: 2 },
      xelion: { maxConcurrency: 4, timeoutMs: 15000, listMaxItems: 50_000, listMaxBytes: 64 * 1024 * 1024 },
      metrics: { port: undefined, token: undefined },
      limits: { ratePerMinute: 600, maxUnfinishedOrders: 1000, authFailuresPerMinute: 60, testPerMinute: 60, maxOrganizationsPerSubtree: 10_000, maxApiKeysPerSubtree: 10_000 },
      trustProxy: false,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgres://localhost/db' }, 'ENCRYPTION_KEY'],
    [{ ENCRYPTION_KEY: 'c2hvcnQ=' }, 'ENCRYPTION_KEY'],
    [{ ENCRYPTION_KEY: 'not base64!' }, 'ENCRYPTION_KEY'],
    [{ ENCRYPTION_KEYS_PREVIOUS: `${KEY},short` }, 'ENCRYPTION_KEYS_PREVIOUS'],
    [{ ROOT_API_KEY: 'too-short' }, 'ROOT_API_KEY'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ OUTBOUND_ALLOW_PRIVATE: 'maybe' }, 'OUTBOUND_ALLOW_PRIVATE'],
    [{ EXECUTOR_CONCURRENCY: '0' }, 'EXECUTOR_CONCURRENCY'],
    [{ METRICS_PORT: 'nine' }, 'METRICS_PORT'],
    [{ METRICS_PORT: '65536' }, 'METRICS_PORT'],
    [{ METRICS_TOKEN: 'short-token' }, 'METRICS_TOKEN'],
    [{ RATE_LIMIT_PER_MINUTE: '-1' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ RATE_LIMIT_PER_MINUTE: '1.5' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ MAX_UNFINISHED_ORDERS: 'lots' }, 'MAX_UNFINISHED_ORDERS'],
    [{ MAX_UNFINISHED_ORDERS: '10000001' }, 'MAX_UNFINISHED_ORDERS'],
    [{ EXECUTOR_MAX_PER_ORGANIZATION: '0' }, 'EXECUTOR_MAX_PER_ORGANIZATION'],
    [{ XELION_LIST_MAX_ITEMS: '10' }, 'XELION_LIST_MAX_ITEMS'],
    [{ XELION_LIST_MAX_BYTES: 'big' }, 'XELION_LIST_MAX_BYTES'],
    [{ AUTH_FAILURES_PER_MINUTE: '-5' }, 'AUTH_FAILURES_PER_MINUTE'],
    [{ PROVISION_TEST_PER_MINUTE: 'x' }, 'PROVISION_TEST_PER_MINUTE'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ MAX_ORGANIZATIONS_PER_SUBTREE: '-1' }, 'MAX_ORGANIZATIONS_PER_SUBTREE'],
    [{ MAX_ORGANIZATIONS_PER_SUBTREE: 'many' }, 'MAX_ORGANIZATIONS_PER_SUBTREE'],
    [{ MAX_API_KEYS_PER_SUBTREE: '2.5' }, 'MAX_API_KEYS_PER_SUBTREE'],
    [{ MAX_API_KEYS_PER_SUBTREE: '10000001' }, 'MAX_API_KEYS_PER_SUBTREE'],
  ])('rejects %j naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadSettings(env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
  });

  it('accepts a PostgreSQL URL with a key, and previous keys for rotation', () => {
    const settings = loadSettings({ DATABASE_URL: 'postgresql://u@h/db', ENCRYPTION_KEY: KEY, ENCRYPTION_KEYS_PREVIOUS: ` ${KEY} , ${KEY}` });
    expect(settings.encryptionKey).toHaveLength(32);
    expect(settings.previousEncryptionKeys).toHaveLength(2);
  });

  it('reads the metrics and limit settings; 0 turns a limit off', () => {
    const settings = loadSettings({ METRICS_PORT: '9464', METRICS_TOKEN: 'a-scraper-token-of-32-characters', RATE_LIMIT_PER_MINUTE: '0', MAX_UNFINISHED_ORDERS: '25' });
    expect(settings.metrics).toEqual({ port: 9464, token: 'a-scraper-token-of-32-characters' });
    expect(settings.limits).toMatchObject({ ratePerMinute: 0, maxUnfinishedOrders: 25, authFailuresPerMinute: 60, testPerMinute: 60 });
    expect(loadSettings({ MAX_UNFINISHED_ORDERS: '0' }).limits.maxUnfinishedOrders).toBe(0);
    expect(loadSettings({ AUTH_FAILURES_PER_MINUTE: '0', PROVISION_TEST_PER_MINUTE: '0' }).limits).toMatchObject({ authFailuresPerMinute: 0, testPerMinute: 0 });
    expect(loadSettings({ MAX_ORGANIZATIONS_PER_SUBTREE: '0', MAX_API_KEYS_PER_SUBTREE: '7' }).limits).toMatchObject({ maxOrganizationsPerSubtree: 0, maxApiKeysPerSubtree: 7 });
  });

  it('EXECUTOR_MAX_PER_ORGANIZATION defaults to half of EXECUTOR_CONCURRENCY, at least 1', () => {
    expect(loadSettings({ EXECUTOR_CONCURRENCY: '1' }).executor.maxPerOrganization).toBe(1);
    expect(loadSettings({ EXECUTOR_CONCURRENCY: '3' }).executor.maxPerOrganization).toBe(1);
    expect(loadSettings({ EXECUTOR_CONCURRENCY: '16' }).executor.maxPerOrganization).toBe(8);
    expect(loadSettings({ EXECUTOR_CONCURRENCY: '16', EXECUTOR_MAX_PER_ORGANIZATION: '3' }).executor.maxPerOrganization).toBe(3);
  });

  it('TRUST_PROXY is false, true, or addresses and CIDR ranges', () => {
    expect(loadSettings({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadSettings({ TRUST_PROXY: 'no' }).trustProxy).toBe(false);
    expect(loadSettings({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
  });
});
