import type { OnModuleDestroy, Type } from '@nestjs/common';
import passport from 'passport';
import { PassportStrategy } from '@nestjs/passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import { API_KEY_HEADER } from '../common/auth/api-key.guard.js';
import type { Caller } from '../common/auth/caller.js';
import { ApiKeyService } from './api-key.service.js';

/** passport-headerapikey reads `X-Auth-Key` (passReqToCallback: false); the key service decides who it belongs to. */
export function apiKeyStrategyFor(name: string): Type<object> {
  class ApiKeyStrategy extends PassportStrategy(HeaderAPIKeyStrategy, name) implements OnModuleDestroy {
    constructor(private readonly apiKeys: ApiKeyService) {
      super({ header: API_KEY_HEADER, prefix: '' }, false);
    }

    validate(apiKey: string): Promise<Caller> {
      return this.apiKeys.authenticate(apiKey);
    }

    onModuleDestroy(): void {
      passport.unuse(name);
    }
  }
  return ApiKeyStrategy;
}
