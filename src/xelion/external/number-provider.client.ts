import { Inject, Injectable, Optional } from '@nestjs/common';
import { checkUrlSyntax } from '../../common/http/url-safety.js';
import type { OutboundWatch } from '../../common/http/outbound-http.js';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import { EXTERNAL_CALL_OPTIONS, ExternalServiceClient, stripSlash, type ExternalCallOptions } from './external-service.client.js';
import { NumberProviderError } from './external-service.error.js';

export interface NumberProviderAccess {
  /** `numbers.url` */
  url: string;
  /** `numbers.apiKey`: sent as `Authorization: Bearer …`, nowhere else. */
  apiKey: string;
  /** The order's run whose request this is (its deadline is watched). */
  watch?: OutboundWatch;
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
export class NumberProviderClient extends ExternalServiceClient {
  constructor(
    @Inject(SETTINGS) settings: Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>,
    @Optional() @Inject(EXTERNAL_CALL_OPTIONS) options?: ExternalCallOptions,
  ) {
    super(settings, options);
  }

  async reserve(access: NumberProviderAccess, request: NumberRequest): Promise<NumberReservationResult> {
    const base = stripSlash(checkUrlSyntax(access.url).toString());
    const response = await this.call(
      {
        method: 'POST',
        url: `${base}/v1/numbers/reservations`,
        headers: { authorization: `Bearer ${access.apiKey}` },
        json: { country: request.country, area: request.area, label: request.label, reference: request.reference },
        watch: access.watch,
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
}
