import { macDigits } from '../../common/mac-address.js';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { checkUrlSyntax } from '../../common/http/url-safety.js';
import type { OutboundWatch } from '../../common/http/outbound-http.js';
import { SETTINGS, type RuntimeSettings } from '../../config/runtime-settings.js';
import { EXTERNAL_CALL_OPTIONS, ExternalServiceClient, stripSlash, type ExternalCallOptions } from './external-service.client.js';
import { RedirectionError } from './external-service.error.js';

export interface RedirectionAccess {
  /** `redirection.url` */
  url: string;
  /** `redirection.username` / `redirection.password`: Basic authentication, nowhere else. */
  username: string;
  password: string;
  /** The order's run whose request this is (its deadline is watched). */
  watch?: OutboundWatch;
}

export interface DeviceRegistration {
  /** `{serverUrl}/provisioning/{tenant}` */
  provisioningUrl: string;
  /** The phone's model. */
  label: string;
}

/** `PUT {redirection.url}/v1/devices/{MAC without separators}` (docs/xelion-contract.md "External services beside Xelion"). Idempotent. */
@Injectable()
export class RedirectionClient extends ExternalServiceClient {
  constructor(
    @Inject(SETTINGS) settings: Pick<RuntimeSettings, 'outboundAllowPrivate' | 'xelion'>,
    @Optional() @Inject(EXTERNAL_CALL_OPTIONS) options?: ExternalCallOptions,
  ) {
    super(settings, options);
  }

  async register(access: RedirectionAccess, mac: string, registration: DeviceRegistration): Promise<void> {
    const hex = macDigits(mac);
    if (hex === null) throw new RedirectionError(`"${mac}" is not a MAC address`, false);
    const base = stripSlash(checkUrlSyntax(access.url).toString());
    await this.call(
      {
        method: 'PUT',
        url: `${base}/v1/devices/${hex}`,
        headers: { authorization: `Basic ${Buffer.from(`${access.username}:${access.password}`).toString('base64')}` },
        json: { provisioningUrl: registration.provisioningUrl, label: registration.label },
        watch: access.watch,
      },
      'the redirection server',
      (message, retryable, status, timedOut) => new RedirectionError(message, retryable, status, timedOut),
    );
  }
}
