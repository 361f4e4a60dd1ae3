import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { checkUrlSyntax, createSafeAgents, type SafeAgents } from '../../common/http/url-safety.js';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import { externalCall, stripSlash, type ExternalCallContext } from './external-call.js';
import { NumberProviderError } from './external-service.error.js';

export interface NumberProviderAccess {
  /** `numbers.url` */
  url: string;
  /** `numbers.apiKey`: sent as `Authorization: Bearer …`, nowhere else. */
  apiKey: string;
}

export interface NumberRequest {
  /** ISO country, e.g. NL */
  country: string;
  /** Area code, e.g. 015 */
  area: string;
  label: string;
  /** The order id and the label: the same reference returns the same number. */
  reference: string;
}

export interface NumberReservationResult {
  /** E.164 */
  number: string;
  reference: string;
}

/** `POST {numbers.url}/v1/numbers/reservations` (docs/xelion-contract.md "External services beside Xelion"). */
@Injectable()
export class NumberProviderClient implements OnModuleDestroy {
  private readonly agents: SafeAgents;

  constructor(
    @Inject(HttpService) private readonly http: HttpService,
    @Inject(SETTINGS) private readonly settings: Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>,
  ) {
    this.agents = createSafeAgents(settings.outboundAllowPrivate);
  }

  /** For tests: shorter retries. */
  retryOverrides: Pick<ExternalCallContext, 'retryPolicy' | 'sleep'> = {};

  async reserve(access: NumberProviderAccess, request: NumberRequest): Promise<NumberReservationResult> {
    const base = stripSlash(checkUrlSyntax(access.url).toString());
    const response = await externalCall(
      { http: this.http.axiosRef, agents: this.agents, timeoutMs: this.settings.xelion.timeoutMs, ...this.retryOverrides },
      {
        method: 'POST',
        url: `${base}/v1/numbers/reservations`,
        headers: { Authorization: `Bearer ${access.apiKey}`, 'Content-Type': 'application/json' },
        data: { country: request.country, area: request.area, label: request.label, reference: request.reference },
      },
      'the number provider',
      (message, retryable, status, timedOut) => new NumberProviderError(message, retryable, status, timedOut),
    );
    const data = response.data as { number?: unknown; reference?: unknown } | undefined;
    if (typeof data?.number !== 'string' || !/^\+[1-9]\d{5,14}$/.test(data.number)) {
      throw new NumberProviderError('the number provider: the answer has no E.164 number', false, response.status);
    }
    return { number: data.number, reference: typeof data.reference === 'string' ? data.reference : request.reference };
  }

  onModuleDestroy(): void {
    this.agents.httpAgent.destroy();
    this.agents.httpsAgent.destroy();
  }
}
