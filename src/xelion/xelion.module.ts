import { Module } from '@nestjs/common';
import { NumberProviderClient } from './external/number-provider.client.js';
import { RedirectionClient } from './external/redirection.client.js';
import { XelionClientFactory } from './xelion-client.factory.js';

/**
 * The Xelion REST client (XelionClientFactory → XelionTenantClient) and the clients of the services
 * beside Xelion. Needs SETTINGS (global ConfigModule). See docs/xelion-client.md.
 */
@Module({
  providers: [XelionClientFactory, NumberProviderClient, RedirectionClient],
  exports: [XelionClientFactory, NumberProviderClient, RedirectionClient],
})
export class XelionModule {}
