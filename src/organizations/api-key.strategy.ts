import type { OnModuleDestroy, Type } from '@nestjs/common';
import { registerApiKeyAuthenticator, unregisterApiKeyAuthenticator } from '../common/auth/api-key.guard.js';
import { ApiKeyService } from './api-key.service.js';

/**
 * Registers this application's key service as the authenticator the global guard uses under `name`
 * (common/auth/api-key.guard.ts), and removes it when the application closes.
 */
export function apiKeyStrategyFor(name: string): Type<object> {
  class ApiKeyStrategy implements OnModuleDestroy {
    constructor(apiKeys: ApiKeyService) {
      registerApiKeyAuthenticator(name, (key) => apiKeys.authenticate(key));
    }

    onModuleDestroy(): void {
      unregisterApiKeyAuthenticator(name);
    }
  }
  return ApiKeyStrategy;
}
