import { isIP } from 'node:net';

/**
 * Typed settings, read once from the environment and validated at start-up.
 *
 * Every problem names the variable it comes from, so that a wrong deployment fails fast with a
 * message an operator can act on. `.env.example` documents each setting; keep the two in step.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type LogFormat = 'json' | 'pretty';

/** DATA_DIR for a throw-away embedded database that keeps nothing on disk (tests). */
export const IN_MEMORY = 'memory';

export interface Settings {
  port: number;
  host: string;
  /** PUBLIC_URL: where clients reach the service (the OpenAPI document's `servers`); unset = the listening address. */
  publicUrl: string | undefined;
  /** LOG_FORMAT: unset = pretty on a terminal, JSON otherwise. */
  logFormat: LogFormat | undefined;
  /** Unset: the embedded PostgreSQL server keeps its data in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** 32 bytes, base64. Undefined only on the embedded database, where it is generated into DATA_DIR. */
  encryptionKey: Buffer | undefined;
  /** Older keys that still decrypt (ENCRYPTION_KEYS_PREVIOUS), newest first. */
  previousEncryptionKeys: Buffer[];
  rootApiKey: string | undefined;
  rootOrganizationName: string;
  logLevel: LogLevel;
  /** Outbound HTTP may reach loopback and private addresses (development and tests only). */
  outboundAllowPrivate: boolean;
  executor: {
    enabled: boolean;
    pollMs: number;
    concurrency: number;
    leaseSeconds: number;
    /** EXECUTOR_MAX_PER_ORGANIZATION: slots one top-level organization's orders may hold (docs/security.md). */
    maxPerOrganization: number;
  };
  xelion: {
    maxConcurrency: number;
    /** XELION_TIMEOUT_MS: the total deadline of one request (also the number provider's and the redirection server's). */
    timeoutMs: number;
    /** XELION_LIST_MAX_ITEMS / XELION_LIST_MAX_BYTES: the most one list read keeps (docs/security.md). */
    listMaxItems: number;
    listMaxBytes: number;
  };
  /** Webhook delivery (docs/webhooks.md). */
  webhooks: {
    dispatcherEnabled: boolean;
    pollMs: number;
    concurrency: number;
    leaseSeconds: number;
    timeoutMs: number;
    /** WEBHOOK_RETRY_SCHEDULE_MS, for tests only: delays before attempts 2, 3, …; unset = the ≥3-day schedule. */
    retryScheduleMs: number[] | undefined;
  };
  /** GET /metrics (README "Operations"). */
  metrics: {
    /** METRICS_PORT: a separate listener serving only /metrics; unset = /metrics on the main port. */
    port: number | undefined;
    /** METRICS_TOKEN: when set, /metrics needs `Authorization: Bearer <token>`. */
    token: string | undefined;
  };
  /** Abuse limits. */
  limits: {
    /** RATE_LIMIT_PER_MINUTE: requests per API key (per IP on public routes) per minute and instance; 0 = off. */
    ratePerMinute: number;
    /**
     * MAX_UNFINISHED_ORDERS: NOT_STARTED + IN_PROGRESS orders the subtree of the ordering organization,
     * and of each of its ancestors below the root, may hold; 0 = no limit (docs/security.md, "Quotas per subtree").
     */
    maxUnfinishedOrders: number;
    /** AUTH_FAILURES_PER_MINUTE: requests failing authentication per client address per minute; 0 = off. */
    authFailuresPerMinute: number;
    /** PROVISION_TEST_PER_MINUTE: `POST /api/v1/provision/test` per client address per minute; 0 = off. */
    testPerMinute: number;
    /** MAX_ORGANIZATIONS_PER_SUBTREE: organizations (disabled ones included) a subtree below the root may hold; 0 = no limit. */
    maxOrganizationsPerSubtree: number;
    /** MAX_API_KEYS_PER_SUBTREE: API keys (revoked and expired ones included) a subtree below the root may hold; 0 = no limit. */
    maxApiKeysPerSubtree: number;
  };
  /** TRUST_PROXY: whether (or from which addresses) `X-Forwarded-For` is believed for the client address. */
  trustProxy: boolean | string[];
}

export class SettingsError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'SettingsError';
  }
}

type Env = Record<string, string | undefined>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new SettingsError(name, `"${value}" is not a whole number`);
  const n = Number(value);
  if (n < min || n > max) throw new SettingsError(name, `${n} is outside ${min}..${max}`);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new SettingsError(name, `"${value}" is not true or false`);
}

/** Decodes one 32-byte base64 key; `name` is the variable it came from, for the message. */
export function decodeEncryptionKey(name: string, value: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    throw new SettingsError(name, 'must be base64 (32 random bytes, e.g. `openssl rand -base64 32`)');
  }
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new SettingsError(name, `must decode to 32 bytes, got ${key.length} (use \`openssl rand -base64 32\`)`);
  }
  return key;
}

export function loadSettings(env: Env = process.env): Settings {
  const databaseUrl = raw(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new SettingsError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }

  const keyText = raw(env, 'ENCRYPTION_KEY');
  const encryptionKey = keyText === undefined ? undefined : decodeEncryptionKey('ENCRYPTION_KEY', keyText);
  if (databaseUrl !== undefined && encryptionKey === undefined) {
    throw new SettingsError(
      'ENCRYPTION_KEY',
      'is required when DATABASE_URL is set (32 random bytes, base64: `openssl rand -base64 32`)',
    );
  }
  const previousEncryptionKeys = (raw(env, 'ENCRYPTION_KEYS_PREVIOUS') ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => decodeEncryptionKey('ENCRYPTION_KEYS_PREVIOUS', part));

  const rootApiKey = raw(env, 'ROOT_API_KEY');
  if (rootApiKey !== undefined && rootApiKey.length < 32) {
    throw new SettingsError('ROOT_API_KEY', `must be at least 32 characters, got ${rootApiKey.length}`);
  }

  const rootOrganizationName = raw(env, 'ROOT_ORGANIZATION_NAME') ?? 'root';
  if (rootOrganizationName.length > 100) {
    throw new SettingsError('ROOT_ORGANIZATION_NAME', 'must be at most 100 characters');
  }

  const logLevel = (raw(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new SettingsError('LOG_LEVEL', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  }

  const publicUrl = raw(env, 'PUBLIC_URL');
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(publicUrl)) {
    throw new SettingsError('PUBLIC_URL', `"${publicUrl}" is not an http(s) URL without query or fragment (such as https://provisioning.example.com)`);
  }
  const logFormat = raw(env, 'LOG_FORMAT')?.toLowerCase();
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new SettingsError('LOG_FORMAT', `"${logFormat}" is not json or pretty`);
  }

  const concurrency = integer(env, 'EXECUTOR_CONCURRENCY', 4, 1, 256);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: raw(env, 'HOST') ?? '0.0.0.0',
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    logFormat: logFormat as LogFormat | undefined,
    databaseUrl,
    dataDir: raw(env, 'DATA_DIR') ?? './data',
    encryptionKey,
    previousEncryptionKeys,
    rootApiKey,
    rootOrganizationName,
    logLevel: logLevel as LogLevel,
    outboundAllowPrivate: boolean(env, 'OUTBOUND_ALLOW_PRIVATE', false),
    executor: {
      enabled: boolean(env, 'EXECUTOR_ENABLED', true),
      pollMs: integer(env, 'EXECUTOR_POLL_MS', 500, 10, 600_000),
      concurrency,
      leaseSeconds: integer(env, 'LEASE_SECONDS', 30, 2, 3600),
      maxPerOrganization: integer(env, 'EXECUTOR_MAX_PER_ORGANIZATION', Math.max(1, Math.floor(concurrency / 2)), 1, 256),
    },
    xelion: {
      maxConcurrency: integer(env, 'XELION_MAX_CONCURRENCY', 4, 1, 64),
      timeoutMs: integer(env, 'XELION_TIMEOUT_MS', 15_000, 100, 600_000),
      listMaxItems: integer(env, 'XELION_LIST_MAX_ITEMS', 50_000, 100, 10_000_000),
      listMaxBytes: integer(env, 'XELION_LIST_MAX_BYTES', 64 * 1024 * 1024, 64 * 1024, 2 ** 31 - 1),
    },
    webhooks: {
      dispatcherEnabled: boolean(env, 'WEBHOOK_DISPATCHER_ENABLED', true),
      pollMs: integer(env, 'WEBHOOK_POLL_MS', 250, 10, 600_000),
      concurrency: integer(env, 'WEBHOOK_CONCURRENCY', 16, 1, 256),
      leaseSeconds: integer(env, 'WEBHOOK_LEASE_SECONDS', 60, 1, 3600),
      timeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 10_000),
      retryScheduleMs: delayList(env, 'WEBHOOK_RETRY_SCHEDULE_MS'),
    },
    metrics: {
      port: raw(env, 'METRICS_PORT') === undefined ? undefined : integer(env, 'METRICS_PORT', 0, 0, 65535),
      token: metricsToken(env),
    },
    limits: {
      ratePerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
      maxUnfinishedOrders: integer(env, 'MAX_UNFINISHED_ORDERS', 1000, 0, 10_000_000),
      authFailuresPerMinute: integer(env, 'AUTH_FAILURES_PER_MINUTE', 60, 0, 1_000_000),
      testPerMinute: integer(env, 'PROVISION_TEST_PER_MINUTE', 60, 0, 1_000_000),
      maxOrganizationsPerSubtree: integer(env, 'MAX_ORGANIZATIONS_PER_SUBTREE', 10_000, 0, 10_000_000),
      maxApiKeysPerSubtree: integer(env, 'MAX_API_KEYS_PER_SUBTREE', 10_000, 0, 10_000_000),
    },
    trustProxy: trustProxy(env),
  };
}

/** `false` (the default), `true`, or the proxies' addresses / CIDR ranges, comma-separated. */
function trustProxy(env: Env): boolean | string[] {
  const value = raw(env, 'TRUST_PROXY');
  if (value === undefined || /^(false|0|no)$/i.test(value)) return false;
  if (/^(true|1|yes)$/i.test(value)) return true;
  const parts = value.split(',').map((part) => part.trim());
  for (const part of parts) {
    const [address, bits, ...rest] = part.split('/');
    const maxBits = isIP(address) === 6 ? 128 : 32;
    if (isIP(address) === 0 || rest.length > 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits))) {
      throw new SettingsError('TRUST_PROXY', `"${part}" is not true, false, an IP address or a CIDR range`);
    }
  }
  return parts;
}

function metricsToken(env: Env): string | undefined {
  const token = raw(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < 16) {
    throw new SettingsError('METRICS_TOKEN', `must be at least 16 characters, got ${token.length}`);
  }
  return token;
}

/** A comma-separated list of delays in milliseconds (at least one). */
function delayList(env: Env, name: string): number[] | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d{1,9}$/.test(part))) {
    throw new SettingsError(name, `"${value}" is not a comma-separated list of milliseconds`);
  }
  return parts.map(Number);
}
