import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../common/http/outbound-http.js';
import { createOutboundHttp, type OutboundHttp } from '../common/http/outbound-request.js';
import { checkUrlSyntax, createSafeAgents, UnsafeUrlError, type SafeAgents } from '../common/http/url-safety.js';
import { SETTINGS, type RuntimeSettings } from '../config/runtime-settings.js';
import { tenantSemaphore } from './tenant.semaphore.js';
import { XelionMasterClient } from './xelion-master.client.js';
import { XELION_OBSERVER, type XelionObserver } from './xelion.observer.js';
import { XelionTenantClient } from './xelion-tenant.client.js';
import type { RunScope } from '../common/run-scope.js';
import type { XelionClientOptions } from './xelion-transport.js';

export interface XelionTenantAccess {
  /** `Xelion-Server-Url`, e.g. https://xelion.example.com (a trailing slash is ignored). */
  serverUrl: string;
  /** `Xelion-Tenant-Name`. */
  tenant: string;
  /** `Xelion-Tenant-Token`: goes into `Authorization: xelion {token}`, nowhere else. */
  token: string;
  /** Asked before every request; false cancels it (the executor: the order's lease is lost or running out). */
  mayCall?: () => boolean;
  /** The order's run (or request) these requests belong to: its outbound watch and log ids. */
  run?: RunScope;
}

export interface XelionClientOverrides {
  retryPolicy?: Partial<RetryPolicy>;
  timeoutMs?: number;
  pageSize?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Retries for Xelion: 429 bursts may need several rounds, so more attempts than the default. */
export const XELION_RETRY_POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 8_000 };

type FactorySettings = Pick<RuntimeSettings, 'outboundAllowPrivate'> &
  Partial<Pick<RuntimeSettings, 'instanceId'>> & {
    xelion: Pick<RuntimeSettings['xelion'], 'maxConcurrency' | 'timeoutMs'> & Partial<Pick<RuntimeSettings['xelion'], 'listMaxItems' | 'listMaxBytes'>>;
  };

/**
 * Builds the client of one tenant. Settings: XELION_MAX_CONCURRENCY (requests in flight per tenant, in
 * the whole process), XELION_TIMEOUT_MS (total deadline per request), XELION_LIST_MAX_ITEMS and
 * XELION_LIST_MAX_BYTES (list reads), OUTBOUND_ALLOW_PRIVATE (URL safety).
 */
@Injectable()
export class XelionClientFactory implements OnModuleDestroy {
  private readonly agents: SafeAgents;
  /** Node's HTTP client over the agents (one keep-alive pool per server), shared by every client made here. */
  private readonly http: OutboundHttp;

  constructor(
    @Inject(SETTINGS) private readonly settings: FactorySettings,
    @Optional() @Inject(XELION_OBSERVER) private readonly observer?: XelionObserver,
  ) {
    this.agents = createSafeAgents(settings.outboundAllowPrivate);
    this.http = createOutboundHttp(this.agents);
  }

  /** Throws UnsafeUrlError for a server URL that is not http(s), has credentials or a fragment, or a bad tenant name. */
  forTenant(access: XelionTenantAccess, overrides: XelionClientOverrides = {}): XelionTenantClient {
    return new XelionTenantClient(this.http, this.options(access.serverUrl, access.tenant, access, overrides), access.token);
  }

  /**
   * The master tenant of a multi-tenant server (`{serverUrl}/api/v1/master`): with a master session's
   * token, or with `token: null` to log in (no Authorization header is sent then).
   */
  forMaster(access: { serverUrl: string; token: string | null; mayCall?: () => boolean; run?: RunScope }, overrides: XelionClientOverrides = {}): XelionMasterClient {
    return new XelionMasterClient(this.http, this.options(access.serverUrl, 'master', access, overrides), access.token);
  }

  private options(
    serverUrlText: string,
    tenant: string,
    { mayCall, run }: { mayCall?: () => boolean; run?: RunScope },
    overrides: XelionClientOverrides,
  ): XelionClientOptions {
    const url = checkUrlSyntax(serverUrlText);
    const serverUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (url.search !== '') throw new UnsafeUrlError('the Xelion server URL has a query string', 'syntax');
    if (typeof tenant !== 'string' || tenant.trim() === '') throw new TypeError('the tenant name is empty');
    return {
      serverUrl,
      tenant,
      timeoutMs: overrides.timeoutMs ?? this.settings.xelion.timeoutMs,
      retryPolicy: { ...XELION_RETRY_POLICY, ...overrides.retryPolicy },
      agents: this.agents,
      semaphore: tenantSemaphore(serverUrl, tenant, this.settings.xelion.maxConcurrency),
      pageSize: overrides.pageSize,
      sleep: overrides.sleep,
      observe: this.observer?.observeXelion,
      mayCall,
      run,
      listMaxItems: this.settings.xelion.listMaxItems,
      listMaxBytes: this.settings.xelion.listMaxBytes,
      userAgent: this.settings.instanceId ? `xelion-provisioning-service (instance ${this.settings.instanceId})` : 'xelion-provisioning-service',
    };
  }

  /** The process-wide semaphore of a tenant (tests and the benchmark read its `peak`). */
  semaphoreOf(serverUrl: string, tenant: string) {
    return tenantSemaphore(serverUrl.replace(/\/+$/, ''), tenant, this.settings.xelion.maxConcurrency);
  }

  onModuleDestroy(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}
