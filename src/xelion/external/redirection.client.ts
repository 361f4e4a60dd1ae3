import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { checkUrlSyntax, createSafeAgents, type SafeAgents } from '../../common/http/url-safety.js';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import { externalCall, stripSlash, type ExternalCallContext } from './external-call.js';
import { RedirectionError } from './external-service.error.js';

export interface RedirectionAccess {
  /** `redirection.url` */
  url: string;
  /** `redirection.username` / `redirection.password`: Basic authentication, nowhere else. */
  username: string;
  password: string;
}

export interface DeviceRegistration {
  /** `{serverUrl}/provisioning/{tenant}` */
  provisioningUrl: string;
  /** The phone's model. */
  label: string;
}

/** `PUT {redirection.url}/v1/devices/{MAC without separators}` (docs/xelion-contract.md "External services beside Xelion"). Idempotent. */
@Injectable()
export class RedirectionClient implements OnModuleDestroy {
  private readonly agents: SafeAgents;

  constructor(
    @Inject(HttpService) private readonly http: HttpService,
    @Inject(SETTINGS) private readonly settings: Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>,
  ) {
    this.agents = createSafeAgents(settings.outboundAllowPrivate);
  }

  /** For tests: shorter retries. */
  retryOverrides: Pick<ExternalCallContext, 'retryPolicy' | 'sleep'> = {};

  async register(access: RedirectionAccess, mac: string, registration: DeviceRegistration): Promise<void> {
    const hex = mac.replace(/[:\-.\s]/g, '').toUpperCase();
    if (!/^[0-9A-F]{12}$/.test(hex)) throw new RedirectionError(`"${mac}" is not a MAC address`, false);
    const base = stripSlash(checkUrlSyntax(access.url).toString());
    await externalCall(
      { http: this.http.axiosRef, agents: this.agents, timeoutMs: this.settings.xelion.timeoutMs, ...this.retryOverrides },
      {
        method: 'PUT',
        url: `${base}/v1/devices/${hex}`,
        auth: { username: access.username, password: access.password },
        headers: { 'Content-Type': 'application/json' },
        data: { provisioningUrl: registration.provisioningUrl, label: registration.label },
      },
      'the redirection server',
      (message, retryable, status, timedOut) => new RedirectionError(message, retryable, status, timedOut),
    );
  }

  onModuleDestroy(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}
